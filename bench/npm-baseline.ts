// The npm baseline for longest-prefix match: the package longest-prefix-match (a binary trie keyed by bit strings),
// built from the same prefixes and asked the same queries as pbr's fast table, as address text (its only input).
import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import LongestPrefixMatch from 'longest-prefix-match';
import { formatIp, parseIp } from '../src/addr/address.ts';
import { buildPrefixTable } from '../src/addr/fast-prefix-table.ts';
import { ipv6FromWords } from '../src/addr/ipv6.ts';
import { formatPrefix } from '../src/addr/prefix.ts';
import type { Family, IpAddress, IpPrefix } from '../src/addr/types.ts';

export const NPM_BASELINE_NAME = 'longest-prefix-match';
export const NPM_BASELINE_VERSION: string = (createRequire(import.meta.url)(`${NPM_BASELINE_NAME}/package.json`) as { version: string }).version;

/** The package behind pbr's prefix ids: answers the id of the longest prefix holding the address, or -1. */
export interface NpmBaselineTable {
  /** `query`: an address with its full length, "a.b.c.d/32" or "x:y::z/128" */
  longestMatch(query: string): number;
}

/** `ids[i]`: the answer for `prefixes[i]` (pbr's idOfInput, so that both tables answer in the same ids). */
export function buildNpmBaselineTable(prefixes: readonly IpPrefix[], ids: ArrayLike<number>): NpmBaselineTable {
  const lpm = new LongestPrefixMatch<number>();
  // The package stores a /0 at its trie's root, which its lookup never reads: the adapter answers the default itself.
  let defaultId = -1;
  prefixes.forEach((p, i) => {
    if (p.length === 0) defaultId = ids[i]!;
    else lpm.addPrefix(formatPrefix(p), ids[i]!);
  });
  return {
    longestMatch(query: string): number {
      return lpm.getMatch(query)[0] ?? defaultId;
    },
  };
}

/** The first `count` packed query keys (1 u32 per IPv4 query, 4 per IPv6) as addresses. */
export function unpackQueries(family: Family, keys: Uint32Array, count: number): IpAddress[] {
  const w = family === 4 ? 1 : 4;
  return Array.from({ length: Math.min(count, keys.length / w) }, (_, i) =>
    family === 4 ? { family: 4 as const, value: keys[i]! } : ipv6FromWords(keys[i * 4]!, keys[i * 4 + 1]!, keys[i * 4 + 2]!, keys[i * 4 + 3]!),
  );
}

export interface NpmBaselineResult {
  readonly buildMs: number;
  /** heap growth held by the package's table after a full GC, per input prefix; undefined when GC could not be forced */
  readonly bytesPerPrefix: number | undefined;
  /** queries the package answered within its time budget (the first ones of the list) */
  readonly sample: number;
  readonly lookupsPerSec: number;
  /** pbr's fast table on the same address text: parseIp + longestMatch */
  readonly pbrTextLookupsPerSec: number;
  /** queries of the sample where the package and pbr's fast table disagree: must be 0 */
  readonly mismatches: number;
  readonly firstMismatch?: { readonly query: string; readonly npm: string; readonly pbr: string };
}

function forcedGc(): (() => void) | undefined {
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    return typeof gc === 'function' ? () => void gc() : undefined;
  } catch {
    return undefined;
  }
}

function heapAfterGc(gc: () => void): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/**
 * Builds the package's table and pbr's fast table from `prefixes`, then times the package on the
 * first queries of `keys` (as many as it answers in `budgetMs`, at most `maxQueries`) and pbr on the same text.
 */
export function benchNpmBaseline(family: Family, prefixes: readonly IpPrefix[], keys: Uint32Array, options: { budgetMs?: number; maxQueries?: number } = {}): NpmBaselineResult {
  const budgetMs = options.budgetMs ?? 1000;
  const { table, idOfInput } = buildPrefixTable(family, prefixes);
  const addrs = unpackQueries(family, keys, options.maxQueries ?? 300_000);
  const texts = addrs.map(formatIp);
  const queries = texts.map((t) => `${t}/${family === 4 ? 32 : 128}`);
  const gc = forcedGc();
  const before = gc ? heapAfterGc(gc) : 0;
  const t0 = performance.now();
  const npm = buildNpmBaselineTable(prefixes, idOfInput);
  const buildMs = performance.now() - t0;
  const bytesPerPrefix = gc ? (heapAfterGc(gc) - before) / Math.max(1, prefixes.length) : undefined;
  const answers = new Int32Array(queries.length);
  let sample = 0;
  const start = performance.now();
  let elapsed = 0;
  while (sample < queries.length && elapsed < budgetMs) {
    const end = Math.min(queries.length, sample + 1000);
    for (; sample < end; sample++) answers[sample] = npm.longestMatch(queries[sample]!);
    elapsed = performance.now() - start;
  }
  const lookupsPerSec = (sample * 1000) / elapsed;
  const pbrAnswers = new Int32Array(sample);
  const pbrPass = (): number => {
    const t = performance.now();
    for (let i = 0; i < sample; i++) pbrAnswers[i] = table.longestMatch(parseIp(texts[i]!)!);
    return performance.now() - t;
  };
  pbrPass();
  const pbrTextLookupsPerSec = (sample * 1000) / pbrPass();
  let mismatches = 0;
  let firstMismatch: NpmBaselineResult['firstMismatch'];
  const show = (id: number): string => (id < 0 ? 'no match' : formatPrefix(table.prefixOf(id)));
  for (let i = 0; i < sample; i++) {
    if (answers[i] === pbrAnswers[i]) continue;
    mismatches++;
    firstMismatch ??= { query: texts[i]!, npm: show(answers[i]!), pbr: show(pbrAnswers[i]!) };
  }
  return { buildMs, bytesPerPrefix, sample, lookupsPerSec, pbrTextLookupsPerSec, mismatches, ...(firstMismatch ? { firstMismatch } : {}) };
}
