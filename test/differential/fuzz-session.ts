// A differential session: many seeded rounds with a bounded number in flight, mismatches grouped by
// class, the first of each class shrunk into a reproducer (and optionally saved as a fixture).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { captureSnapshot } from '../../src/host/capture-snapshot.ts';
import { compareAnswers, kernelAnswerJson, type FieldDiff, type PbrJson } from './compare-answers.ts';
import type { ConfigCommand } from './config-types.ts';
import type { FamilyOption } from './generate-queries.ts';
import type { KernelAnswer } from './kernel-answer.ts';
import { createCliBatchOracle, createCliSingleOracle, createEngineOracle, REPO_ROOT } from './pbr-oracle.ts';
import { deriveSeed } from './prng.ts';
import { FIXTURE_FORMAT, formatFixture, renderReproducerScript, type DifferentialFixture } from './reproducer.ts';
import { checkQuery, mismatchSignature, runRound, type CaptureSnapshot, type PbrOracle } from './run-differential.ts';
import { shrinkMismatch } from './shrink.ts';

export const FIXTURE_DIR = join(REPO_ROOT, 'test/fixtures/differential');

export const captureNetns: CaptureSnapshot = (netns) => captureSnapshot({ netns });

export interface SessionOptions {
  readonly configs: number;
  readonly queries: number;
  readonly seed: number;
  readonly family: FamilyOption;
  readonly jobs: number;
  /** every n-th config also goes through the CLI (batch, plus a few single queries); 0 = never */
  readonly cliEvery: number;
  /** how many mismatch classes to shrink */
  readonly shrinkClasses: number;
  readonly maxTrials: number;
  readonly saveFixtures: boolean;
  readonly progress?: (line: string) => void;
}

export interface Mismatch {
  readonly seed: number;
  readonly oracle: string;
  readonly query: readonly string[];
  readonly kernel: KernelAnswer;
  readonly pbr: PbrJson;
  readonly diffs: readonly FieldDiff[];
  readonly commands: readonly ConfigCommand[];
  readonly kernelRelease: string;
}

export interface MismatchClass {
  readonly signature: string;
  count: number;
  readonly first: Mismatch;
  shrunk?: { readonly commands: readonly ConfigCommand[]; readonly query: readonly string[]; readonly kernel: KernelAnswer; readonly pbr: PbrJson; readonly diffs: readonly FieldDiff[]; readonly trials: number; readonly script: string; readonly fixture?: string };
}

export interface SessionSummary {
  configs: number;
  queries: number;
  /** comparisons (a query compared by several oracles counts once per oracle) */
  comparisons: number;
  mismatches: number;
  commands: number;
  rejected: number;
  rejectedByMessage: Map<string, number>;
  errors: { seed: number; message: string }[];
  classes: Map<string, MismatchClass>;
  kernelOutcomes: Map<string, number>;
  millis: number;
}

