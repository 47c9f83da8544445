// pbr apply on the lab's router, checked with real packets (what the server saw, the ISPs' counters, the
// router's rp_filter drops), not with pbr's engine: ssh and http leave by the uplinks the intent names, for
// forwarded and router-originated connections; inbound connections on wan2 are answered through wan2; strict
// rp_filter drops nothing after the apply; a 3:1 balance lands near 75%; a failure at every step restores the
// router; re-apply and re-plan change nothing. Needs root and the lab's tools; skips otherwise, unless PBR_REQUIRE_NETNS=1.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readApplyStatus } from '../../src/apply/rollback.ts';
import type { Plan } from '../../src/model/plan.ts';
import {
  BALANCE_PORT, applyFailingAt, burst, captureRouter, prepareRouter, readRpFilterDrops, runPbr, targetArgs, type RouterTarget,
} from './apply-lab.ts';
import { ADDR, ADDR6, labUnavailableReason, readIspCounters, runIn, watchFlow, withLab, type Lab, type LabNode } from './lab.ts';
import { exchange, startServer, type ExchangeResult, type ProbeServer } from './traffic.ts';

const BALANCE_CONNECTIONS = 1000;
/** Labs that share the failure-injection steps: each apply waits mostly on `ip netns exec`, so they overlap well. */
const FAILURE_LABS = 4;

async function tcp(lab: Lab, node: LabNode, to: string, port: number, sport?: number): Promise<ExchangeResult> {
  return exchange(lab, node, { proto: 'tcp', to, port, ...(sport === undefined ? {} : { sport }), timeoutMs: 2000 });
}

/** The source address the server saw for one TCP connection from node (the router masquerades: it names the uplink). */
async function seenPeer(lab: Lab, node: LabNode, to: string, port: number): Promise<string> {
  const result = await tcp(lab, node, to, port);
  assert.ok(result.ok, `${node} → [${to}]:${port}: ${JSON.stringify(result)}`);
  assert.ok(result.seen, `${node} → [${to}]:${port}: the server said nothing`);
  return result.seen.peer.replace(/^::ffff:/, '');
}

/** A connection from the server to the router's wan2 address, with a fixed source port so the ISPs count only it. */
async function inboundOnWan2(lab: Lab, to: string, port: number, sport: number): Promise<{ result: ExchangeResult; isp1: unknown; isp2: unknown }> {
  await watchFlow(lab, sport);
  const result = await tcp(lab, 'server', to, port, sport);
  const [isp1, isp2] = await Promise.all([readIspCounters(lab, 'isp1'), readIspCounters(lab, 'isp2')]);
  return { result, isp1, isp2 };
}

async function foreignObjects(lab: Lab): Promise<string[]> {
  const [rule, rule6, route4, route6, tables] = await Promise.all([
    runIn(lab, 'router', ['ip', '-d', 'rule', 'show']),
    runIn(lab, 'router', ['ip', '-d', '-6', 'rule', 'show']),
    runIn(lab, 'router', ['ip', 'route', 'show', 'table', '51820']),
    runIn(lab, 'router', ['ip', '-6', 'route', 'show', 'table', '51820']),
    runIn(lab, 'router', ['nft', 'list', 'tables']),
  ]);
  const notPbr = (text: string): string => text.split('\n').filter((line) => !/ proto (117|pbr)\b/.test(line)).join('\n');
  return [notPbr(rule.stdout), notPbr(rule6.stdout), route4.stdout, route6.stdout, tables.stdout.split('\n').filter((l) => l !== 'table inet pbr').join('\n')];
}

