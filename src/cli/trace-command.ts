// `pbr trace`: one packet (and on request its reply) through netfilter hooks and routing decisions.
import type { Family } from '../addr/types.ts';
import { ExitCode, UsageError } from '../model/errors.ts';
import type { JourneyResult, TraceRequest } from '../model/journey.ts';
import type { NetworkState } from '../model/network-state.ts';
import { BUILTIN_SERVICES, indexServices, type ServiceIndex } from '../model/services.ts';
import { parseEtcServices } from '../parse/etc-services.ts';
import { renderTrace } from '../render/trace.ts';
import { paletteFor } from './palette.ts';
import { DeviceIndex } from './devices.ts';
import { TRACE_HELP } from './help.ts';
import type { CliIo } from './io.ts';
import { parseTraceArgs } from './trace-args.ts';

export interface TraceOptions {
  readonly family?: Family;
  readonly json: boolean;
  readonly reply: boolean;
  readonly fromLocal: boolean;
  readonly uid?: string;
  readonly gid?: string;
}

export interface TraceDeps {
  readonly io: CliIo;
  readonly loadState: () => Promise<NetworkState>;
  readonly loadServices: () => Promise<ServiceIndex>;
  readonly traceJourney: (state: NetworkState, request: TraceRequest) => JourneyResult;
}

export const SERVICES_FILE = '/etc/services';

/** /etc/services when it can be read and lists something, else the built-in table of common services. */
export async function loadServiceIndex(readText: (path: string) => Promise<string>): Promise<ServiceIndex> {
  try {
    const entries = parseEtcServices(await readText(SERVICES_FILE));
    if (entries.length > 0) return indexServices(entries);
  } catch {
    // unreadable: the built-in table below
  }
  return indexServices(BUILTIN_SERVICES);
}

/** The request with its device names as the snapshot spells them (ll_name_to_index(): a name or "if<N>"). */
function resolveDevices(request: TraceRequest, state: NetworkState): TraceRequest {
  const devices = new DeviceIndex(state);
  let resolved = request;
  for (const key of ['iif', 'oif'] as const) {
    const name = request[key];
    if (name === undefined) continue;
    const found = devices.resolve(name);
    if (found.kind === 'no-such-index') {
      const known = [...state.links].sort((a, b) => a.ifindex - b.ifindex).map((l) => l.name);
      throw new UsageError(`no device has the index of ${key} ${name}`, `devices in the snapshot: ${known.join(', ')}`);
    }
    resolved = { ...resolved, [key]: found.name };
  }
  return resolved;
}

export async function runTrace(args: readonly string[], opts: TraceOptions, deps: TraceDeps): Promise<number> {
  const parsed = parseTraceArgs(args, {
    ...(opts.family !== undefined ? { family: opts.family } : {}),
    fromLocal: opts.fromLocal,
    reply: opts.reply,
    ...(opts.uid !== undefined ? { uid: opts.uid } : {}),
    ...(opts.gid !== undefined ? { gid: opts.gid } : {}),
    services: await deps.loadServices(),
  });
  if (parsed.kind === 'help') {
    deps.io.stdout.write(TRACE_HELP);
    return ExitCode.ok;
  }
  const state = await deps.loadState();
  const result = deps.traceJourney(state, resolveDevices(parsed.request, state));
  const refused = result.outcomes.length === 0 ? result.diagnostics.find((d) => d.severity === 'error') : undefined;
  if (refused) throw new UsageError(refused.message, refused.hint);
  const out = renderTrace(result, { json: opts.json, tables: state.rtTables, palette: paletteFor(deps.io.stdout.color) });
  deps.io.stdout.write(out.stdout);
  deps.io.stderr.write(out.stderr);
  return ExitCode.ok;
}