export async function runSession(opts: SessionOptions): Promise<SessionSummary> {
  const started = Date.now();
  const engine = createEngineOracle();
  const cliBatch = createCliBatchOracle();
  const cliSingle = createCliSingleOracle();
  const summary: SessionSummary = {
    configs: 0, queries: 0, comparisons: 0, mismatches: 0, commands: 0, rejected: 0,
    rejectedByMessage: new Map(), errors: [], classes: new Map(), kernelOutcomes: new Map(), millis: 0,
  };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < opts.configs) {
      const index = next++;
      const seed = deriveSeed(opts.seed, index);
      const useCli = opts.cliEvery > 0 && index % opts.cliEvery === 0;
      const oracles: PbrOracle[] = useCli ? [engine, cliBatch] : [engine];
      try {
        const run = await runRound(seed, { queries: opts.queries, family: opts.family, capture: captureNetns, oracles });
        if (useCli) {
          const few = run.results.slice(0, 3);
          const single = await cliSingle.answer(run.snapshot, few.map((r) => r.query));
          few.forEach((r, i) => {
            record(summary, { ...r, pbr: new Map([[cliSingle.name, { json: single[i], diffs: compareAnswers(r.kernel, single[i]) }]]) }, run.seed, run.applied.applied, run.snapshot.kernelRelease);
          });
        }
        summary.configs++;
        summary.commands += run.config.commands.length;
        summary.rejected += run.applied.rejected.length;
        for (const r of run.applied.rejected) bump(summary.rejectedByMessage, `${r.command.args.filter((w) => !w.startsWith('-')).slice(0, 2).join(' ')}: ${r.message.split('\n')[0] ?? ''}`);
        for (const r of run.results) {
          summary.queries++;
          bump(summary.kernelOutcomes, r.kernel.ok ? `route ${String(r.kernel.route['type'])}` : r.kernel.errno);
          record(summary, r, run.seed, run.applied.applied, run.snapshot.kernelRelease);
        }
        const bad = run.results.filter((r) => [...r.pbr.values()].some((p) => p.diffs.length > 0)).length;
        opts.progress?.(`[${summary.configs}/${opts.configs}] seed ${seed}: ${run.results.length} queries, ${bad} mismatching; total ${summary.mismatches} mismatches in ${summary.classes.size} classes, ${((Date.now() - started) / 1000).toFixed(1)} s`);
      } catch (e) {
        summary.errors.push({ seed, message: e instanceof Error ? e.stack ?? e.message : String(e) });
        opts.progress?.(`[config ${index}] seed ${seed}: harness error: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.jobs) }, worker));
  let shrunk = 0;
  for (const cls of summary.classes.values()) {
    if (shrunk >= opts.shrinkClasses) break;
    // a CLI that does not run says nothing about the answers: nothing to shrink
    if (cls.signature.includes('cli failure')) continue;
    shrunk++;
    opts.progress?.(`shrinking ${cls.signature} (seed ${cls.first.seed}, ${cls.first.commands.length} commands)`);
    try {
      await shrinkClass(cls, oracleByName(cls.first.oracle, engine, cliBatch, cliSingle), opts);
    } catch (e) {
      summary.errors.push({ seed: cls.first.seed, message: `shrinking failed: ${e instanceof Error ? e.message : String(e)}` });
    }
  }
  summary.millis = Date.now() - started;
  return summary;
}

function oracleByName(name: string, ...oracles: PbrOracle[]): PbrOracle {
  return oracles.find((o) => o.name === name) ?? (oracles[0] as PbrOracle);
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function record(
  summary: SessionSummary,
  r: { query: readonly string[]; kernel: KernelAnswer; pbr: ReadonlyMap<string, { json: PbrJson; diffs: readonly FieldDiff[] }> },
  seed: number,
  commands: readonly ConfigCommand[],
  kernelRelease: string,
): void {
  for (const [oracle, p] of r.pbr) {
    summary.comparisons++;
    if (p.diffs.length === 0) continue;
    summary.mismatches++;
    // a CLI that did not run fails every query alike: one class, whatever the kernel said
    const cliFailed = p.diffs.some((d) => d.pbr === 'cli failure');
    const signature = cliFailed ? `[${oracle}] cli failure` : `${oracle === 'engine' ? '' : `[${oracle}] `}${mismatchSignature(r.query, p.diffs)}`;
    const cls = summary.classes.get(signature);
    if (cls) cls.count++;
    else summary.classes.set(signature, { signature, count: 1, first: { seed, oracle, query: r.query, kernel: r.kernel, pbr: p.json, diffs: p.diffs, commands, kernelRelease } });
  }
}

async function shrinkClass(cls: MismatchClass, oracle: PbrOracle, opts: SessionOptions): Promise<void> {
  const target = cls.signature;
  const signatureOf = (query: readonly string[], diffs: readonly FieldDiff[]): string =>
    `${oracle.name === 'engine' ? '' : `[${oracle.name}] `}${mismatchSignature(query, diffs)}`;
  const result = await shrinkMismatch(cls.first.commands, cls.first.query, async (commands, query) => {
    const c = await checkQuery(commands, query, captureNetns, oracle);
    return { reproduces: c.diffs.length > 0 && signatureOf(query, c.diffs) === target, applied: c.applied.applied };
  }, opts.maxTrials);
  const final = await checkQuery(result.commands, result.query, captureNetns, oracle);
  const script = renderReproducerScript({
    seed: cls.first.seed, commands: final.applied.applied, query: result.query,
    kernel: kernelAnswerJson(final.kernel), pbr: final.pbr, diffs: final.diffs,
  });
  let fixture: string | undefined;
  if (opts.saveFixtures && final.diffs.length > 0) {
    const name = fixtureName(target, cls.first.seed);
    const body: DifferentialFixture = {
      format: FIXTURE_FORMAT,
      name,
      seed: cls.first.seed,
      diagnosis: `found by the differential fuzzer: ${target}`,
      commands: final.applied.applied,
      query: result.query,
      kernel: kernelAnswerJson(final.kernel),
      pbrAtRecording: final.pbr,
      kernelRelease: final.snapshot.kernelRelease,
    };
    await mkdir(FIXTURE_DIR, { recursive: true });
    fixture = join(FIXTURE_DIR, `${name}.json`);
    await writeFile(fixture, formatFixture(body));
  }
  cls.shrunk = {
    commands: final.applied.applied, query: result.query, kernel: final.kernel, pbr: final.pbr, diffs: final.diffs,
    trials: result.trials, script, ...(fixture !== undefined ? { fixture } : {}),
  };
}

export function fixtureName(signature: string, seed: number): string {
  const slug = signature.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60);
  return `${slug}-${seed.toString(16)}`;
}
