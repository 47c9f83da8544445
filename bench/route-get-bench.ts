// `pbr route get --batch` against the kernel's `ip -batch` on the same query file, in a namespace with the same routes.
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatIpv4Value } from '../src/addr/ipv4.ts';
import { formatIpv6, ipv6FromWords } from '../src/addr/ipv6.ts';
import type { Family } from '../src/addr/types.ts';
import { QUERY_SELECTORS, type NetnsLab } from './netns-lab.ts';
import { syntheticQueries } from './synthetic-prefixes.ts';

/** Unicast addresses the lab routes normally: IPv4 1/8..223/8 without 10/8 and 127/8, IPv6 2000::/3. */
function isRoutedKey(family: Family, keys: Uint32Array, i: number): boolean {
  if (family === 6) return keys[i * 4]! >>> 29 === 1;
  const top = keys[i]! >>> 24;
  return top >= 1 && top <= 223 && top !== 10 && top !== 127;
}

function formatKey(family: Family, keys: Uint32Array, i: number): string {
  return family === 4 ? formatIpv4Value(keys[i]!) : formatIpv6(ipv6FromWords(keys[i * 4]!, keys[i * 4 + 1]!, keys[i * 4 + 2]!, keys[i * 4 + 3]!));
}

/** Destinations of one family: 90% inside the lab's loaded routes, the rest random unicast. */
function labDestinations(lab: NetnsLab, family: Family, count: number, seed: number): string[] {
  const keys = syntheticQueries(family, lab.loadedPrefixes(family), Math.ceil(count * 1.5) + 64, seed);
  const out: string[] = [];
  for (let i = 0; out.length < count && i < keys.length / (family === 4 ? 1 : 4); i++) {
    if (isRoutedKey(family, keys, i)) out.push(formatKey(family, keys, i));
  }
  if (out.length < count) throw new Error(`labDestinations: only ${out.length} of ${count} IPv${family} queries`);
  return out;
}

/** `count` `route get` lines (one IPv6 in five), each with one of the selectors the lab's rules match, in turn. */
export function labQueryLines(lab: NetnsLab, count: number, seed = 11): string[] {
  const count6 = Math.floor((count + 1) / 5);
  const dst = { 4: labDestinations(lab, 4, count - count6, seed), 6: labDestinations(lab, 6, count6, seed) };
  const next = { 4: 0, 6: 0 };
  return Array.from({ length: count }, (_, i) => {
    const family: Family = i % 5 === 4 ? 6 : 4;
    const selector = QUERY_SELECTORS[family][i % QUERY_SELECTORS[family].length]!;
    const address = dst[family][next[family]++]!;
    return `route get ${address}${selector === '' ? '' : ` ${selector}`}`;
  });
}

