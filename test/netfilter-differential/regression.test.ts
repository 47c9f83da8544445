// Replays every shrunk disagreement under test/fixtures/netfilter-differential: the kernel must still
// do what was recorded (else the fixture is stale), and pbr must say the same.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDisagreement } from './compare-outcomes.ts';
import { fixtureProbe, loadFixtures } from './fixture.ts';
import { formatDirection } from './kernel-outcome.ts';
import { labUnavailableReason, withLab } from './lab.ts';
import { createModelOracle } from './model-oracle.ts';
import { PortAllocator } from './probes.ts';
import { runRuleset } from './run-ruleset.ts';

const fixtures = loadFixtures();

if (fixtures.length > 0) {
  test('netfilter differential fixtures', { timeout: 60_000 }, async (t) => {
    const reason = await labUnavailableReason();
    if (reason) {
      if (process.env['PBR_REQUIRE_NETNS'] === '1') assert.fail(`PBR_REQUIRE_NETNS=1 but ${reason}`);
      t.skip(reason);
      return;
    }
    await withLab(async (lab) => {
      const ports = new PortAllocator();
      for (const fixture of fixtures) {
        await t.test(fixture.name, async () => {
          const probe = fixtureProbe(fixture, ports.take());
          const run = await runRuleset(lab, fixture.ruleset, [probe], createModelOracle());
          assert.equal(run.applyError, undefined, 'the kernel refuses the fixture');
          const kernel = run.kernel?.outcomes[0];
          assert.deepEqual(kernel, fixture.kernel, `the kernel no longer does what was recorded: now ${formatDirection(kernel?.request)} / ${formatDirection(kernel?.reply)}`);
          assert.deepEqual(run.disagreements, [], `pbr disagrees with the kernel (${fixture.diagnosis}):\n${run.disagreements.map((d) => formatDisagreement(d, [probe])).join('\n')}\n${run.text}`);
        });
      }
    });
  });
}
