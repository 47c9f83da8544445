// `npm run bench [-- --prefixes FILE] [--routes N] [--queries M] [--lpm-queries K] [--full]`: one table of pbr's
// figures, each beside a baseline measured in the same run (LPM: the naive twin; route get: the kernel's ip -batch;
// snapshot load: JSON.parse of the same file; LPM also: the npm package longest-prefix-match). Ratios are reported, never asserted.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildNaivePrefixTable } from '../src/addr/naive-prefix-table.ts';
import type { Family, IpPrefix } from '../src/addr/types.ts';
import { formatBytes, formatCount, formatMs, formatRate, formatRatio, renderBenchTable, skippedRow, type BenchRow } from './bench-table.ts';
import { benchLpm, readPrefixFile } from './lpm.ts';
import { benchNpmBaseline, NPM_BASELINE_NAME, NPM_BASELINE_VERSION } from './npm-baseline.ts';
import { labPrefixes, NetnsLab, netnsUnavailableReason } from './netns-lab.ts';
import { benchRouteGet, nextTurn, type BatchAnswers, type RouteGetBenchResult } from './route-get-bench.ts';
import { captureSnapshotTimed, measureSnapshotLoad, type CaptureResult, type SnapshotLoadResult } from './snapshot-load.ts';
import { syntheticPrefixes, syntheticQueries } from './synthetic-prefixes.ts';

const HELP = `usage: npm run bench [-- OPTIONS]
  --prefixes FILE   longest-prefix match on this table (one prefix per line, .gz allowed), IPv4 and IPv6 parts;
                    default: seeded synthetic tables of 100,000 IPv4 and 20,000 IPv6 prefixes
  --routes N        routes in the namespace for the route-get comparison (default 20000)
  --queries M       lines of the route-get batch file (default 20000)
  --lpm-queries K   lookups per longest-prefix-match run (default 1000000)
  --full            also capture and load a snapshot of 1,000,000 routes (slow: loading them into the
                    namespace and reading /proc/net/fib_trie for comparison take minutes at this size)
Root and ip netns are needed for the route-get and snapshot rows; without them they are printed as skipped.
`;

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');
const PBR_BIN = join(REPO, 'bin', 'pbr.js');
/** What the naive twin may spend per table: it scans every prefix for every query. */
const NAIVE_BUDGET_MS = 1000;
/** What the npm baseline may spend on lookups per table. */
const NPM_BUDGET_MS = 1000;

interface BenchOptions {
  readonly prefixes?: string;
  readonly routes: number;
  readonly queries: number;
  readonly lpmQueries: number;
  readonly full: boolean;
}

