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
  BALANCE_PORT, applyFailingAt, burst, captureRouter, prepareRouter, readEtcFiles, readRpFilterDrops, routeMainDefaultVia, runPbr, targetArgs, UNMATCHED_PORT, type RouterTarget,
} from './apply-lab.ts';
import { ADDR, ADDR6, labUnavailableReason, readIspCounters, runIn, watchFlow, withLab, type IspCounters, type Lab, type LabNode } from './lab.ts';
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

type Isp = 'isp1' | 'isp2';

const OTHER: Readonly<Record<Isp, Isp>> = { isp1: 'isp2', isp2: 'isp1' };

/** The router's address on the uplink to this ISP. */
function wanAddress(isp: Isp, family: 4 | 6): string {
  const wan = isp === 'isp1' ? 'routerWan1' : 'routerWan2';
  return family === 4 ? ADDR[wan] : ADDR6[wan];
}

/** A connection from the server through an ISP to the router's address on that uplink, with a fixed source port so the ISPs count only it. */
async function inboundThrough(lab: Lab, isp: Isp, family: 4 | 6, port: number, sport: number): Promise<{ result: ExchangeResult; counters: Record<Isp, IspCounters> }> {
  await watchFlow(lab, sport);
  const result = await tcp(lab, 'server', wanAddress(isp, family), port, sport);
  const [isp1, isp2] = await Promise.all([readIspCounters(lab, 'isp1'), readIspCounters(lab, 'isp2')]);
  return { result, counters: { isp1, isp2 } };
}

async function foreignObjects(lab: Lab): Promise<string[]> {
  const [rule, rule6, route4, route6, tables] = await Promise.all([
    runIn(lab, 'router', ['ip', '-d', 'rule', 'show']),
    runIn(lab, 'router', ['ip', '-d', '-6', 'rule', 'show']),
    runIn(lab, 'router', ['ip', 'route', 'show', 'table', 'all']),
    runIn(lab, 'router', ['ip', '-6', 'route', 'show', 'table', 'all']),
    runIn(lab, 'router', ['nft', 'list', 'tables']),
  ]);
  const notPbr = (text: string): string => text.split('\n').filter((line) => !/ proto (117|pbr)\b/.test(line)).join('\n');
  return [notPbr(rule.stdout), notPbr(rule6.stdout), notPbr(route4.stdout), notPbr(route6.stdout), tables.stdout.split('\n').filter((l) => l !== 'table inet pbr').join('\n')];
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
    const filesBefore = await readEtcFiles(root);
    for (const k of steps) {
      for (const when of ['before', 'after']) {
        const what = `step ${k} (${summaries[k - 1]}) failing ${when} it ran`;
        const failed = await applyFailingAt(target, `${k}:${when}`);
        assert.equal(failed.code, 5, `${what}: ${failed.stderr}`);
        assert.match(failed.stderr, new RegExp(`step ${k} \\(.*\\) failed: .*injected failure ${when} step ${k}\\b`), what);
        assert.deepEqual(await captureRouter(lab), before, what);
        assert.deepEqual(await readEtcFiles(root), filesBefore, `pbr's files under --root after ${what}`);
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

    const failures = t.test(`a failure at each of the ${summaries.length} steps, before or after it ran, restores the router (foreign objects included)`, () => {
      const shards = Array.from({ length: FAILURE_LABS }, (_, shard) => summaries.map((_s, i) => i + 1).filter((k) => k % FAILURE_LABS === shard));
      return allSettled(shards.map((steps) => failEachStep(steps, summaries)));
    });
    const packets = t.test('real packets, the router\'s main default route via isp1 (as the lab builds it)', (tp) => checkPackets(tp, lab, target, 'isp1'));
    // http and the default uplink isp1 are then pbr's doing, not the main table's
    const swapped = t.test('real packets, the router\'s main default route via isp2', (tp) => withLab((labB) => withRoot(async (rootB) => {
      await routeMainDefaultVia(labB, 'isp2');
      await checkPackets(tp, labB, await prepareRouter(labB, rootB), 'isp2');
    })));
    await allSettled([failures, packets, swapped]);
  }));
});

/** Which uplink the server saw for one connection from node to the server's port. */
async function uplinkSeen(lab: Lab, node: LabNode, family: 4 | 6, port: number): Promise<Isp | string> {
  const peer = await seenPeer(lab, node, family === 4 ? ADDR.server : ADDR6.server, port);
  return ((['isp1', 'isp2'] as const).find((isp) => wanAddress(isp, family) === peer)) ?? peer;
}

/** Where pbr's intent sends each server port: ssh isp2, http isp1, anything else the default isp1. */
const EXPECTED_UPLINK: readonly (readonly [number, Isp])[] = [[22, 'isp2'], [80, 'isp1'], [UNMATCHED_PORT, 'isp1']];