interface TimedRun {
  readonly ms: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs argv with stdout and stderr going to files (the same way for both tools) and times it, start to exit. */
function timeRun(argv: readonly string[], outFile: string, errFile: string): TimedRun {
  const [program, ...args] = argv;
  const out = openSync(outFile, 'w');
  const err = openSync(errFile, 'w');
  let ms: number;
  try {
    const start = performance.now();
    const result = spawnSync(program!, args, { stdio: ['ignore', out, err] });
    ms = performance.now() - start;
    if (result.error) throw result.error;
  } finally {
    closeSync(out);
    closeSync(err);
  }
  return { ms, stdout: readFileSync(outFile, 'utf8'), stderr: readFileSync(errFile, 'utf8') };
}

/** Lets the event loop run (a SIGINT handler among others) between synchronous steps. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The fastest of `times` runs (the least disturbed by the rest of the machine), with its output. */
async function fastestRun(times: number, argv: readonly string[], outFile: string, errFile: string): Promise<TimedRun> {
  let best: TimedRun | undefined;
  for (let i = 0; i < times; i++) {
    await nextTurn();
    const r = timeRun(argv, outFile, errFile);
    if (!best || r.ms < best.ms) best = r;
  }
  return best!;
}

/** One answer per block: its first line and the indented lines after it (`cache`). */
export function answerBlocks(stdout: string): string[] {
  const blocks: string[] = [];
  for (const line of stdout.split('\n')) {
    if (line === '') continue;
    if (/^\s/.test(line) && blocks.length > 0) blocks[blocks.length - 1] += `\n${line}`;
    else blocks.push(line);
  }
  return blocks;
}

export interface BatchAnswers {
  /** routes printed on stdout */
  readonly routes: number;
  /** `RTNETLINK answers: …` lines on stderr */
  readonly errors: number;
}

function countAnswers(run: TimedRun): BatchAnswers {
  return { routes: answerBlocks(run.stdout).length, errors: run.stderr.split('\n').filter((l) => l.startsWith('RTNETLINK answers')).length };
}

export interface RouteGetBenchResult {
  readonly routes: number;
  readonly queries: number;
  /** wall time of the whole batch run, process start to exit */
  readonly kernelMs: number;
  readonly pbrMs: number;
  /** the same for a batch of one query: process start, snapshot load (pbr), one lookup */
  readonly kernelOneMs: number;
  readonly pbrOneMs: number;
  readonly kernelAnswers: BatchAnswers;
  readonly pbrAnswers: BatchAnswers;
  /** printed routes that are the same text in both outputs, position by position */
  readonly identical: number;
  /** `query` is the line at the answer's position, which is the query asked only when neither tool printed an error */
  readonly firstDifference?: { readonly index: number; readonly query: string; readonly kernel: string; readonly pbr: string };
}

export interface RouteGetBenchOptions {
  readonly lab: NetnsLab;
  readonly snapshot: string;
  readonly queries: number;
  readonly workDir: string;
  readonly pbrBin: string;
  readonly runs?: number;
}

/** Writes the query file, runs `ip -force -batch` in the lab and `pbr route get --batch` on its snapshot, compares. */
export async function benchRouteGet(options: RouteGetBenchOptions): Promise<RouteGetBenchResult> {
  const { lab, workDir } = options;
  const runs = options.runs ?? 3;
  const lines = labQueryLines(lab, options.queries);
  const queryFile = join(workDir, 'queries.batch');
  const oneFile = join(workDir, 'one-query.batch');
  writeFileSync(queryFile, `${lines.join('\n')}\n`);
  writeFileSync(oneFile, `${lines[0]}\n`);
  const ipArgv = (file: string): string[] => ['ip', '-n', lab.name, '-force', '-batch', file];
  const pbrArgv = (file: string): string[] => [process.execPath, options.pbrBin, 'route', 'get', '--snapshot', options.snapshot, '--batch', file];
  const out = (name: string): string => join(workDir, name);

  const kernel = await fastestRun(runs, ipArgv(queryFile), out('kernel.out'), out('kernel.err'));
  const pbr = await fastestRun(runs, pbrArgv(queryFile), out('pbr.out'), out('pbr.err'));
  const kernelOne = await fastestRun(runs, ipArgv(oneFile), out('kernel1.out'), out('kernel1.err'));
  const pbrOne = await fastestRun(runs, pbrArgv(oneFile), out('pbr1.out'), out('pbr1.err'));

  const kernelBlocks = answerBlocks(kernel.stdout);
  const pbrBlocks = answerBlocks(pbr.stdout);
  let identical = 0;
  let firstDifference: RouteGetBenchResult['firstDifference'];
  kernelBlocks.forEach((k, i) => {
    const p = pbrBlocks[i] ?? '';
    if (k === p) identical++;
    else firstDifference ??= { index: i + 1, query: lines[i] ?? '', kernel: k, pbr: p };
  });
  return {
    routes: lab.routeCount,
    queries: lines.length,
    kernelMs: kernel.ms,
    pbrMs: pbr.ms,
    kernelOneMs: kernelOne.ms,
    pbrOneMs: pbrOne.ms,
    kernelAnswers: countAnswers(kernel),
    pbrAnswers: countAnswers(pbr),
    identical,
    ...(firstDifference ? { firstDifference } : {}),
  };
}
