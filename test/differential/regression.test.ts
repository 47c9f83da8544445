// Replays every shrunk mismatch under test/fixtures/differential: the kernel must still answer as
// recorded (else the fixture is stale), and pbr must answer the same.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareAnswers, formatDiffs, kernelAnswerJson } from './compare-answers.ts';
import { captureNetns, FIXTURE_DIR } from './fuzz-session.ts';
import { netnsUnavailableReason } from './netns.ts';
import { createEngineOracle } from './pbr-oracle.ts';
import { isDifferentialFixture, type DifferentialFixture } from './reproducer.ts';
import { checkQuery } from './run-differential.ts';

function loadFixtures(): DifferentialFixture[] {
  let names: string[];
  try {
    names = readdirSync(FIXTURE_DIR).filter((n) => n.endsWith('.json')).sort();
  } catch {
    return [];
  }
  return names.map((n) => {
    const parsed: unknown = JSON.parse(readFileSync(join(FIXTURE_DIR, n), 'utf8'));
    if (!isDifferentialFixture(parsed)) throw new Error(`${n} is not a differential fixture`);
    return parsed;
  });
}

const fixtures = loadFixtures();
const unavailable = fixtures.length > 0 ? netnsUnavailableReason() : Promise.resolve(undefined);

for (const fixture of fixtures) {
  test(`differential fixture ${fixture.name}`, { timeout: 30_000 }, async (t) => {
    const reason = await unavailable;
    if (reason) {
      if (process.env['PBR_REQUIRE_NETNS'] === '1') assert.fail(`PBR_REQUIRE_NETNS=1 but ${reason}`);
      t.skip(reason);
      return;
    }
    const c = await checkQuery(fixture.commands, fixture.query, captureNetns, createEngineOracle());
    assert.deepEqual(c.applied.rejected, [], 'the kernel rejects a fixture command');
    const drift = compareAnswers(c.kernel, fixture.kernel);
    assert.deepEqual(drift, [], `the kernel no longer answers as recorded: ${formatDiffs(drift)}; now ${JSON.stringify(kernelAnswerJson(c.kernel))}`);
    assert.deepEqual(c.diffs, [], `pbr disagrees with the kernel (${fixture.diagnosis}): ${formatDiffs(c.diffs)}\n  pbr: ${JSON.stringify(c.pbr)}`);
  });
}
