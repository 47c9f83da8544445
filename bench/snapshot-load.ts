// Snapshot capture, load time and memory per route. Loading runs in a child process (a clean heap, --expose-gc):
//   node --expose-gc --import tsx bench/snapshot-load.ts SNAPSHOT   → one JSON line (SnapshotLoadResult)
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseIp } from '../src/addr/address.ts';
import { createEngine } from '../src/engine/engine.ts';
import { loadSnapshot } from '../src/host/load-snapshot.ts';

export interface SnapshotLoadResult {
  readonly routes: number;
  readonly fileBytes: number;
  /** readFile + JSON.parse of the file alone: the floor any loader pays */
  readonly jsonParseMs: number;
  /** loadSnapshot(): read, JSON.parse, parse every source into the model */
  readonly loadMs: number;
  /** createEngine() and one IPv4 and one IPv6 query (the engine builds its tables on first use) */
  readonly engineMs: number;
  /** heapUsed + arrayBuffers held by a second load's model and engine (full GC before each reading) */
  readonly retainedBytes: number;
}

/** Holds what is measured, so the GC before the second reading cannot take it. */
const keepAlive: unknown[] = [];

function retained(): number {
  globalThis.gc?.();
  globalThis.gc?.();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

interface LoadTimes {
  readonly routes: number;
  readonly loadMs: number;
  readonly engineMs: number;
}

/** Loads and builds; `hold` receives the model and the engine (the caller decides whether they stay alive). */
async function loadAndBuild(file: string, hold: (...objects: unknown[]) => void): Promise<LoadTimes> {
  const t0 = performance.now();
  const parsed = await loadSnapshot(file);
  const t1 = performance.now();
  const engine = createEngine(parsed.value);
  for (const [family, dst] of [[4, '192.0.2.1'], [6, '2001:db8::1']] as const) {
    engine.routeGet({ family, dst: parseIp(dst)!, callerUid: 0 });
  }
  const t2 = performance.now();
  hold(parsed, engine);
  return { routes: parsed.value.routes.length, loadMs: t1 - t0, engineMs: t2 - t1 };
}

/**
 * Times a first (cold) load, as a fresh `pbr` pays it. Measures memory on a second load while the first stays held:
 * code compiled during the first is not counted, and nothing of the first can be freed between the two readings.
 */
async function measure(file: string): Promise<SnapshotLoadResult> {
  if (globalThis.gc === undefined) throw new Error('run with node --expose-gc');
  const fileBytes = statSync(file).size;
  const t0 = performance.now();
  JSON.parse(readFileSync(file, 'utf8'));
  const jsonParseMs = performance.now() - t0;
  const { routes, loadMs, engineMs } = await loadAndBuild(file, (...objects) => keepAlive.push(...objects));
  const before = retained();
  await loadAndBuild(file, (...objects) => keepAlive.push(...objects));
  const retainedBytes = retained() - before;
  return { routes, fileBytes, jsonParseMs, loadMs, engineMs, retainedBytes };
}

/** Runs the measurement in a fresh node process (so earlier work does not blur the heap figures). */
export function measureSnapshotLoad(file: string, cwd: string): SnapshotLoadResult {
  // two loads of a million routes are held at once: about 4 GB
  const child = spawnSync(process.execPath, ['--expose-gc', '--max-old-space-size=12288', '--import', 'tsx', fileURLToPath(import.meta.url), file], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (child.status !== 0) throw new Error(`snapshot load of ${file} failed: ${child.stderr.trim() || `exit ${child.status}`}`);
  return JSON.parse(child.stdout) as SnapshotLoadResult;
}

export interface CaptureResult {
  /** `pbr snapshot --netns NS -o FILE`, process start to exit */
  readonly pbrMs: number;
  /** `ip -d -j -4 route show table all` and `-6`, the route dumps alone, run back to back */
  readonly ipRouteDumpMs: number;
  /** `cat /proc/net/fib_triestat`, the merged-trie evidence pbr snapshot reads */
  readonly fibTriestatMs: number;
  /** `cat /proc/net/fib_trie`, which snapshots read before (the kernel restarts its walk for every page) */
  readonly fibTrieMs: number;
}

function timeQuiet(argv: readonly string[]): number {
  const [program, ...args] = argv;
  const start = performance.now();
  const r = spawnSync(program!, args, { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 24 });
  const ms = performance.now() - start;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed: ${r.stderr.toString().trim() || `exit ${r.status}`}`);
  return ms;
}

/** Captures namespace `netns` into `file` with the pbr CLI and times it beside the plain route dumps. */
export function captureSnapshotTimed(netns: string, file: string, pbrBin: string): CaptureResult {
  const pbrMs = timeQuiet([process.execPath, pbrBin, 'snapshot', '--netns', netns, '-o', file]);
  const ipRouteDumpMs = [4, 6].reduce((sum, f) => sum + timeQuiet(['ip', '-n', netns, '-d', '-j', `-${f}`, 'route', 'show', 'table', 'all']), 0);
  const fibTriestatMs = timeQuiet(['ip', 'netns', 'exec', netns, 'cat', '/proc/net/fib_triestat']);
  const fibTrieMs = timeQuiet(['ip', 'netns', 'exec', netns, 'cat', '/proc/net/fib_trie']);
  return { pbrMs, ipRouteDumpMs, fibTriestatMs, fibTrieMs };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (file === undefined) throw new Error('usage: node --expose-gc --import tsx bench/snapshot-load.ts SNAPSHOT');
  process.stdout.write(`${JSON.stringify(await measure(file))}\n`);
}
