// The end-to-end lab with real packets: for every case and both firewall flavours, what the kernel did.
// Needs root, ip netns, veth, nft, iptables-restore and setpriv; skips otherwise, unless PBR_REQUIRE_NETNS=1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FLAVOURS, LAB_CASES, ROUTER_PORTS, SERVER_PORTS } from './cases.ts';
import { labUnavailableReason, withLab } from './lab.ts';
import { observeCase } from './observe.ts';
import { startServer } from './traffic.ts';

test('e2e lab: real packets through the two-uplink router', { timeout: 60_000 }, async (t) => {
  const reason = await labUnavailableReason();
  if (reason) {
    if (process.env['PBR_REQUIRE_NETNS'] === '1') assert.fail(`PBR_REQUIRE_NETNS=1 but ${reason}`);
    t.skip(reason);
    return;
  }
  for (const flavour of FLAVOURS) {
    await t.test(flavour, (tf) => withLab(async (lab) => {
      const server = await startServer(lab, 'server', SERVER_PORTS);
      const service = await startServer(lab, 'router', ROUTER_PORTS).catch(async (error: unknown) => {
        await server.stop();
        throw error;
      });
      try {
        for (const labCase of LAB_CASES[flavour]) {
          await tf.test(labCase.name, async () => {
            const { observation, result, isp1, isp2 } = await observeCase(lab, labCase);
            assert.deepEqual(observation, labCase.expect, `exchange: ${JSON.stringify(result)}; isp1 ${JSON.stringify(isp1)}; isp2 ${JSON.stringify(isp2)}`);
          });
        }
      } finally {
        await Promise.all([server.stop(), service.stop()]);
      }
    }));
  }
});
