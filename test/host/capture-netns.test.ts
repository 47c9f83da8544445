// captureSnapshot against a real network namespace, then parseSnapshot: what ip reports must arrive in the model.
// Needs root and `ip netns`; skips otherwise, unless PBR_REQUIRE_NETNS=1 (then it fails).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatPrefix } from '../../src/addr/ip.ts';
import { captureSnapshot } from '../../src/host/capture-snapshot.ts';
import { runProgram } from '../../src/host/exec.ts';
import { SOURCE_KEYS } from '../../src/model/snapshot.ts';
import { parseSnapshot } from '../../src/parse/snapshot.ts';

const NETNS = `pbrp-cap-${process.pid}`;

async function ip(args: string): Promise<void> {
  const result = await runProgram(['ip', '-n', NETNS, ...args.split(' ')]);
  assert.equal(result.exitCode, 0, `ip -n ${NETNS} ${args}: ${result.stderr}`);
}

/** Why the test cannot run here, or undefined; creates the namespace when it can. */
async function setUp(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'not root (network namespaces need root)';
  const added = await runProgram(['ip', 'netns', 'add', NETNS]).catch((error: Error) => ({ exitCode: -1, stderr: error.message }));
  if (added.exitCode !== 0) return `ip netns add failed: ${added.stderr.trim()}`;
  return undefined;
}

test('captureSnapshot of a namespace → parseSnapshot gives back its state', { timeout: 60_000 }, async (t) => {
  const reason = await setUp();
  if (reason) {
    if (process.env['PBR_REQUIRE_NETNS'] === '1') assert.fail(`PBR_REQUIRE_NETNS=1 but ${reason}`);
    t.skip(reason);
    return;
  }
  try {
    await ip('link set lo up');
    await ip('link add x0 type veth peer name x1');
    await ip('link set x0 up');
    await ip('link set x1 up');
    await ip('addr add 10.70.0.1/24 dev x0');
    await ip('route add 192.0.2.0/24 via 10.70.0.2 table 123');
    await ip('route append 198.51.100.0/24 via 10.70.0.2');
    await ip('route append 198.51.100.0/24 via 10.70.0.3');
    await ip('rule add pref 50 fwmark 0x1/0x1 lookup 123');
    await ip('-6 rule add pref 60 not from 2001:db8::/32 unreachable');
    const result = await runProgram(['ip', 'netns', 'exec', NETNS, 'sysctl', '-qw', 'net.ipv4.conf.x0.rp_filter=2']);
    assert.equal(result.exitCode, 0, result.stderr);

    const snapshot = await captureSnapshot({ netns: NETNS });
    assert.equal(snapshot.netns, NETNS);
    for (const key of [SOURCE_KEYS.link, SOURCE_KEYS.addr, SOURCE_KEYS.rule4, SOURCE_KEYS.rule6, SOURCE_KEYS.route4, SOURCE_KEYS.route6, SOURCE_KEYS.fibTriestat, SOURCE_KEYS.sysctl]) {
      assert.equal(snapshot.sources[key]?.exitCode, 0, `${key}: ${snapshot.sources[key]?.stderr ?? 'missing'}`);
    }
    const parsed = parseSnapshot(JSON.parse(JSON.stringify(snapshot)) as unknown, { name: 'live' });
    assert.deepEqual(parsed.diagnostics.filter((d) => d.severity === 'error'), []);
    const state = parsed.value;
    assert.deepEqual(state.links.map((l) => l.name).sort(), ['lo', 'x0', 'x1']);
    assert.ok(state.addresses.some((a) => a.dev === 'x0' && a.prefixLength === 24));
    const fwmarkRule = state.rules4.find((r) => r.priority === 50);
    assert.deepEqual([fwmarkRule?.fwmark, fwmarkRule?.fwmask, fwmarkRule?.table], [1, 1, 123]);
    // rules are captured with -d: the protocol is known even where plain `ip rule show` leaves it out
    assert.deepEqual([state.rules4.find((r) => r.priority === 0)?.protocol, fwmarkRule?.protocol], ['kernel', 'unspec']);
    const v6Rule = state.rules6.find((r) => r.priority === 60);
    assert.deepEqual([v6Rule?.invert, v6Rule?.action], [true, 'unreachable']);
    assert.ok(state.routes.some((r) => r.table === 123 && formatPrefix(r.dst) === '192.0.2.0/24'));
    const appended = state.routes.filter((r) => formatPrefix(r.dst) === '198.51.100.0/24');
    assert.deepEqual(appended.map((r) => r.nexthops[0]?.gateway?.value), [0x0a460002, 0x0a460003]);
    assert.equal(state.sysctls.get('net/ipv4/conf/x0/rp_filter'), '2');
    assert.equal(state.fib.v4TablesMerged, false);
    assert.equal(state.kernelRelease, snapshot.kernelRelease);
  } finally {
    await runProgram(['ip', 'netns', 'del', NETNS]);
  }
});

test('a namespace that does not exist is a SystemError', async (t) => {
  if (process.getuid?.() !== 0) {
    if (process.env['PBR_REQUIRE_NETNS'] === '1') assert.fail('PBR_REQUIRE_NETNS=1 but not root');
    t.skip('not root');
    return;
  }
  await assert.rejects(captureSnapshot({ netns: 'pbrp-no-such-netns' }), /cannot enter network namespace "pbrp-no-such-netns"/);
});