/** Runs body with a fresh temporary --root, removed afterwards. */
async function withRoot<T>(body: (root: string) => Promise<T>): Promise<T> {
  const root = await mkdtemp(join(tmpdir(), 'pbre-apply-'));
  try {
    return await body(root);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

async function planSteps(target: RouterTarget): Promise<string[]> {
  const planned = await runPbr(['plan', '-j', ...targetArgs(target)]);
  assert.equal(planned.code, 1, planned.stderr);
  return (JSON.parse(planned.stdout) as Plan).changes.map((change) => change.summary);
}

/** In a lab of its own, prepared as the main one: a failure before and after each of `steps` leaves the router as it was. */
async function failEachStep(steps: readonly number[], summaries: readonly string[]): Promise<void> {
  await withLab((lab) => withRoot(async (root) => {
    const target = await prepareRouter(lab, root);
    assert.deepEqual(await planSteps(target), summaries, 'the same plan as in the main lab');
    const before = await captureRouter(lab);
    for (const k of steps) {
      for (const when of ['before', 'after']) {
        const what = `step ${k} (${summaries[k - 1]}) failing ${when} it ran`;
        const failed = await applyFailingAt(target, `${k}:${when}`);
        assert.equal(failed.code, 5, `${what}: ${failed.stderr}`);
        assert.match(failed.stderr, new RegExp(`step ${k} \\(.*\\) failed: .*injected failure ${when} step ${k}\\b`), what);
        assert.deepEqual(await captureRouter(lab), before, what);
      }
    }
  }));
}

/** Like Promise.all, but waits for every promise (each cleans up its lab) before throwing the first error. */
async function allSettled(promises: readonly Promise<void>[]): Promise<void> {
  const failed = (await Promise.allSettled(promises)).find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

test('e2e lab: pbr apply on the router, checked with real packets', { timeout: 120_000, concurrency: true }, async (t) => {
  const reason = await labUnavailableReason();
  if (reason) {
    if (process.env['PBR_REQUIRE_NETNS'] === '1') assert.fail(`PBR_REQUIRE_NETNS=1 but ${reason}`);
    t.skip(reason);
    return;
  }
  await withLab((lab) => withRoot(async (root) => {
    const target = await prepareRouter(lab, root);
    const summaries = await planSteps(target);
    assert.ok(summaries.length > 0);
    const foreignBefore = await foreignObjects(lab);

    const failures = t.test(`a failure at each of the ${summaries.length} steps, before or after it ran, restores the router (foreign objects included)`, () => {
      const shards = Array.from({ length: FAILURE_LABS }, (_, shard) => summaries.map((_s, i) => i + 1).filter((k) => k % FAILURE_LABS === shard));
      return allSettled(shards.map((steps) => failEachStep(steps, summaries)));
    });
    const packets = t.test('real packets after the apply', (tp) => checkPackets(tp, lab, target, foreignBefore));
    await allSettled([failures, packets]);
  }));
});

async function checkPackets(t: TestContext, lab: Lab, target: RouterTarget, foreignBefore: readonly string[]): Promise<void> {
  const common = targetArgs(target);
  const { root } = target;
  const servers: ProbeServer[] = [];
  try {
    servers.push(await startServer(lab, 'server', { tcp: [22, 80, BALANCE_PORT] }));
    servers.push(await startServer(lab, 'router', { tcp: [22, 80] }));
    await t.test('before the apply: ssh leaves by isp1, and strict rp_filter drops a connection coming in on wan2', async () => {
      assert.equal(await seenPeer(lab, 'client', ADDR.server, 22), ADDR.routerWan1);
      const drops = await readRpFilterDrops(lab);
      const { result } = await inboundOnWan2(lab, ADDR.routerWan2, 22, 40001);
      assert.equal(result.ok, false, JSON.stringify(result));
      assert.ok((await readRpFilterDrops(lab)) > drops, 'the SYN on wan2 fails the strict reverse-path check');
    });

    const applied = await runPbr(['apply', ...common]);
    assert.equal(applied.code, 0, applied.stderr);
    const journalId = (await readApplyStatus({ root }))?.journalId;
    assert.ok(journalId !== undefined, 'the apply is recorded');
    assert.deepEqual(await foreignObjects(lab), foreignBefore, 'the foreign rule, routes and nft tables after the apply');
    const dropsAfterApply = await readRpFilterDrops(lab);
    await watchFlow(lab);

    await t.test('ssh from the client leaves by isp2 and http by isp1, IPv4 and IPv6', async () => {
      assert.equal(await seenPeer(lab, 'client', ADDR.server, 22), ADDR.routerWan2);
      assert.equal(await seenPeer(lab, 'client', ADDR.server, 80), ADDR.routerWan1);
      assert.equal(await seenPeer(lab, 'client', ADDR6.server, 22), ADDR6.routerWan2);
      assert.equal(await seenPeer(lab, 'client', ADDR6.server, 80), ADDR6.routerWan1);
    });

    await t.test('connections the router opens follow the same policies, IPv4 and IPv6', async () => {
      assert.equal(await seenPeer(lab, 'router', ADDR.server, 22), ADDR.routerWan2);
      assert.equal(await seenPeer(lab, 'router', ADDR.server, 80), ADDR.routerWan1);
      assert.equal(await seenPeer(lab, 'router', ADDR6.server, 22), ADDR6.routerWan2);
      assert.equal(await seenPeer(lab, 'router', ADDR6.server, 80), ADDR6.routerWan1);
    });

    await t.test('a connection from outside to the router\'s wan2 address is answered through wan2 (ports 22 and 80)', async () => {
      const cases = [[ADDR.routerWan2, 22, 40011], [ADDR.routerWan2, 80, 40012], [ADDR6.routerWan2, 22, 40013], [ADDR6.routerWan2, 80, 40014]] as const;
      for (const [to, port, sport] of cases) {
        const { result, isp1, isp2 } = await inboundOnWan2(lab, to, port, sport);
        const what = `server:${sport} → [${to}]:${port}: ${JSON.stringify(result)}; isp1 ${JSON.stringify(isp1)}; isp2 ${JSON.stringify(isp2)}`;
        assert.ok(result.ok, what);
        assert.equal(result.seen?.peer.replace(/^::ffff:/, ''), to.includes(':') ? ADDR6.server : ADDR.server, what);
        assert.deepEqual(isp1, { fromRouter: 0, spoofed: 0, toRouter: 0 }, `nothing of it crosses isp1: ${what}`);
        assert.ok((isp2 as { fromRouter: number }).fromRouter > 0, `the answers go up through isp2: ${what}`);
      }
    });

    await t.test(`a 3:1 balance over ${BALANCE_CONNECTIONS} connections lands within 5 points of 75% on isp1`, async () => {
      const result = await burst(lab, 'client', { to: ADDR.server, port: BALANCE_PORT, count: BALANCE_CONNECTIONS, parallel: 100 });
      assert.deepEqual([result.ok, result.errors], [BALANCE_CONNECTIONS, {}], JSON.stringify(result));
      const viaIsp1 = result.peers[ADDR.routerWan1] ?? 0;
      const viaIsp2 = result.peers[ADDR.routerWan2] ?? 0;
      assert.equal(viaIsp1 + viaIsp2, BALANCE_CONNECTIONS, JSON.stringify(result));
      const share = (100 * viaIsp1) / BALANCE_CONNECTIONS;
      t.diagnostic(`balance: ${viaIsp1} of ${BALANCE_CONNECTIONS} connections via isp1 (${share.toFixed(1)}%), ${viaIsp2} via isp2`);
      assert.ok(Math.abs(share - 75) <= 5, `${share.toFixed(1)}% via isp1`);
      const seenAtServer = servers[0]?.events.filter((e) => e.localPort === BALANCE_PORT).length;
      assert.equal(seenAtServer, BALANCE_CONNECTIONS, 'the server saw every connection');
    });

    await t.test('with strict rp_filter before the apply, nothing was dropped after it', async () => {
      assert.equal(await readRpFilterDrops(lab), dropsAfterApply, 'rp_filter drops on the router since the apply');
      await watchFlow(lab);
      assert.equal(await seenPeer(lab, 'client', ADDR.server, 22), ADDR.routerWan2);
      const counters = await Promise.all([readIspCounters(lab, 'isp1'), readIspCounters(lab, 'isp2')]);
      assert.deepEqual(counters.map((c) => c.spoofed), [0, 0], 'packets the ISPs dropped as spoofed');
    });

    await t.test('re-apply is a no-op and pbr plan prints no changes', async () => {
      const settled = await captureRouter(lab);
      const reapplied = await runPbr(['apply', ...common]);
      assert.equal(reapplied.code, 0, reapplied.stderr);
      assert.match(reapplied.stderr, /no changes: the host is already as the intent says/);
      assert.equal((await readApplyStatus({ root }))?.journalId, journalId, 'no new apply was recorded');
      const replanned = await runPbr(['plan', ...common]);
      assert.deepEqual([replanned.code, replanned.stdout], [0, 'no changes: the host is as the intent says\n'], replanned.stderr);
      const after = await captureRouter(lab);
      for (const key of Object.keys(settled).filter((k) => k !== 'ipNeigh')) assert.equal(after[key], settled[key], `${key} after the re-apply`);
    });
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
  }
}
