// The short seeded netfilter differential of `npm test`: 16 generated mangle rule sets (nft and iptables
// alternately) on a namespace router, 21 real probes each, the kernel's outcome against `pbr trace` on a
// snapshot of the router. Needs root and ip netns (skips otherwise, unless PBR_REQUIRE_NETNS=1).
// Shrink a failure with `npx tsx test/netfilter-differential/fuzz-netfilter.ts --seed 4242 --rulesets 16`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDisagreement } from './compare-outcomes.ts';
import { labUnavailableReason } from './lab.ts';
import { createModelOracle } from './model-oracle.ts';
import { runSession } from './session.ts';

const RUN_SEED = 4242;
const RULESETS = 16;

test('netfilter differential: pbr trace follows generated mangle rule sets like the kernel', { timeout: 120_000 }, async (t) => {
  const reason = await labUnavailableReason();
  if (reason) {
    if (process.env['PBR_REQUIRE_NETNS'] === '1') assert.fail(`PBR_REQUIRE_NETNS=1 but ${reason}`);
    t.skip(reason);
    return;
  }
  const summary = await runSession({ rulesets: RULESETS, seed: RUN_SEED, oracle: createModelOracle(), shrink: 0, maxTrials: 0, saveFixtures: false });
  assert.deepEqual(summary.errors, [], 'the harness itself failed');
  assert.deepEqual(summary.anomalies, [], 'the observers contradict each other');
  assert.equal(summary.rulesets, RULESETS);
  const report = summary.disagreeing.map((d) => [
    `rule set ${d.index} (seed ${d.seed}), ${d.disagreements.length} disagreements:`,
    d.text.trimEnd(),
    ...d.disagreements.slice(0, 3).map((x) => `  ${formatDisagreement(x, d.probes)}`),
  ].join('\n')).join('\n\n');
  assert.equal(summary.disagreements, 0, `pbr disagrees with the kernel (shrink with npx tsx test/netfilter-differential/fuzz-netfilter.ts --seed ${RUN_SEED} --rulesets ${RULESETS}):\n${report}`);
});
