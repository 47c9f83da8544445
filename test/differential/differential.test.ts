// The short seeded differential run of `npm test`: 6 configurations × 100 queries, both families,
// the first configuration also through the CLI. Needs root and ip netns (skips otherwise, unless
// PBR_REQUIRE_NETNS=1). Reproduce a failure with `npm run fuzz:kernel -- --seed 1337 --configs 6`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelAnswerJson } from './compare-answers.ts';
import { runSession } from './fuzz-session.ts';
import { netnsUnavailableReason } from './netns.ts';

const RUN_SEED = 1337;
const CONFIGS = 6;
const QUERIES = 100;

test('differential: pbr route get answers like the kernel', { timeout: 180_000 }, async (t) => {
  const reason = await netnsUnavailableReason();
  if (reason) {
    if (process.env['PBR_REQUIRE_NETNS'] === '1') assert.fail(`PBR_REQUIRE_NETNS=1 but ${reason}`);
    t.skip(reason);
    return;
  }
  const summary = await runSession({
    configs: CONFIGS, queries: QUERIES, seed: RUN_SEED, family: 'both', jobs: 2,
    cliEvery: CONFIGS, shrinkClasses: 0, maxTrials: 0, saveFixtures: false,
  });
  assert.deepEqual(summary.errors, [], 'the harness itself failed');
  assert.equal(summary.queries, CONFIGS * QUERIES);
  const report = [...summary.classes.values()].map((c) => [
    `${c.signature}: ${c.count} queries; e.g. config seed ${c.first.seed}: ip route get ${c.first.query.join(' ')}`,
    `  kernel: ${JSON.stringify(kernelAnswerJson(c.first.kernel))}`,
    `  pbr:    ${JSON.stringify(c.first.pbr)}`,
  ].join('\n')).join('\n');
  assert.equal(summary.mismatches, 0, `pbr disagrees with the kernel (shrink with npm run fuzz:kernel -- --seed ${RUN_SEED} --configs ${CONFIGS}):\n${report}`);
});
