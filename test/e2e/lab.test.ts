// The end-to-end lab with real packets: for every case and both firewall flavours, what the kernel did, and
// whether `pbr trace` on a snapshot of the router says the same (egress device, addresses, fate; request and reply).
// Needs root, ip netns, veth, nft, iptables-restore and setpriv; skips otherwise, unless PBR_REQUIRE_NETNS=1.
// The ICMP cases need ping (iputils-ping) and skip without it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { programExists } from '../../src/host/exec.ts';
import { FLAVOURS, LAB_CASES, ROUTER_PORTS, SERVER_PORTS, type LabCase } from './cases.ts';
import { labUnavailableReason, withLab, type Lab } from './lab.ts';
import { observeCase } from './observe.ts';
import { fateOf, summarizeTrace, traceRouter } from './trace-router.ts';
import { startServer } from './traffic.ts';

async function assertTraceAgrees(lab: Lab, labCase: LabCase): Promise<void> {
  const trace = await traceRouter(lab, labCase.trace);
  const command = `pbr trace ${labCase.trace.join(' ')} --reply`;
  assert.deepEqual(trace.snapshotErrors, [], 'the snapshot of the router parses without errors');
  assert.equal(trace.exitCode, 0, `${command} failed: ${trace.stderr}`);
  const document = trace.document;
  assert.ok(document);
  const summary = `${command}:\n${summarizeTrace(document)}`;
  assert.equal(document.outcomes.length, 1, `one outcome expected\n${summary}`);
  const [outcome] = document.outcomes;
  assert.ok(outcome);
  assert.deepEqual(fateOf(outcome.disposition, labCase.traceRequest), labCase.traceRequest, `request\n${summary}`);
  assert.equal(outcome.packet.ct.mark, `0x${(labCase.expect.ctMark ?? 0).toString(16)}`, `the conntrack entry's mark\n${summary}`);
  const replies = outcome.reply?.outcomes ?? [];
  assert.equal(replies.length, 1, `one reply outcome expected\n${summary}`);
  const [reply] = replies;
  assert.ok(reply);
  assert.deepEqual(fateOf(reply.disposition, labCase.traceReply), labCase.traceReply, `reply\n${summary}`);
}

test('e2e lab: real packets through the two-uplink router, and pbr trace', { timeout: 90_000 }, async (t) => {
  const reason = await labUnavailableReason();
  if (reason) {
    if (process.env['PBR_REQUIRE_NETNS'] === '1') assert.fail(`PBR_REQUIRE_NETNS=1 but ${reason}`);
    t.skip(reason);
    return;
  }
  const hasPing = await programExists('ping');
  for (const flavour of FLAVOURS) {
    await t.test(flavour, (tf) => withLab(async (lab) => {
      const server = await startServer(lab, 'server', SERVER_PORTS);
      const service = await startServer(lab, 'router', ROUTER_PORTS).catch(async (error: unknown) => {
        await server.stop();
        throw error;
      });
      try {
        for (const labCase of LAB_CASES[flavour]) {
          await tf.test(labCase.name, async (tc) => {
            if (labCase.traffic.proto === 'icmp' && !hasPing) {
              if (process.env['PBR_REQUIRE_NETNS'] === '1') assert.fail('PBR_REQUIRE_NETNS=1 but ping (iputils-ping) is not installed');
              tc.skip('ping (iputils-ping) is not installed');
              return;
            }
            await tc.test('the kernel', async () => {
              const { observation, result, isp1, isp2 } = await observeCase(lab, labCase);
              assert.deepEqual(observation, labCase.expect, `exchange: ${JSON.stringify(result)}; isp1 ${JSON.stringify(isp1)}; isp2 ${JSON.stringify(isp2)}`);
            });
            await tc.test('pbr trace says the same', () => assertTraceAgrees(lab, labCase));
          });
        }
      } finally {
        await Promise.all([server.stop(), service.stop()]);
      }
    }));
  }
});
