// One differential round: build a seeded configuration in a fresh namespace pair, snapshot it, ask
// the kernel and pbr the same queries, compare; and the trial the shrinker repeats for one query.
import type { SnapshotFile } from '../../src/model/snapshot.ts';
import { applyConfig, BatchAbortedError, type AppliedConfig } from './apply-config.ts';
import { compareAnswers, type FieldDiff, type PbrJson } from './compare-answers.ts';
import type { ConfigCommand, DiffConfig } from './config-types.ts';
import { generateConfig } from './generate-config.ts';
import { generateQueries, type FamilyOption } from './generate-queries.ts';
import { askKernel, type KernelAnswer } from './kernel-answer.ts';
import { withNamespacePair, type NamespacePair } from './netns.ts';
import { deriveSeed } from './prng.ts';

/** Answers `ip route get` words from a snapshot, as the JSON pbr prints with -j. */
export interface PbrOracle {
  readonly name: string;
  answer(snapshot: SnapshotFile, queries: readonly (readonly string[])[]): Promise<PbrJson[]>;
}

export type CaptureSnapshot = (netns: string) => Promise<SnapshotFile>;

export interface QueryResult {
  readonly query: readonly string[];
  readonly kernel: KernelAnswer;
  /** oracle name -> its answer and the differences to the kernel */
  readonly pbr: ReadonlyMap<string, { readonly json: PbrJson; readonly diffs: readonly FieldDiff[] }>;
}

export interface ConfigRun {
  readonly seed: number;
  readonly config: DiffConfig;
  readonly applied: AppliedConfig;
  readonly snapshot: SnapshotFile;
  readonly results: readonly QueryResult[];
}

export interface RoundOptions {
  readonly queries: number;
  readonly family: FamilyOption;
  readonly capture: CaptureSnapshot;
  readonly oracles: readonly PbrOracle[];
}

/** Applies commands; when ip aborts a batch half-way, redoes everything command by command in a fresh pair. */
async function installConfig<T>(commands: readonly ConfigCommand[], body: (pair: NamespacePair, applied: AppliedConfig) => Promise<T>): Promise<T> {
  try {
    return await withNamespacePair(async (pair) => body(pair, await applyConfig(pair, commands)));
  } catch (e) {
    if (!(e instanceof BatchAbortedError)) throw e;
    return withNamespacePair(async (pair) => body(pair, await applyConfig(pair, commands, { perCommand: true })));
  }
}

export async function runRound(seed: number, opts: RoundOptions): Promise<ConfigRun> {
  const config = generateConfig(seed);
  const queries = generateQueries(config.facts, deriveSeed(seed, 1), opts.queries, opts.family);
  return installConfig(config.commands, async (pair, applied) => {
    const snapshot = await opts.capture(pair.router);
    const kernel = await askKernel(pair.router, queries);
    const perOracle = await Promise.all(opts.oracles.map((o) => o.answer(snapshot, queries)));
    const results = queries.map((query, i): QueryResult => {
      const k = kernel[i] as KernelAnswer;
      const pbr = new Map(opts.oracles.map((o, j) => {
        const json = perOracle[j]?.[i];
        return [o.name, { json, diffs: compareAnswers(k, json) }] as const;
      }));
      return { query, kernel: k, pbr };
    });
    return { seed, config, applied, snapshot, results };
  });
}

export interface SingleCheck {
  readonly applied: AppliedConfig;
  readonly kernel: KernelAnswer;
  readonly pbr: PbrJson;
  readonly diffs: readonly FieldDiff[];
  readonly snapshot: SnapshotFile;
}

/** Installs `commands` in a fresh pair and compares one query (the shrinker's and the fixtures' trial). */
export async function checkQuery(
  commands: readonly ConfigCommand[],
  query: readonly string[],
  capture: CaptureSnapshot,
  oracle: PbrOracle,
): Promise<SingleCheck> {
  return installConfig(commands, async (pair, applied) => {
    const snapshot = await capture(pair.router);
    const [kernel] = await askKernel(pair.router, [query]);
    if (!kernel) throw new Error('no kernel answer');
    const [pbr] = await oracle.answer(snapshot, [query]);
    return { applied, kernel, pbr, diffs: compareAnswers(kernel, pbr), snapshot };
  });
}

/** The class of a mismatch: family, path, and which fields differ (with errno/outcome values). */
export function mismatchSignature(query: readonly string[], diffs: readonly FieldDiff[]): string {
  const family = query.some((w) => /^[0-9a-f]*:[0-9a-f:.]*$/i.test(w)) ? 'v6' : 'v4';
  const path = query.includes('iif') ? 'input' : 'output';
  const fib = query.includes('fibmatch') ? ' fibmatch' : '';
  const parts = diffs.map((d) => (d.field === 'outcome' || d.field === 'errno' || d.field === 'type'
    ? `${d.field}(${String(d.kernel)}→${String(d.pbr)})`
    : d.field));
  return `${family} ${path}${fib}: ${parts.join(', ')}`;
}
