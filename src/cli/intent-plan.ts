// The road from pbr.yaml to a Plan, shared by `pbr plan`, `pbr apply` and `pbr install`: read and validate the
// intent, read the host (live, in a netns, or a snapshot file), compile the desired state, diff.
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { captureSnapshot } from '../host/capture-snapshot.ts';
import { loadSnapshot } from '../host/load-snapshot.ts';
import { parseIntent } from '../intent/parse-intent.ts';
import type { DesiredState } from '../model/desired-state.ts';
import { formatDiagnostic, type Diagnostic, type Parsed } from '../model/diagnostics.ts';
import { InvalidInputError } from '../model/errors.ts';
import type { Intent } from '../model/intent.ts';
import type { NetworkState } from '../model/network-state.ts';
import type { Plan } from '../model/plan.ts';
import { parseSnapshot } from '../parse/snapshot.ts';
import { compileIntent } from '../plan/compile-intent.ts';
import { PBR_FILES } from '../plan/ownership.ts';
import { planChanges } from '../plan/plan-changes.ts';
import type { CliIo } from './io.ts';

/** Where `pbr apply` and the boot unit read the intent. */
export const DEFAULT_INTENT_FILE = '/etc/pbr/pbr.yaml';

export interface IntentPlanArgs {
  /** the intent file (-c) */
  readonly config?: string;
  /** plan against this snapshot file instead of the live state */
  readonly snapshot?: string;
  readonly netns?: string;
  /** (tests) pbr's files live under this prefix */
  readonly root?: string;
}

export interface IntentPlan {
  readonly intentText: string;
  readonly intent: Intent;
  readonly live: NetworkState;
  readonly desired: DesiredState;
  readonly plan: Plan;
}

function reportDiagnostics(io: CliIo, diagnostics: readonly Diagnostic[]): number {
  for (const d of diagnostics) io.stderr.write(`pbr: ${formatDiagnostic(d)}\n`);
  return diagnostics.filter((d) => d.severity === 'error').length;
}

/** The live state of this namespace (or `netns`), as the engine sees it; pbr's own files read under `root`. */
export async function captureState(io: CliIo, netns?: string, root?: string): Promise<NetworkState> {
  const file = await captureSnapshot(netns === undefined ? {} : { netns });
  const parsed = parseSnapshot(file, { name: netns === undefined ? 'live capture' : `netns ${netns}` });
  reportDiagnostics(io, parsed.diagnostics.filter((d) => d.severity === 'error'));
  return root === undefined ? parsed.value : withPbrFilesUnder(parsed.value, root);
}

/** The capture reads /etc; with --root, pbr's files are the ones under ROOT. */
async function withPbrFilesUnder(state: NetworkState, root: string): Promise<NetworkState> {
  const others = (state.rtTablesFiles ?? []).filter((f) => !PBR_FILES.includes(f.path));
  const own: { path: string; content: string }[] = [];
  for (const path of PBR_FILES) {
    const content = await readFile(join(root, path), 'utf8').catch(() => undefined);
    if (content !== undefined) own.push({ path, content });
  }
  return { ...state, rtTablesFiles: [...others, ...own] };
}

/** The desired state for `intent` on `state`; compile errors (an interface that does not exist, …) are invalid input. */
export function compileOrThrow(io: CliIo, intent: Intent, state: NetworkState): DesiredState {
  const compiled: Parsed<DesiredState> = compileIntent(intent, state);
  const errors = reportDiagnostics(io, compiled.diagnostics);
  if (errors > 0) throw new InvalidInputError(`the intent ${intent.file} cannot be set up on this host (${errors} error${errors === 1 ? '' : 's'} above)`);
  return compiled.value;
}

export async function readIntent(io: CliIo, config: string | undefined): Promise<{ text: string; intent: Intent }> {
  const file = config ?? DEFAULT_INTENT_FILE;
  let text: string;
  try {
    text = await io.readText(file);
  } catch (error) {
    throw new InvalidInputError(`cannot read the intent ${file}: ${(error as Error).message}`, config === undefined ? 'give the intent file with -c FILE' : undefined);
  }
  const parsed = parseIntent(text, file);
  const errors = reportDiagnostics(io, parsed.diagnostics);
  if (parsed.value === undefined || errors > 0) throw new InvalidInputError(`invalid intent ${file} (${errors} error${errors === 1 ? '' : 's'} above)`, 'the schema: schema/pbr.schema.json');
  return { text, intent: parsed.value };
}

export async function buildIntentPlan(io: CliIo, args: IntentPlanArgs): Promise<IntentPlan> {
  const { text, intent } = await readIntent(io, args.config);
  let live: NetworkState;
  if (args.snapshot !== undefined) {
    const loaded = await loadSnapshot(args.snapshot, { readStdin: io.readStdin });
    reportDiagnostics(io, loaded.diagnostics.filter((d) => d.severity === 'error'));
    live = loaded.value;
  } else {
    live = await captureState(io, args.netns, args.root);
  }
  const desired = compileOrThrow(io, intent, live);
  return { intentText: text, intent, live, desired, plan: planChanges(live, desired) };
}

/** How to start this pbr again (the confirm watcher): node, its flags (e.g. --import tsx in tests), the script. */
export function selfCommand(): string[] {
  const script = process.argv[1];
  return script === undefined ? [process.execPath] : [process.execPath, ...process.execArgv, resolve(script)];
}
