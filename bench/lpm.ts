// Longest-prefix-match benchmark: fast table vs naive twin, on a synthetic table or a real BGP dump.
// Run: npx tsx bench/lpm.ts [--count N] [--queries N] [--bgp ../shared/data/bgp-prefixes-2023.txt.gz]
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { buildPrefixTable } from '../src/addr/fast-prefix-table.ts';
import { buildNaivePrefixTable } from '../src/addr/naive-prefix-table.ts';
import { parsePrefix } from '../src/addr/prefix.ts';
import type { Family, IpPrefix } from '../src/addr/types.ts';
import { syntheticPrefixes, syntheticQueries } from './synthetic-prefixes.ts';

export interface LpmBenchResult {
  readonly family: Family;
  readonly prefixes: number;
  readonly distinct: number;
  readonly queries: number;
  readonly buildMs: number;
  readonly bytesPerPrefix: number;
  /** longestMatchBatch over packed keys */
  readonly fastLookupsPerSec: number;
  /** longestMatch(IpAddress), one object per query made beforehand */
  readonly fastAddressLookupsPerSec: number;
  readonly naiveLookupsPerSec: number;
  /** queries (of the naive sample) where fast and naive disagree: must be 0 */
  readonly mismatches: number;
}

function timeRepeated(minMs: number, run: () => number): number {
  let done = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    done += run();
    elapsed = performance.now() - start;
  } while (elapsed < minMs);
  return (done * 1000) / elapsed;
}

/** `queries`: packed keys (1 u32 per IPv4 query, 4 per IPv6), as syntheticQueries makes them. */
export function benchLpm(family: Family, prefixes: readonly IpPrefix[], queries: Uint32Array, options: { naiveQueries?: number; minMs?: number } = {}): LpmBenchResult {
  const w = family === 4 ? 1 : 4;
  const count = queries.length / w;
  const minMs = options.minMs ?? 500;
  const t0 = performance.now();
  const { table } = buildPrefixTable(family, prefixes);
  const buildMs = performance.now() - t0;
  const out = new Int32Array(count);
  const fastLookupsPerSec = timeRepeated(minMs, () => {
    table.longestMatchBatch(queries, out);
    return count;
  });
  const addrs = Array.from({ length: Math.min(count, 200_000) }, (_, i) => {
    const k = queries.subarray(i * w, i * w + w);
    return family === 4 ? { family: 4 as const, value: k[0]! } : { family: 6 as const, value: k.reduce((v, x) => (v << 32n) | BigInt(x), 0n) };
  });
  const fastAddressLookupsPerSec = timeRepeated(minMs, () => {
    for (const a of addrs) table.longestMatch(a);
    return addrs.length;
  });
  const naive = buildNaivePrefixTable(family, prefixes).table;
  const sample = Math.min(count, options.naiveQueries ?? Math.max(20, Math.floor(2e7 / Math.max(1, prefixes.length))));
  const naiveOut = new Int32Array(sample);
  const naiveStart = performance.now();
  naive.longestMatchBatch(queries.subarray(0, sample * w), naiveOut);
  const naiveLookupsPerSec = (sample * 1000) / (performance.now() - naiveStart);
  let mismatches = 0;
  for (let i = 0; i < sample; i++) if (naiveOut[i] !== out[i]) mismatches++;
  return {
    family,
    prefixes: prefixes.length,
    distinct: table.size,
    queries: count,
    buildMs,
    bytesPerPrefix: table.byteLength / Math.max(1, table.size),
    fastLookupsPerSec,
    fastAddressLookupsPerSec,
    naiveLookupsPerSec,
    mismatches,
  };
}

/** One prefix per line (CRLF tolerated), plain or gzip. */
export function readPrefixFile(path: string): { v4: IpPrefix[]; v6: IpPrefix[] } {
  const raw = readFileSync(path);
  const text = (path.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
  const v4: IpPrefix[] = [];
  const v6: IpPrefix[] = [];
  text.split('\n').forEach((line, i) => {
    const t = line.trim();
    if (t === '') return;
    const p = parsePrefix(t);
    if (!p) throw new Error(`${path}:${i + 1}: not a prefix: ${t}`);
    (p.address.family === 4 ? v4 : v6).push(p);
  });
  return { v4, v6 };
}

function formatResult(label: string, r: LpmBenchResult): string {
  const m = (x: number): string => `${(x / 1e6).toFixed(2)}M/s`;
  return (
    `${label} IPv${r.family}: ${r.distinct} prefixes, build ${r.buildMs.toFixed(0)} ms, ${r.bytesPerPrefix.toFixed(1)} B/prefix; ` +
    `fast ${m(r.fastLookupsPerSec)} (batch), ${m(r.fastAddressLookupsPerSec)} (IpAddress); naive ${(r.naiveLookupsPerSec / 1e3).toFixed(2)}k/s; mismatches ${r.mismatches}`
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { count: { type: 'string' }, queries: { type: 'string' }, bgp: { type: 'string' } } });
  const queryCount = Number(values.queries ?? 1_000_000);
  const tables: [string, Family, IpPrefix[]][] = [];
  if (values.bgp) {
    const { v4, v6 } = readPrefixFile(values.bgp);
    tables.push(['bgp', 4, v4], ['bgp', 6, v6]);
  } else {
    const count = Number(values.count ?? 1_000_000);
    tables.push(['synthetic', 4, syntheticPrefixes(4, count)], ['synthetic', 6, syntheticPrefixes(6, count)]);
  }
  for (const [label, family, prefixes] of tables) {
    console.log(formatResult(label, benchLpm(family, prefixes, syntheticQueries(family, prefixes, queryCount))));
  }
}
