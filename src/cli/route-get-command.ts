// `pbr route get`: one query from the command line, or a batch file in `ip -batch` form.
import type { Family } from '../addr/types.ts';
import type { QueryOptions } from '../engine/engine.ts';
import { ExitCode, PbrError, UsageError } from '../model/errors.ts';
import type { NetworkState, NexthopObject } from '../model/network-state.ts';
import type { RouteAnswer, RouteQuery } from '../model/route-query.ts';
import type { Palette } from '../render/ip-printer.ts';
import { formatLookupError, renderRouteGet, renderRouteGetJsonObject, type RouteGetRenderOptions } from '../render/route-get.ts';
import { RouteSummary } from '../render/route-summary.ts';
import { renderRouteSummaryJson, renderRouteSummaryText } from '../render/route-summary-render.ts';
import { readBatchCommands } from './batch-lines.ts';
import { DeviceIndex } from './devices.ts';
import { ROUTE_GET_HELP } from './help.ts';
import { paletteFor, type CliIo } from './io.ts';
import { matches, parseRouteGetArgs } from './route-get-args.ts';

export interface RouteEngine {
  routeGet(query: RouteQuery, options?: QueryOptions): RouteAnswer;
}

export interface RouteGetOptions {
  readonly family?: Family;
  readonly json: boolean;
  readonly explain: boolean;
  /** batch file name, "-" for stdin */
  readonly batch?: string;
  /** with batch: one table counting the answers by (rule, table, route, dev, disposition) instead of a line each */
  readonly summary?: boolean;
}

export interface RouteGetDeps {
  readonly io: CliIo;
  readonly loadState: () => Promise<NetworkState>;
  readonly createEngine: (state: NetworkState) => RouteEngine;
}

/** A query ready for the engine, or the answer the kernel gives without a lookup. */
interface Prepared {
  readonly query: RouteQuery;
  readonly warnings: readonly string[];
  readonly early?: { readonly answer: RouteAnswer; readonly errorLine?: string };
}

function refused(text: string): RouteAnswer['explain'] {
  return [{ kind: 'check', text, depth: 0 }];
}

function prepare(args: readonly string[], family: Family | undefined, devices: DeviceIndex, uid: number): Prepared {
  const parsed = parseRouteGetArgs(args, family);
  if (parsed.kind === 'help') throw new UsageError('"help" is not a query', 'see `pbr route get --help`');
  let query: RouteQuery = { ...parsed.query, callerUid: uid };
  const warnings = parsed.warnings;
  // ip resolves the device names before it sends the request
  for (const key of ['iif', 'oif'] as const) {
    const name = query[key];
    if (name === undefined) continue;
    const resolved = devices.resolve(name);
    if (resolved.kind === 'no-such-index') {
      const answer: RouteAnswer = { ok: false, errno: 'ENODEV', explain: refused(`no device has the index of ${key} ${name}`) };
      return { query, warnings, early: { answer } };
    }
    query = { ...query, [key]: resolved.name };
  }
  if (parsed.rejected) {
    const answer: RouteAnswer = { ok: false, errno: parsed.rejected.errno, explain: refused(`the kernel refuses the request: ${parsed.rejected.message}`) };
    return { query, warnings, early: { answer, errorLine: parsed.rejected.message } };
  }
  return { query, warnings };
}

interface Session {
  readonly io: CliIo;
  readonly state: NetworkState;
  readonly nexthopObjects: ReadonlyMap<number, NexthopObject>;
  readonly engine: RouteEngine;
  readonly devices: DeviceIndex;
  readonly palette: Palette;
  readonly opts: RouteGetOptions;
}

function openSession(state: NetworkState, opts: RouteGetOptions, deps: RouteGetDeps): Session {
  return {
    io: deps.io,
    state,
    nexthopObjects: new Map(state.nexthopObjects.map((o) => [o.id, o])),
    engine: deps.createEngine(state),
    devices: new DeviceIndex(state),
    palette: paletteFor(deps.io.stdout),
    opts,
  };
}

function askOne(s: Session, prepared: Prepared): RouteAnswer {
  for (const w of prepared.warnings) s.io.stderr.write(`${w}\n`);
  return prepared.early?.answer ?? s.engine.routeGet(prepared.query, { explain: s.opts.explain });
}