function readOptions(): BenchOptions | undefined {
  const { values } = parseArgs({
    options: {
      prefixes: { type: 'string' },
      routes: { type: 'string' },
      queries: { type: 'string' },
      'lpm-queries': { type: 'string' },
      full: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return undefined;
  const count = (name: string, text: string | undefined, fallback: number): number => {
    const n = text === undefined ? fallback : Number(text);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} wants a positive whole number, not "${text}"`);
    return n;
  };
  return {
    ...(values.prefixes !== undefined ? { prefixes: values.prefixes } : {}),
    routes: count('routes', values.routes, 20_000),
    queries: count('queries', values.queries, 20_000),
    lpmQueries: count('lpm-queries', values['lpm-queries'], 1_000_000),
    full: values.full,
  };
}

function progress(text: string): void {
  if (process.stderr.isTTY) process.stderr.write(`bench: ${text}\n`);
}

/** How many queries the naive twin can answer in NAIVE_BUDGET_MS, from a timed probe (after a warm-up). */
function naiveSampleSize(family: Family, prefixes: readonly IpPrefix[], queries: Uint32Array): { sample: number; buildMs: number } {
  const t0 = performance.now();
  const naive = buildNaivePrefixTable(family, prefixes).table;
  const buildMs = performance.now() - t0;
  const w = family === 4 ? 1 : 4;
  const probe = (first: number, count: number): number => {
    const t = performance.now();
    naive.longestMatchBatch(queries.subarray(first * w, (first + count) * w), new Int32Array(count));
    return (performance.now() - t) / count;
  };
  probe(0, 5);
  const perQuery = probe(5, 20);
  return { sample: Math.min(queries.length / w, Math.max(20, Math.floor(NAIVE_BUDGET_MS / perQuery))), buildMs };
}

async function lpmRows(label: string, family: Family, prefixes: readonly IpPrefix[], queryCount: number, notes: string[]): Promise<BenchRow[]> {
  progress(`longest-prefix match, IPv${family}, ${label}`);
  const queries = syntheticQueries(family, prefixes, queryCount);
  await nextTurn();
  const { sample, buildMs: naiveBuildMs } = naiveSampleSize(family, prefixes, queries);
  await nextTurn();
  const r = benchLpm(family, prefixes, queries, { naiveQueries: sample });
  const what = `LPM IPv${family}, ${formatCount(r.distinct)} ${label} prefixes`;
  const naive = `${formatRate(r.naiveLookupsPerSec, 'lookups')} (naive twin, ${formatCount(sample)} queries)`;
  const packedBytes = family === 4 ? 5 : 17;
  if (r.mismatches > 0) notes.push(`MISMATCH: IPv${family} ${label}: fast and naive tables disagree on ${r.mismatches} of ${sample} queries`);
  progress(`longest-prefix match, IPv${family}, ${label}: npm ${NPM_BASELINE_NAME}`);
  await nextTurn();
  const n = benchNpmBaseline(family, prefixes, queries, { budgetMs: NPM_BUDGET_MS });
  const pkg = `${NPM_BASELINE_NAME} ${NPM_BASELINE_VERSION}`;
  if (n.firstMismatch) {
    const m = n.firstMismatch;
    notes.push(`MISMATCH: IPv${family} ${label}: ${pkg} and the fast table disagree on ${n.mismatches} of ${n.sample} queries; first: ${m.query}: npm ${m.npm}, pbr ${m.pbr}`);
  }
  return [
    { what: `${what}: lookups (packed-key batch)`, pbr: formatRate(r.fastLookupsPerSec, 'lookups'), baseline: naive, ratio: formatRatio(r.fastLookupsPerSec, r.naiveLookupsPerSec) },
    { what: `${what}: lookups (one IpAddress at a time)`, pbr: formatRate(r.fastAddressLookupsPerSec, 'lookups'), baseline: naive, ratio: formatRatio(r.fastAddressLookupsPerSec, r.naiveLookupsPerSec) },
    { what: `${what}: lookups (packed-key batch) vs npm`, pbr: formatRate(r.fastLookupsPerSec, 'lookups'), baseline: `${formatRate(n.lookupsPerSec, 'lookups')} (${pkg})`, ratio: formatRatio(r.fastLookupsPerSec, n.lookupsPerSec) },
    {
      what: `${what}: lookups from address text vs npm`,
      pbr: formatRate(n.pbrTextLookupsPerSec, 'lookups'),
      baseline: `${formatRate(n.lookupsPerSec, 'lookups')} (${pkg}, ${formatCount(n.sample)} queries, ${formatCount(n.mismatches)} mismatches)`,
      ratio: formatRatio(n.pbrTextLookupsPerSec, n.lookupsPerSec),
    },
    { what: `${what}: build`, pbr: formatMs(r.buildMs), baseline: `${formatMs(naiveBuildMs)} (naive twin)`, ratio: formatRatio(r.buildMs, naiveBuildMs) },
    { what: `${what}: build vs npm`, pbr: formatMs(r.buildMs), baseline: `${formatMs(n.buildMs)} (${pkg})`, ratio: formatRatio(r.buildMs, n.buildMs) },
    { what: `${what}: bytes per prefix`, pbr: formatBytes(r.bytesPerPrefix), baseline: `${packedBytes} B (address + length, packed)`, ratio: formatRatio(r.bytesPerPrefix, packedBytes) },
    n.bytesPerPrefix === undefined
      ? skippedRow(`${what}: bytes per prefix vs npm`, 'could not force a garbage collection')
      : { what: `${what}: bytes per prefix vs npm`, pbr: formatBytes(r.bytesPerPrefix), baseline: `${formatBytes(n.bytesPerPrefix)} (${pkg}, heap growth)`, ratio: formatRatio(r.bytesPerPrefix, n.bytesPerPrefix) },
  ];
}

async function lpmSection(options: BenchOptions, notes: string[]): Promise<BenchRow[]> {
  const tables: [string, Family, IpPrefix[]][] = [];
  if (options.prefixes !== undefined) {
    const t0 = performance.now();
    const { v4, v6 } = readPrefixFile(options.prefixes);
    notes.push(`LPM tables read from ${options.prefixes} (${formatCount(v4.length)} IPv4, ${formatCount(v6.length)} IPv6 prefixes) in ${formatMs(performance.now() - t0)}.`);
    const label = basename(options.prefixes).replace(/\.txt(\.gz)?$|\.gz$/, '');
    tables.push([label, 4, v4], [label, 6, v6]);
  } else {
    tables.push(['synthetic', 4, syntheticPrefixes(4, 100_000)], ['synthetic', 6, syntheticPrefixes(6, 20_000)]);
  }
  notes.push(
    `LPM queries: ${formatCount(options.lpmQueries)} per table, 90% inside a random prefix of the table; the naive twin answers only ` +
      `the first queries of the same list (as many as it does in about ${NAIVE_BUDGET_MS / 1000} s), checked against the fast table.`,
    `npm baseline: ${NPM_BASELINE_NAME} ${NPM_BASELINE_VERSION} (a binary trie of objects keyed by the prefix's bit string; returns the ` +
      `payloads of the longest matching prefix), built from the same prefixes and given the first queries of the same list as ` +
      `"address/32" or "/128" text, its only input (as many as it answers in about ${NPM_BUDGET_MS / 1000} s, at most 300,000); every answer ` +
      `is checked against the fast table. "From address text" times pbr's parseIp + longestMatch on the same text; its memory is the ` +
      `heap growth after a forced GC, per prefix.`,
  );
  const rows: BenchRow[] = [];
  for (const [label, family, prefixes] of tables) rows.push(...(await lpmRows(label, family, prefixes, options.lpmQueries, notes)));
  return rows;
}

function buildCli(notes: string[]): string | undefined {
  progress('building the CLI (tsc -p tsconfig.build.json)');
  const tsc = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: REPO, encoding: 'utf8' });
  if (!existsSync(join(REPO, 'dist', 'cli', 'main.js'))) return 'the CLI did not build';
  if (r.status !== 0) notes.push('tsc -p tsconfig.build.json reported errors; the route-get rows ran the JavaScript it emitted anyway.');
  return undefined;
}

function routeGetRows(r: RouteGetBenchResult, notes: string[]): BenchRow[] {
  const what = `route get --batch, ${formatCount(r.queries)} queries, ${formatCount(r.routes)} routes`;
  const answered = (a: BatchAnswers): string => `${formatCount(a.routes)} routes + ${formatCount(a.errors)} errors`;
  const rate = (ms: number): number => (r.queries * 1000) / ms;
  const steady = (all: number, one: number): number => ((r.queries - 1) * 1000) / Math.max(1e-9, all - one);
  const pbrSteady = steady(r.pbrMs, r.pbrOneMs);
  const kernelSteady = steady(r.kernelMs, r.kernelOneMs);
  const complete = (a: BatchAnswers): boolean => a.routes + a.errors === r.queries;
  if (!complete(r.kernelAnswers) || !complete(r.pbrAnswers)) {
    notes.push(`WARNING: route get answered ${answered(r.pbrAnswers)} (pbr) and ${answered(r.kernelAnswers)} (kernel) for ${r.queries} queries: the rates are not comparable.`);
  }
  if (r.firstDifference) {
    const d = r.firstDifference;
    notes.push(`route get: first differing answer (#${d.index}, ${d.query}):\n    kernel: ${JSON.stringify(d.kernel)}\n    pbr:    ${JSON.stringify(d.pbr)}`);
  }
  return [
    { what: `${what}: whole run`, pbr: `${formatRate(rate(r.pbrMs), 'queries')} (${formatMs(r.pbrMs)})`, baseline: `${formatRate(rate(r.kernelMs), 'queries')} (${formatMs(r.kernelMs)}, kernel via ip -batch)`, ratio: formatRatio(rate(r.pbrMs), rate(r.kernelMs)) },
    { what: `${what}: one-query batch (start-up, snapshot load)`, pbr: formatMs(r.pbrOneMs), baseline: `${formatMs(r.kernelOneMs)} (ip -batch)`, ratio: formatRatio(r.pbrOneMs, r.kernelOneMs) },
    { what: `${what}: after start-up (whole − one-query run)`, pbr: formatRate(pbrSteady, 'queries'), baseline: `${formatRate(kernelSteady, 'queries')} (kernel)`, ratio: formatRatio(pbrSteady, kernelSteady) },
    { what: `${what}: answers`, pbr: answered(r.pbrAnswers), baseline: `${answered(r.kernelAnswers)} (kernel)`, ratio: `${formatCount(r.identical)} identical` },
  ];
}

function snapshotRows(capture: CaptureResult, load: SnapshotLoadResult): BenchRow[] {
  const what = `snapshot, ${formatCount(load.routes)} routes`;
  const perRoute = (x: number): number => x / Math.max(1, load.routes);
  const loadMs = load.loadMs + load.engineMs;
  return [
    { what: `${what}: capture (pbr snapshot --netns)`, pbr: formatMs(capture.pbrMs), baseline: `${formatMs(capture.ipRouteDumpMs)} (ip -d -j route show, -4 and -6)`, ratio: formatRatio(capture.pbrMs, capture.ipRouteDumpMs) },
    { what: `${what}: load (loadSnapshot + engine build)`, pbr: `${formatMs(loadMs)} (engine ${formatMs(load.engineMs)})`, baseline: `${formatMs(load.jsonParseMs)} (read + JSON.parse)`, ratio: formatRatio(loadMs, load.jsonParseMs) },
    { what: `${what}: memory per route (heap + arrayBuffers)`, pbr: formatBytes(perRoute(load.retainedBytes)), baseline: `${formatBytes(perRoute(load.fileBytes))} (snapshot file)`, ratio: formatRatio(load.retainedBytes, load.fileBytes) },
  ];
}

/** Sections 2 and 3: one namespace, routes added size by size; each size is captured and loaded, the --routes one queried. */
async function namespaceSections(options: BenchOptions, workDir: string, registerLab: (lab: NetnsLab) => void, notes: string[]): Promise<BenchRow[]> {
  const sizes = [...new Set([10_000, 100_000, ...(options.full ? [1_000_000] : []), options.routes])].sort((a, b) => a - b);
  const unavailable = netnsUnavailableReason() ?? buildCli(notes);
  if (unavailable !== undefined) {
    return [
      skippedRow(`route get --batch vs ip -batch, ${formatCount(options.routes)} routes`, unavailable),
      ...sizes.map((n) => skippedRow(`snapshot capture and load, ${formatCount(n)} routes`, unavailable)),
    ];
  }
  progress(`preparing ${formatCount(sizes.at(-1)!)} routes`);
  const lab = NetnsLab.create(`pbrb-${process.pid}`, workDir, labPrefixes(sizes.at(-1)!));
  registerLab(lab);
  notes.push(
    `Namespace: 3 veth uplinks, routes round-robin in tables main/100/200/300 (one IPv6 in five), rules per family: from, fwmark, ` +
      `ipproto tcp dport 443, lookup main suppress_prefixlength 0, lookup 100. Queries: one IPv6 in five, 90% inside a loaded route, ` +
      `selectors in turn: none, from, mark, ipproto tcp dport 443. Both tools write stdout and stderr to files; best of 3 runs.`,
  );
  const routeGet: BenchRow[] = [];
  const snapshots: BenchRow[] = [];
  const loading: string[] = [];
  const fibTrie: string[] = [];
  const fibTriestat: string[] = [];
  for (const size of sizes) {
    progress(`loading routes up to ${formatCount(size)}`);
    await nextTurn();
    const from = lab.routeCount;
    loading.push(`${formatCount(from)} → ${formatCount(size)} in ${formatMs(lab.addRoutes(size))}`);
    const file = join(workDir, `snapshot-${size}.json`);
    progress(`capturing and loading ${formatCount(size)} routes`);
    await nextTurn();
    const capture = captureSnapshotTimed(lab.name, file, PBR_BIN);
    fibTrie.push(`${formatMs(capture.fibTrieMs)} at ${formatCount(size)} routes`);
    fibTriestat.push(`${formatMs(capture.fibTriestatMs)} at ${formatCount(size)} routes`);
    await nextTurn();
    snapshots.push(...snapshotRows(capture, measureSnapshotLoad(file, REPO)));
    if (size === options.routes) {
      progress(`route get: ${formatCount(options.queries)} queries, pbr and ip -batch`);
      routeGet.push(...routeGetRows(await benchRouteGet({ lab, snapshot: file, queries: options.queries, workDir, pbrBin: PBR_BIN }), notes));
    }
  }
  notes.push(`ip -batch added the routes: ${loading.join(', ')}.`);
  notes.push(`Reading /proc/net/fib_triestat, part of every capture, took ${fibTriestat.join(', ')}; /proc/net/fib_trie, which snapshots read before, took ${fibTrie.join(', ')}.`);
  return [...routeGet, ...snapshots];
}

function machine(): string {
  const cores = cpus();
  return `${cores.length} cores (${cores[0]?.model.trim() ?? 'unknown cpu'}), Linux ${release()}, node ${process.version}, load average ${loadavg()[0]!.toFixed(1)} at the start`;
}

async function main(): Promise<void> {
  const options = readOptions();
  if (options === undefined) {
    process.stdout.write(HELP);
    return;
  }
  const workDir = mkdtempSync(join(tmpdir(), `pbrb-${process.pid}-`));
  let lab: NetnsLab | undefined;
  const cleanUp = (): void => {
    lab?.delete();
    lab = undefined;
    rmSync(workDir, { recursive: true, force: true });
  };
  process.on('exit', cleanUp);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      cleanUp();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
  const started = performance.now();
  const where = machine();
  const notes: string[] = [];
  const rows = [...(await lpmSection(options, notes)), ...(await namespaceSections(options, workDir, (l) => (lab = l), notes))];
  cleanUp();
  const seconds = ((performance.now() - started) / 1000).toFixed(0);
  process.stdout.write(`pbr benchmark on ${where}; ${seconds} s\n\n${renderBenchTable(rows)}\n\n${notes.map((n) => `- ${n}`).join('\n')}\n`);
}

await main();
