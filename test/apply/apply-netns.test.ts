// applyPlan against a real network namespace: a rule, a route in a table, an nft table and a sysctl. A failure at
// every step (before or after it runs, or a command the kernel refuses) must leave a capture of the namespace
// equal to the one before, foreign rule and nft table included.
// Needs root and `ip netns`; skips otherwise, unless PBR_REQUIRE_NETNS=1 (then it fails).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyPlan } from '../../src/apply/apply-plan.ts';
import { rollbackLast } from '../../src/apply/rollback.ts';
import { runProgram } from '../../src/host/exec.ts';
import type { Plan, PlannedChange } from '../../src/model/plan.ts';
import { captureComparable, settledCapture } from './comparable-snapshot.ts';

const NETNS = `pbra-${process.pid}`;

async function inNetns(argv: readonly string[], input?: string): Promise<string> {
  const result = await runProgram(argv, { netns: NETNS, ...(input === undefined ? {} : { input }) });
  assert.equal(result.exitCode, 0, `${argv.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

async function setUp(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'not root (network namespaces need root)';
  const added = await runProgram(['ip', 'netns', 'add', NETNS]).catch((error: Error) => ({ exitCode: -1, stderr: error.message }));
  if (added.exitCode !== 0) return `ip netns add failed: ${added.stderr.trim()}`;
  return undefined;
}



function step(object: PlannedChange['object'], summary: string, apply: readonly string[], revert: readonly string[], stdin?: string): PlannedChange {
  return {
    object,
    action: 'add',
    summary,
    apply: [{ kind: 'run', argv: apply, ...(stdin === undefined ? {} : { stdin }) }],
    revert: [{ kind: 'run', argv: revert }],
  };
}

const NFT_TABLE = `table inet pbr {
  chain prerouting { type filter hook prerouting priority mangle; policy accept; meta mark set meta mark & 0xffff00ff | 0x100; }
}
`;

function plan(rpFilterBefore: string): Plan {
  return {
    conflicts: [],
    changes: [
      step('route', 'add default via 10.71.0.2 table 100', ['ip', 'route', 'add', 'default', 'via', '10.71.0.2', 'dev', 'x0', 'table', '100', 'proto', '117'], ['ip', 'route', 'del', 'default', 'via', '10.71.0.2', 'dev', 'x0', 'table', '100', 'proto', '117']),
      step('rule', 'add rule 1000: fwmark 0x100/0xff00 lookup 100', ['ip', 'rule', 'add', 'pref', '1000', 'fwmark', '0x100/0xff00', 'lookup', '100', 'proto', '117'], ['ip', 'rule', 'del', 'pref', '1000', 'fwmark', '0x100/0xff00', 'lookup', '100', 'proto', '117']),
      step('rule', 'add -6 rule 1000: fwmark 0x100/0xff00 lookup 100', ['ip', '-6', 'rule', 'add', 'pref', '1000', 'fwmark', '0x100/0xff00', 'lookup', '100', 'proto', '117'], ['ip', '-6', 'rule', 'del', 'pref', '1000', 'fwmark', '0x100/0xff00', 'lookup', '100', 'proto', '117']),
      step('nft', 'add nft table inet pbr', ['nft', '-f', '-'], ['nft', 'delete', 'table', 'inet', 'pbr'], NFT_TABLE),
      {
        object: 'sysctl',
        action: 'set',
        summary: 'set net.ipv4.conf.x0.rp_filter 2',
        apply: [{ kind: 'sysctl', path: 'net/ipv4/conf/x0/rp_filter', value: '2' }],
        revert: [{ kind: 'sysctl', path: 'net/ipv4/conf/x0/rp_filter', value: rpFilterBefore }],
      },
      {
        object: 'file',
        action: 'add',
        summary: 'write rt_tables.d/pbr.conf',
        apply: [{ kind: 'write-file', path: '/etc/iproute2/rt_tables.d/pbr.conf', content: '100\tisp1\n' }],
        revert: [{ kind: 'delete-file', path: '/etc/iproute2/rt_tables.d/pbr.conf' }],
      },
    ],
  };
}

/** A step the kernel refuses: a gateway no connected route reaches. */
const REFUSED = step('route', 'add 192.0.2.0/24 via 203.0.113.1 table 100', ['ip', 'route', 'add', '192.0.2.0/24', 'via', '203.0.113.1', 'table', '100'], ['ip', 'route', 'del', '192.0.2.0/24', 'table', '100']);

test('apply into a namespace; a failure at any step restores the captured state exactly', { timeout: 180_000 }, async (t) => {
  const reason = await setUp();
  if (reason) {
    if (process.env['PBR_REQUIRE_NETNS'] === '1') assert.fail(`PBR_REQUIRE_NETNS=1 but ${reason}`);
    t.skip(reason);
    return;
  }
  const root = await mkdtemp(join(tmpdir(), 'pbra-root-'));
  try {
    await inNetns(['ip', 'link', 'set', 'lo', 'up']);
    // a quiet IPv6: no link-local addresses, so no DAD, router solicitations or MLD reports changing the capture
    await inNetns(['ip', 'link', 'add', 'x0', 'type', 'veth', 'peer', 'name', 'x1']);
    await inNetns(['ip', 'link', 'set', 'x0', 'addrgenmode', 'none']);
    await inNetns(['ip', 'link', 'set', 'x1', 'addrgenmode', 'none']);
    await inNetns(['ip', 'link', 'set', 'x0', 'up']);
    await inNetns(['ip', 'link', 'set', 'x1', 'up']);
    await inNetns(['ip', 'addr', 'add', '10.71.0.1/24', 'dev', 'x0']);
    await inNetns(['sysctl', '-qw', 'net.ipv4.conf.x0.rp_filter=1']);
    // foreign objects pbr must not touch
    await inNetns(['ip', 'rule', 'add', 'pref', '500', 'from', '10.9.0.0/16', 'lookup', '200']);
    await inNetns(['ip', 'route', 'add', '10.9.0.0/16', 'via', '10.71.0.3', 'table', '200']);
    await inNetns(['nft', '-f', '-'], 'table inet foreign { chain output { type route hook output priority mangle; meta mark set 0x7; }\n}\n');

    const options = { netns: NETNS, root };
    const before = await settledCapture(NETNS);
    const basePlan = plan('1');

    // a whole apply changes what it should, and pbr rollback takes it all back
    const applied = await applyPlan(basePlan, options);
    assert.equal(applied.kind, 'applied', JSON.stringify(applied));
    assert.match(await inNetns(['ip', 'rule', 'show', 'pref', '1000']), /fwmark 0x100\/0xff00 lookup 100 proto 117/);
    assert.match(await inNetns(['nft', 'list', 'table', 'inet', 'pbr']), /meta mark set/);
    assert.equal((await inNetns(['cat', '/proc/sys/net/ipv4/conf/x0/rp_filter'])).trim(), '2');
    assert.equal((await rollbackLast(options)).kind, 'rolled-back');
    assert.deepEqual(await captureComparable(NETNS), before, 'after pbr rollback');

    const cases: { label: string; plan: Plan; injectFailure?: { step: number; when: 'before' | 'after' }; failedStep: number }[] = [];
    for (let k = 1; k <= basePlan.changes.length; k++) {
      cases.push({ label: `step ${k} fails before it runs`, plan: basePlan, injectFailure: { step: k, when: 'before' }, failedStep: k });
      cases.push({ label: `step ${k} fails after it ran`, plan: basePlan, injectFailure: { step: k, when: 'after' }, failedStep: k });
    }
    const refusedAt = 3;
    cases.push({ label: 'the kernel refuses step 3', plan: { conflicts: [], changes: [...basePlan.changes.slice(0, refusedAt - 1), REFUSED, ...basePlan.changes.slice(refusedAt - 1)] }, failedStep: refusedAt });

    for (const c of cases) {
      const result = await applyPlan(c.plan, { ...options, ...(c.injectFailure === undefined ? {} : { injectFailure: c.injectFailure }) });
      assert.equal(result.kind, 'rolled-back', `${c.label}: ${JSON.stringify(result)}`);
      if (result.kind !== 'rolled-back' || result.cause.kind !== 'step') continue;
      assert.equal(result.cause.step, c.failedStep, c.label);
      if (c.injectFailure === undefined) assert.match(result.cause.failure.stderr, /invalid gateway|Network is unreachable/, c.label);
      assert.deepEqual(await captureComparable(NETNS), before, c.label);
    }
  } finally {
    await runProgram(['ip', 'netns', 'del', NETNS]);
    await rm(root, { recursive: true, force: true });
  }
});
