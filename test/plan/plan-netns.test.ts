// compileIntent + planChanges against a real namespace: apply the plan's actions, re-capture, re-plan (nothing
// left to do), verify the policies with pbr's engine on the captured state, then revert and get the old state back.
// Needs root and `ip netns`; skips otherwise, unless PBR_REQUIRE_NETNS=1 (then it fails).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { access, mkdir, rm, rmdir, unlink, writeFile, copyFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { captureSnapshot } from '../../src/host/capture-snapshot.ts';
import type { NetworkState } from '../../src/model/network-state.ts';
import type { HostAction } from '../../src/model/plan.ts';
import { parseSnapshot } from '../../src/parse/snapshot.ts';
import { compileIntent } from '../../src/plan/compile-intent.ts';
import { desiredNftTable, livePbrTable } from '../../src/plan/nft-table.ts';
import { planChanges } from '../../src/plan/plan-changes.ts';
import { describeRequest, verifyPolicies } from '../../src/plan/policy-checks.ts';
import { addr, exampleIntent, exampleRouter, policy, prefix } from '../../src/plan/test-support.ts';
import { parseNftRuleset } from '../../src/parse/nft-json.ts';
import type { NfTable } from '../../src/model/netfilter.ts';
import type { IntentOptions } from '../../src/model/intent.ts';

const ROUTER = `pbrc-r-${process.pid}`;
const OUTSIDE = `pbrc-o-${process.pid}`;
/** `ip netns exec` bind-mounts /etc/netns/NAME/iproute2 over /etc/iproute2: pbr's files land here, not in the host's /etc */
const ETC = `/etc/netns/${ROUTER}`;

interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function exec(argv: readonly string[], stdin?: string): Promise<Result> {
  return new Promise((resolve) => {
    const [program, ...args] = argv;
    const child = execFile(program ?? 'false', args, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(stdin ?? '');
  });
}

async function must(argv: readonly string[], stdin?: string): Promise<string> {
  const r = await exec(argv, stdin);
  assert.equal(r.code, 0, `${argv.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const inRouter = (words: string): Promise<string> => must(['ip', 'netns', 'exec', ROUTER, ...words.split(' ')]);

/** The test's own runner of a plan's actions inside the router namespace. */
async function perform(action: HostAction): Promise<void> {
  switch (action.kind) {
    case 'run':
      await must(['ip', 'netns', 'exec', ROUTER, ...action.argv], action.stdin);
      return;
    case 'sysctl':
      await must(['ip', 'netns', 'exec', ROUTER, 'sysctl', '-qw', `${action.path}=${action.value}`]);
      return;
    case 'write-file': {
      const path = `${ETC}${action.path.slice('/etc'.length)}`;
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, action.content);
      return;
    }
    case 'delete-file':
      await unlink(`${ETC}${action.path.slice('/etc'.length)}`);
  }
}

async function capture(): Promise<NetworkState> {
  const parsed = parseSnapshot(JSON.parse(JSON.stringify(await captureSnapshot({ netns: ROUTER }))) as unknown, { name: 'live' });
  assert.deepEqual(parsed.diagnostics.filter((d) => d.severity === 'error'), []);
  return parsed.value;
}

/** Waits until the three links have carrier and their IPv6 link-local addresses. */
async function settled(): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const out = await inRouter('ip -6 -o addr show scope link');
    if (['lan', 'wan1', 'wan2'].every((dev) => out.includes(` ${dev} `)) && !out.includes('tentative')) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail('IPv6 link-local addresses did not settle');
}

async function setUp(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'not root (network namespaces need root)';
  for (const ns of [ROUTER, OUTSIDE]) {
    const added = await exec(['ip', 'netns', 'add', ns]);
    if (added.code !== 0) return `ip netns add failed: ${added.stderr.trim()}`;
  }
  return undefined;
}

/** What a revert must give back: the state's objects without dump positions. */
function comparable(s: NetworkState): unknown {
  const noOrder = <T extends { order: number }>(list: readonly T[]): Omit<T, 'order'>[] => list.map(({ order: _order, ...rest }) => rest);
  const tables = (s.netfilter?.tables ?? []).map((t) => ({ ...t, handle: undefined, chains: t.chains.map((c) => ({ ...c, handle: undefined, rules: c.rules.map((r) => ({ text: r.text, statements: r.statements })) })) }));
  return JSON.parse(JSON.stringify({
    rules4: noOrder(s.rules4),
    rules6: noOrder(s.rules6),
    routes: noOrder(s.routes),
    sysctls: [...s.sysctls].filter(([k]) => !/\/(stable_secret|neigh)\//.test(k)).sort(),
    tables,
    files: s.rtTablesFiles,
  }, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)));
}

const OPTION_SETS: readonly { readonly name: string; readonly options: Partial<IntentOptions> }[] = [
  { name: 'mark mask 0xff00, tables from 100', options: {} },
  { name: 'the parser\'s defaults: mark mask 0x0f000000, tables and priorities from 10000', options: { rulePriorities: { start: 10000, end: 10999 }, tableIds: { start: 10000, end: 10999 }, markMask: 0x0f000000 } },
];

for (const { name, options } of OPTION_SETS) test(`plan → apply in a namespace → re-plan is empty, policies verified, revert restores the state (${name})`, { timeout: 120_000 }, async (t) => {
  const reason = await setUp();
  if (reason) {
    if (process.env['PBR_REQUIRE_NETNS'] === '1') assert.fail(`PBR_REQUIRE_NETNS=1 but ${reason}`);
    t.skip(reason);
    return;
  }
  const hadNetnsDir = await access('/etc/netns').then(() => true, () => false);
  try {
    await mkdir(`${ETC}/iproute2/rt_tables.d`, { recursive: true });
    await copyFile('/etc/iproute2/rt_tables', `${ETC}/iproute2/rt_tables`);
    await inRouter('ip link set lo up');
    // no IPv6 duplicate address detection: link-local addresses and their routes settle at once
    for (const conf of ['all', 'default']) await inRouter(`sysctl -qw net/ipv6/conf/${conf}/accept_dad=0`);
    for (const [dev, cidr] of [['lan', '10.0.0.1/24'], ['wan1', '192.0.2.2/24'], ['wan2', '198.51.100.2/24']] as const) {
      await inRouter(`ip link add ${dev} type veth peer name ${dev}p netns ${OUTSIDE}`);
      await inRouter(`ip link set ${dev} up`);
      await inRouter(`ip addr add ${cidr} dev ${dev}`);
      await must(['ip', '-n', OUTSIDE, 'link', 'set', `${dev}p`, 'up']);
    }
    await inRouter('ip route add default via 192.0.2.1 dev wan1');
    await inRouter('ip -6 addr add 2001:db8:10::1/64 dev lan nodad');
    await inRouter('ip -6 addr add 2001:db8:2::2/64 dev wan2 nodad');
    await settled();
    for (const dev of ['all', 'default', 'lan', 'wan1', 'wan2']) await inRouter(`sysctl -qw net/ipv4/conf/${dev}/rp_filter=1`);
    // foreign objects pbr must leave alone
    await inRouter('ip rule add pref 500 from 10.9.0.0/16 lookup 200');
    await inRouter('ip route add 10.9.0.0/16 via 10.0.0.254 table 200');
    await inRouter('nft add table inet other');
    await inRouter('nft add chain inet other out { type filter hook output priority 0 ; }');
    await inRouter('nft add rule inet other out meta mark set meta mark or 0x1');
    await writeFile(`${ETC}/iproute2/rt_tables.d/other.conf`, '200 other\n');

    const before = await capture();
    const intent = exampleIntent(options);
    const desired = compileIntent(intent, before);
    assert.deepEqual(desired.diagnostics.filter((d) => d.severity === 'error'), []);
    const plan = planChanges(before, desired.value);
    assert.deepEqual(plan.conflicts, []);
    assert.ok(plan.changes.length > 20, `a plan: ${plan.changes.map((c) => c.summary).join('\n')}`);
    for (const change of plan.changes) for (const action of change.apply) await perform(action);

    const after = await capture();
    // the table nft lists is the one pbr compiled, statement for statement
    const live = livePbrTable(after);
    const wanted = desiredNftTable(desired.value.nft);
    assert.deepEqual(live?.chains.map((c) => [c.name, c.base, c.rules.map((r) => r.statements)]), wanted?.chains.map((c) => [c.name, c.base, c.rules.map((r) => r.statements)]));
    const again = planChanges(after, compileIntent(intent, after).value);
    assert.deepEqual(again.changes.map((c) => c.summary), [], 'applying twice changes nothing');
    assert.deepEqual(again.conflicts, []);

    const verdicts = verifyPolicies(intent, after);
    const lines = verdicts.map((v) => `${v.ok ? 'ok' : 'FAIL'} ${v.check.policy}: ${describeRequest(v.check.request)} → ${v.got} (want ${v.check.expect.dev}${v.check.expect.probability === undefined ? '' : ` p=${v.check.expect.probability}`})`);
    assert.ok(verdicts.every((v) => v.ok), lines.join('\n'));
    const route = async (words: string): Promise<string> => (await inRouter(`ip route get ${words}`)).split('\n')[0] ?? '';
    // the kernel agrees with the plan's ip rules: ssh from this host leaves by wan2, http by wan1
    assert.match(await route('203.0.113.9 ipproto tcp dport 22'), /via 198\.51\.100\.1 dev wan2 table isp2 src 198\.51\.100\.2/);
    assert.match(await route('203.0.113.9 ipproto tcp dport 80'), /via 192\.0\.2\.1 dev wan1 table isp1 src 192\.0\.2\.2/);
    const isp2Mark = `0x${desired.value.tables[1]!.mark.toString(16)}`;
    assert.match(await route(`203.0.113.9 from 10.0.0.10 iif lan mark ${isp2Mark} ipproto tcp dport 5000`), /via 198\.51\.100\.1 dev wan2 table isp2/);
    assert.match(await route(`10.0.0.10 mark ${isp2Mark}`), /dev lan table isp2 src 10\.0\.0\.1/);
    assert.equal(verdicts.some((v) => v.check.request.dst.family === 4 && v.check.request.dst.value === addr('198.51.100.2').value), true, 'replies of isp2 are checked');
    assert.deepEqual(verdicts.filter((v) => v.check.request.family === 6).map((v) => `${v.check.policy} ${v.check.request.iif ?? 'local'} → ${v.got}`), [
      'ssh-via-isp2 local → wan2',
      'ssh-via-isp2 lan → wan2',
      'backup-first local → wan2',
      'replies of isp2 wan2 → wan2',
    ]);
    assert.match((await inRouter('ip -6 route get 2001:db8:ffff::77 ipproto tcp dport 22')).split('\n')[0] ?? '', /via fe80::1 dev wan2 table isp2 proto 117 src 2001:db8:2::2/);
    // foreign objects untouched
    assert.ok(after.rules4.some((r) => r.priority === 500 && r.table === 200));
    assert.ok(after.routes.some((r) => r.table === 200));
    assert.ok(after.netfilter?.tables.some((tb) => tb.name === 'other'));

    // a second intent: one policy less, another balance, isp2 without its IPv6 gateway: replaces and stale deletes
    const { gateway6: _gateway6, ...isp2 } = intent.uplinks[1]!;
    const second = {
      ...intent,
      uplinks: [intent.uplinks[0]!, isp2],
      policies: [intent.policies[0]!, { ...intent.policies[2]!, via: { kind: 'balance' as const, weights: [{ uplink: 'isp1', weight: 1 }, { uplink: 'isp2', weight: 1 }] } }],
    };
    const secondPlan = planChanges(after, compileIntent(second, after).value);
    assert.deepEqual(secondPlan.conflicts, []);
    const kinds = new Set(secondPlan.changes.map((c) => `${c.object} ${c.action}`));
    for (const kind of ['nft replace', 'rule delete', 'route delete', 'file replace']) assert.ok(kinds.has(kind), `${kind} in ${[...kinds].join(', ')}`);
    for (const change of secondPlan.changes) for (const action of change.apply) await perform(action);
    const afterSecond = await capture();
    assert.deepEqual(planChanges(afterSecond, compileIntent(second, afterSecond).value).changes.map((c) => c.summary), []);
    assert.deepEqual(verifyPolicies(second, afterSecond).filter((v) => !v.ok).map((v) => `${v.check.policy}: ${v.got}`), []);
    for (const change of [...secondPlan.changes].reverse()) for (const action of change.revert) await perform(action);
    assert.deepEqual(comparable(await capture()), comparable(after), 'the revert of the second plan gives back the first state, nft table included');

    for (const change of [...plan.changes].reverse()) for (const action of change.revert) await perform(action);
    const restored = await capture();
    assert.deepEqual(comparable(restored), comparable(before));
  } finally {
    for (const ns of [ROUTER, OUTSIDE]) await exec(['ip', 'netns', 'del', ns]);
    await rm(ETC, { recursive: true, force: true });
    // the directory this test made, if nobody else has put anything in it since
    if (!hadNetnsDir) await rmdir('/etc/netns').catch(() => undefined);
  }
});

test('every selector form pbr writes loads in nft and lists back as the statements pbr compiled', { timeout: 60_000 }, async (t) => {
  const ns = `pbrc-n-${process.pid}`;
  if (process.getuid?.() !== 0 || (await exec(['ip', 'netns', 'add', ns])).code !== 0) {
    if (process.env['PBR_REQUIRE_NETNS'] === '1') assert.fail('PBR_REQUIRE_NETNS=1 but no namespace');
    t.skip('not root (network namespaces need root)');
    return;
  }
  try {
    const range = (start: number, end = start) => ({ start, end });
    const base = exampleIntent();
    const intent = {
      ...base,
      policies: [
        policy('plain-first', { proto: 6, dport: [range(25)] }, 'isp1'),
        policy('ports', { proto: 17, sport: [range(53)], dport: [range(8000, 8100), range(9000)] }, { kind: 'balance' as const, weights: [{ uplink: 'isp1', weight: 2 }, { uplink: 'isp2', weight: 1 }] }),
        policy('any-proto-port', { dport: [range(4000, 4001)], dscp: 10 }, 'isp2'),
        policy('gre', { proto: 47, iif: 'lan' }, 'isp2'),
        policy('v6', { src: [prefix('2001:db8::/64'), prefix('10.1.0.0/16')], dst: [prefix('2001:db8:1::5/128')], mark: { value: 0x1, mask: 0xff } }, 'isp2'),
        policy('uids', { uid: [range(1000, 1999), range(33)], not: { dst: [prefix('10.0.0.0/8'), prefix('fd00::/8')], proto: 1 } }, 'isp1'),
      ],
    };
    const desired = compileIntent(intent, exampleRouter().build()).value;
    await must(['ip', 'netns', 'exec', ns, 'nft', '-f', '-'], desired.nft.script);
    await must(['ip', 'netns', 'exec', ns, 'nft', '-f', '-'], desired.nft.script);
    const json = await must(['ip', 'netns', 'exec', ns, 'nft', '-j', 'list', 'ruleset']);
    const text = await must(['ip', 'netns', 'exec', ns, 'nft', '-a', 'list', 'ruleset']);
    const live = parseNftRuleset(json, 'nft', text);
    assert.deepEqual(live.diagnostics.filter((d) => d.severity !== 'info'), []);
    const shape = (table: NfTable | undefined) => table?.chains.map((c) => [c.name, c.base, c.rules.map((r) => r.statements)]);
    assert.equal(live.value.length, 1, 'loading twice leaves one table');
    assert.deepEqual(shape(live.value[0]), shape(desiredNftTable(desired.nft)));
  } finally {
    await exec(['ip', 'netns', 'del', ns]);
  }
});