async function checkPackets(t: TestContext, lab: Lab, target: RouterTarget, mainDefault: Isp): Promise<void> {
  const common = targetArgs(target);
  const { root } = target;
  const other = OTHER[mainDefault];
  const servers: ProbeServer[] = [];
  try {
    servers.push(await startServer(lab, 'server', { tcp: [22, 80, UNMATCHED_PORT, BALANCE_PORT] }));
    servers.push(await startServer(lab, 'router', { tcp: [22, 80] }));
    const foreignBefore = await foreignObjects(lab);
    const [policyPort] = EXPECTED_UPLINK.find(([, isp]) => isp === other) ?? [];
    assert.ok(policyPort !== undefined);

    await t.test(`before the apply: port ${policyPort} leaves by ${mainDefault}, and strict rp_filter drops a connection coming in through ${other}`, async () => {
      assert.equal(await uplinkSeen(lab, 'client', 4, policyPort), mainDefault);
      const drops = await readRpFilterDrops(lab);
      const { result } = await inboundThrough(lab, other, 4, 22, 40001);
      assert.equal(result.ok, false, JSON.stringify(result));
      assert.ok((await readRpFilterDrops(lab)) > drops, `the SYN coming in through ${other} fails the strict reverse-path check`);
    });

    const applied = await runPbr(['apply', ...common]);
    assert.equal(applied.code, 0, applied.stderr);
    const journalId = (await readApplyStatus({ root }))?.journalId;
    assert.ok(journalId !== undefined, 'the apply is recorded');
    assert.deepEqual(await foreignObjects(lab), foreignBefore, 'the foreign rules, routes and nft tables after the apply');
    assert.match(Object.keys(await readEtcFiles(root)).join('\n'), /\/etc\/iproute2\/rt_tables\.d\/pbr\.conf$/m, 'pbr wrote its rt_tables.d entry under --root');
    const dropsAfterApply = await readRpFilterDrops(lab);

    for (const node of ['client', 'router'] as const) {
      const who = node === 'client' ? 'from the client' : 'the router opens';
      await t.test(`connections ${who}: ssh leaves by isp2, http and unmatched ports by isp1, IPv4 and IPv6`, async () => {
        for (const family of [4, 6] as const) {
          const seen = [];
          for (const [port] of EXPECTED_UPLINK) seen.push([port, await uplinkSeen(lab, node, family, port)]);
          assert.deepEqual(seen, EXPECTED_UPLINK, `IPv${family}: [port, uplink the server saw]`);
        }
      });
    }

    await t.test('connections from outside to the router\'s address on either uplink are answered through that uplink', async () => {
      let sport = 40010;
      for (const isp of ['isp1', 'isp2'] as const) {
        for (const family of [4, 6] as const) {
          for (const port of [22, 80]) {
            const { result, counters } = await inboundThrough(lab, isp, family, port, ++sport);
            const what = `server:${sport} → ${isp} → [${wanAddress(isp, family)}]:${port}: ${JSON.stringify(result)}; counters ${JSON.stringify(counters)}`;
            assert.ok(result.ok, what);
            assert.equal(result.seen?.peer.replace(/^::ffff:/, ''), family === 4 ? ADDR.server : ADDR6.server, what);
            assert.deepEqual(counters[OTHER[isp]], { fromRouter: 0, spoofed: 0, toRouter: 0 }, `nothing of it crosses ${OTHER[isp]}: ${what}`);
            assert.ok(counters[isp].fromRouter > 0, `the answers go up through ${isp}: ${what}`);
          }
        }
      }
    });

    await t.test(`a 3:1 balance over ${BALANCE_CONNECTIONS} connections lands within 5 points of 75% on isp1`, async () => {
      const result = await burst(lab, 'client', { to: ADDR.server, port: BALANCE_PORT, count: BALANCE_CONNECTIONS, parallel: 100 });
      assert.deepEqual([result.ok, result.errors], [BALANCE_CONNECTIONS, {}], JSON.stringify(result));
      const viaIsp1 = result.peers[ADDR.routerWan1] ?? 0;
      const viaIsp2 = result.peers[ADDR.routerWan2] ?? 0;
      assert.equal(viaIsp1 + viaIsp2, BALANCE_CONNECTIONS, JSON.stringify(result));
      const share = (100 * viaIsp1) / BALANCE_CONNECTIONS;
      t.diagnostic(`balance (main default via ${mainDefault}): ${viaIsp1} of ${BALANCE_CONNECTIONS} connections via isp1 (${share.toFixed(1)}%), ${viaIsp2} via isp2`);
      assert.ok(Math.abs(share - 75) <= 5, `${share.toFixed(1)}% via isp1`);
      // the server reports each connection on its stdout after answering: give the last lines time to arrive
      const seenAtServer = (): number => servers[0]?.events.filter((e) => e.localPort === BALANCE_PORT).length ?? 0;
      for (let waited = 0; seenAtServer() < BALANCE_CONNECTIONS && waited < 5000; waited += 50) await new Promise((r) => setTimeout(r, 50));
      assert.equal(seenAtServer(), BALANCE_CONNECTIONS, 'the server saw every connection');
    });

    await t.test('with strict rp_filter before the apply, nothing was dropped after it', async () => {
      await watchFlow(lab);
      for (const node of ['client', 'router'] as const) {
        for (const [port, isp] of EXPECTED_UPLINK) assert.equal(await uplinkSeen(lab, node, 4, port), isp);
      }
      for (const isp of ['isp1', 'isp2'] as const) {
        const inbound = await tcp(lab, 'server', wanAddress(isp, 4), 22);
        assert.ok(inbound.ok, JSON.stringify(inbound));
      }
      const counters = await Promise.all([readIspCounters(lab, 'isp1'), readIspCounters(lab, 'isp2')]);
      assert.deepEqual(counters.map((c) => c.spoofed), [0, 0], `packets the ISPs dropped as spoofed: ${JSON.stringify(counters)}`);
      assert.ok(counters.every((c) => c.fromRouter > 0), `both uplinks carried traffic: ${JSON.stringify(counters)}`);
      assert.equal(await readRpFilterDrops(lab), dropsAfterApply, 'rp_filter drops on the router since the apply');
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
