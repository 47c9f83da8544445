// pbr's side of the comparison: in-process (parseSnapshot → createEngine → routeGet → JSON renderer)
// and through the real CLI (`node bin/pbr.js route get --snapshot F -j …`, single queries and --batch).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseRouteGetArgs } from '../../src/cli/route-get-args.ts';
import { createEngine, type Engine } from '../../src/engine/engine.ts';
import type { NetworkState } from '../../src/model/network-state.ts';
import type { RouteAnswer } from '../../src/model/route-query.ts';
import type { SnapshotFile } from '../../src/model/snapshot.ts';
import { parseSnapshot } from '../../src/parse/snapshot.ts';
import { renderRouteGetJsonObject } from '../../src/render/route-get.ts';
import type { PbrJson } from './compare-answers.ts';
import { execArgv } from './exec.ts';
import { formatBatch } from './ip-batch.ts';
import type { PbrOracle } from './run-differential.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The uid `ip route get` runs as here: root. */
const CALLER_UID = 0;

/** Parses a snapshot, failing loudly on error diagnostics (a parser problem is not a lookup mismatch). */
export function stateFromSnapshot(snapshot: SnapshotFile): NetworkState {
  const parsed = parseSnapshot(snapshot);
  const errors = parsed.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(`snapshot did not parse: ${errors.map((d) => d.message).join('; ')}`);
  return parsed.value;
}

/** One query in-process, as `pbr route get -j` would print it (the array). */
export function answerInProcess(state: NetworkState, engine: Engine, words: readonly string[]): PbrJson {
  const parsed = parseRouteGetArgs(words);
  if (parsed.kind !== 'query') throw new Error(`not a query: ${words.join(' ')}`);
  const query = { ...parsed.query, callerUid: CALLER_UID };
  const answer: RouteAnswer = parsed.rejected
    ? { ok: false, errno: parsed.rejected.errno, explain: [] }
    : engine.routeGet(query);
  const text = renderRouteGetJsonObject(answer, {
    family: query.family,
    fibmatch: query.fibmatch ?? false,
    json: true,
    explain: false,
    tables: state.rtTables,
  });
  return [JSON.parse(text) as unknown];
}

export function createEngineOracle(): PbrOracle {
  return {
    name: 'engine',
    answer: async (snapshot, queries) => {
      const state = stateFromSnapshot(snapshot);
      const engine = createEngine(state);
      return queries.map((q) => {
        try {
          return answerInProcess(state, engine, q);
        } catch (e) {
          return { crash: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
        }
      });
    },
  };
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

let distIsFresh: boolean | undefined;

/** How to start the CLI: the built bin when dist is newer than src, else the TypeScript entry through tsx. */
export function cliCommand(): string[] {
  const built = join(REPO_ROOT, 'dist/cli/main.js');
  distIsFresh ??= existsSync(built) && statSync(built).mtimeMs >= newestMtime(join(REPO_ROOT, 'src'));
  if (distIsFresh) return [process.execPath, join(REPO_ROOT, 'bin/pbr.js')];
  const entry = join(REPO_ROOT, 'src/cli/main.ts');
  return [
    process.execPath, '--import', 'tsx', '--input-type=module', '-e',
    `import { main } from ${JSON.stringify(entry)}; process.exitCode = await main(process.argv.slice(1));`, '--',
  ];
}

async function withSnapshotFile<T>(snapshot: SnapshotFile, body: (path: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'pbrd-'));
  try {
    const path = join(dir, 'snapshot.json');
    await writeFile(path, JSON.stringify(snapshot));
    return await body(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function parseJsonOr(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { unparsable: text };
  }
}

/** `pbr route get --snapshot F -j --batch -`: one JSON object per line, each compared as a one-element array. */
export function createCliBatchOracle(): PbrOracle {
  return {
    name: 'cli-batch',
    answer: (snapshot, queries) => withSnapshotFile(snapshot, async (path) => {
      const r = await execArgv([...cliCommand(), 'route', 'get', '--snapshot', path, '-j', '--batch', '-'], formatBatch(queries.map((q) => ['route', 'get', ...q])));
      const lines = r.stdout.split('\n').filter((l) => l.trim() !== '');
      if (lines.length !== queries.length) {
        return queries.map(() => ({ cliFailure: `exit ${r.code}, ${lines.length} lines for ${queries.length} queries: ${r.stderr.trim().slice(0, 300)}` }));
      }
      return lines.map((l) => {
        const v = parseJsonOr(l);
        return Array.isArray(v) ? v : [v];
      });
    }),
  };
}

/** One `pbr route get --snapshot F -j WORDS` process per query; exit status 0 on success, 2 on a lookup error. */
export function createCliSingleOracle(): PbrOracle {
  return {
    name: 'cli-single',
    answer: (snapshot, queries) => withSnapshotFile(snapshot, async (path) => {
      const out: PbrJson[] = [];
      for (const q of queries) {
        const r = await execArgv([...cliCommand(), 'route', 'get', '--snapshot', path, '-j', ...q]);
        const v = parseJsonOr(r.stdout.trim());
        const isError = Array.isArray(v) && typeof v[0] === 'object' && v[0] !== null && 'error' in v[0];
        const expected = isError ? 2 : 0;
        out.push(r.code === expected ? v : { cliFailure: `exit ${r.code} (expected ${expected})`, stdout: v, stderr: r.stderr.trim() });
      }
      return out;
    }),
  };
}
