// `pbr lint`: every check on the host's state (a snapshot or a live capture), or on the state an intent would
// produce on it (-c pbr.yaml); text blocks or --json, exit 1 when anything at warning or above is found.
import { hasProblems, runLint, ALL_CHECKS } from '../lint/registry.ts';
import { ExitCode } from '../model/errors.ts';
import type { LintCheck, LintFinding, LintInput } from '../model/lint.ts';
import type { NetworkState } from '../model/network-state.ts';
import { appliedState } from '../plan/applied-state.ts';
import { compileOrThrow, readIntent } from './intent-plan.ts';
import type { CliIo } from './io.ts';

export interface LintCommandArgs {
  readonly json: boolean;
  /** the intent file (-c): lint the state after it is applied, and the intent itself */
  readonly config?: string;
}

export interface LintCommandDeps {
  readonly io: CliIo;
  /** the --snapshot file's state, or a live capture */
  readonly loadState: () => Promise<NetworkState>;
  /** (tests) the checks to run; every registered check by default */
  readonly checks?: readonly LintCheck[];
}

/** One block per finding: `severity id: message`, its hint, its page; nothing at all without findings. */
export function renderLintText(findings: readonly LintFinding[]): string {
  return findings.map((f) => `${f.severity} ${f.id}: ${f.message}\n  hint: ${f.hint}\n  see docs/lint/${f.id}.md\n`).join('');
}

/** The state and intent lint looks at: the host as it is, or as it would be once `-c`'s intent is applied. */
export async function lintInput(args: LintCommandArgs, deps: LintCommandDeps): Promise<LintInput> {
  if (args.config === undefined) return { state: await deps.loadState() };
  const { intent } = await readIntent(deps.io, args.config);
  const live = await deps.loadState();
  return { state: appliedState(live, compileOrThrow(deps.io, intent, live)), intent };
}

/** 0 nothing at warning or above · 1 findings at warning or above · 3 bad snapshot or intent (thrown). */
export async function runLintCommand(args: LintCommandArgs, deps: LintCommandDeps): Promise<number> {
  const findings = runLint(await lintInput(args, deps), deps.checks ?? ALL_CHECKS);
  if (args.json) deps.io.stdout.write(`${JSON.stringify(findings, null, 2)}\n`);
  else deps.io.stdout.write(renderLintText(findings));
  return hasProblems(findings) ? ExitCode.findings : ExitCode.ok;
}