/** Answers one prepared query and writes its output; returns whether the lookup succeeded. */
function answerOne(s: Session, prepared: Prepared, jsonLines: boolean): { ok: boolean; errorLine: string } {
  const answer = askOne(s, prepared);
  const renderOpts: RouteGetRenderOptions = {
    family: prepared.query.family,
    fibmatch: prepared.query.fibmatch ?? false,
    json: s.opts.json,
    explain: s.opts.explain,
    tables: s.state.rtTables,
    nexthopObjects: s.nexthopObjects,
    palette: s.palette,
    ...(prepared.early?.errorLine !== undefined ? { errorLine: prepared.early.errorLine } : {}),
  };
  const errorLine = answer.ok ? '' : (prepared.early?.errorLine ?? formatLookupError(answer.errno));
  if (jsonLines) {
    s.io.stdout.write(`${renderRouteGetJsonObject(answer, renderOpts)}\n`);
    if (!answer.ok) s.io.stderr.write(`${errorLine}\n`);
    return { ok: answer.ok, errorLine };
  }
  const out = renderRouteGet(answer, renderOpts);
  s.io.stdout.write(out.stdout);
  s.io.stderr.write(out.stderr);
  return { ok: answer.ok, errorLine };
}

async function runOne(args: readonly string[], opts: RouteGetOptions, deps: RouteGetDeps): Promise<number> {
  if (parseRouteGetArgs(args, opts.family).kind === 'help') {
    deps.io.stdout.write(ROUTE_GET_HELP);
    return ExitCode.ok;
  }
  const session = openSession(await deps.loadState(), opts, deps);
  const { ok } = answerOne(session, prepare(args, opts.family, session.devices, deps.io.uid), false);
  return ok ? ExitCode.ok : ExitCode.usage;
}

/** The words of one batch line after an optional leading `route get` (ip's abbreviations allowed). */
export function stripRouteGet(args: readonly string[]): readonly string[] {
  const [first, second] = args;
  if (first === undefined || !matches(first, 'route')) return args;
  if (second === undefined || !matches(second, 'get')) {
    throw new UsageError(`only "route get" lines can run in a batch, not "${args.slice(0, 2).join(' ')}"`);
  }
  return args.slice(2);
}

async function readBatchFile(file: string, io: CliIo): Promise<string> {
  try {
    return file === '-' ? await io.readStdin() : await io.readText(file);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new UsageError(`cannot read batch file "${file}": ${reason}`);
  }
}

async function runBatch(file: string, opts: RouteGetOptions, deps: RouteGetDeps): Promise<number> {
  const { io } = deps;
  const text = await readBatchFile(file, io);
  const session = openSession(await deps.loadState(), opts, deps);
  const summary = opts.summary ? new RouteSummary() : undefined;
  let failed = false;
  const fail = (line: number, message: string, jsonError: string | undefined): void => {
    failed = true;
    summary?.addFailed();
    if (jsonError !== undefined) io.stdout.write(jsonError);
    if (message) io.stderr.write(`${message}\n`);
    io.stderr.write(`Command failed ${file}:${line}\n`);
  };
  const usageJson = (line: number, message: string): string | undefined =>
    opts.json && !summary ? `{"error":{"line":${line},"message":${JSON.stringify(message)}}}\n` : undefined;
  for (const item of readBatchCommands(text)) {
    if (item.kind === 'error') {
      fail(item.line, item.message, usageJson(item.line, item.message));
      continue;
    }
    let prepared: Prepared;
    try {
      prepared = prepare(stripRouteGet(item.args), opts.family, session.devices, io.uid);
    } catch (err) {
      if (!(err instanceof PbrError)) throw err;
      const message = err instanceof UsageError ? `pbr: ${err.message}` : err.message;
      fail(item.line, message, usageJson(item.line, message));
      continue;
    }
    if (summary) summary.add(askOne(session, prepared));
    else if (!answerOne(session, prepared, opts.json).ok) fail(item.line, '', undefined);
    await io.stdout.flushIfFull();
    await io.stderr.flushIfFull();
  }
  if (summary) {
    const render = opts.json ? renderRouteSummaryJson : renderRouteSummaryText;
    io.stdout.write(render(summary.result(), session.state.rtTables));
  }
  return failed ? ExitCode.usage : ExitCode.ok;
}

export function runRouteGet(args: readonly string[], opts: RouteGetOptions, deps: RouteGetDeps): Promise<number> {
  if (opts.summary && opts.batch === undefined) {
    throw new UsageError('--summary needs --batch', 'pbr route get --batch FILE --summary counts the answers of a batch file');
  }
  if (opts.summary && opts.explain) {
    throw new UsageError('--summary and --explain do not go together', 'the summary counts answers; ask one query with --explain to see its reasoning');
  }
  if (opts.batch !== undefined) {
    if (args.length > 0) {
      throw new UsageError(`--batch takes no query on the command line (found "${args[0]}")`, 'put every query on its own line of the batch file');
    }
    return runBatch(opts.batch, opts, deps);
  }
  return runOne(args, opts, deps);
}
