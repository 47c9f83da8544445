// `pbr plan` and `pbr apply`: the plan of the intent against the host, and its execution as one transaction.
import { applyPlan, exitCodeOfApply, type ApplyOptions } from '../apply/apply-plan.ts';
import { confirmWatcherArgv, spawnConfirmWatcher } from '../apply/confirm-watcher.ts';
import type { Runner } from '../host/capture-snapshot.ts';
import { ExitCode, UsageError } from '../model/errors.ts';
import type { Intent } from '../model/intent.ts';
import { planChanges } from '../plan/plan-changes.ts';
import { describeRequest, verifyPolicies } from '../plan/policy-checks.ts';
import { buildIntentPlan, captureState, compileOrThrow, selfCommand, type IntentPlanArgs } from './intent-plan.ts';
import type { CliIo } from './io.ts';
import { renderApplyResult, renderPlanCommands, renderPlanText } from './plan-output.ts';

export interface PlanCommandArgs extends IntentPlanArgs {
  readonly json: boolean;
  /** text (default) or commands */
  readonly format?: string;
}

/** 0 no changes · 1 changes · 3 conflicts (printed on stderr; the plan is printed too). */
export async function runPlan(args: PlanCommandArgs, io: CliIo): Promise<number> {
  if (args.format !== undefined && args.format !== 'text' && args.format !== 'commands') {
    throw new UsageError(`unknown --format "${args.format}"`, 'text or commands');
  }
  const { plan } = await buildIntentPlan(io, args);
  if (args.json) io.stdout.write(`${JSON.stringify(plan, null, 2)}\n`);
  else io.stdout.write(args.format === 'commands' ? renderPlanCommands(plan) : renderPlanText(plan));
  for (const c of plan.conflicts) io.stderr.write(`pbr plan: conflict (${c.object}): ${c.message}\nhint: ${c.hint}\n`);
  if (plan.conflicts.length > 0) return ExitCode.invalidInput;
  return plan.changes.length > 0 ? ExitCode.findings : ExitCode.ok;
}

export interface ApplyCommandArgs extends IntentPlanArgs {
  readonly json: boolean;
  /** --confirm SECONDS */
  readonly confirm?: string;
  readonly stateDir?: string;
}

export interface ApplyCommandDeps {
  readonly io: CliIo;
  readonly env: NodeJS.ProcessEnv;
  /** replaces runProgram for the plan's commands (tests) */
  readonly run?: Runner;
}

function parseConfirmSeconds(text: string): number {
  const seconds = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !(seconds > 0) || seconds > 86_400) throw new UsageError(`--confirm needs a number of seconds (up to 86400), not "${text}"`);
  return seconds;
}

/** PBR_FAIL_STEP=K or K:after makes step K fail (before it runs, or after): the failure-injection hook of the e2e tests. */
function injectedFailure(env: NodeJS.ProcessEnv): ApplyOptions['injectFailure'] {
  const spec = env['PBR_FAIL_STEP'];
  if (spec === undefined || spec === '') return undefined;
  const match = /^(\d+)(?::(before|after))?$/.exec(spec);
  if (!match) throw new UsageError(`PBR_FAIL_STEP must be STEP or STEP:before or STEP:after, not "${spec}"`);
  return { step: Number(match[1]), when: match[2] === 'after' ? 'after' : 'before' };
}

/** After the steps ran, a fresh capture must need no further change, and pbr's engine must send every policy's packets where the intent says. */
function verifyAgainst(io: CliIo, intent: Intent, args: ApplyCommandArgs): () => Promise<readonly string[]> {
  return async () => {
    const fresh = await captureState(io, args.netns, args.root);
    const desired = compileOrThrow(io, intent, fresh);
    const leftover = planChanges(fresh, desired).changes.map((c) => `still to do after the apply: ${c.summary}`);
    const misrouted = verifyPolicies(intent, fresh)
      .filter((v) => !v.ok)
      .map(({ check, got }) => {
        const share = check.expect.probability === undefined ? '' : ` for ${Math.round(check.expect.probability * 100)}% of connections`;
        return `${check.policy}: ${describeRequest(check.request)} should leave by ${check.expect.dev}${share}, goes to ${got}`;
      });
    return [...leftover, ...misrouted];
  };
}

/** Exit status: 0 applied or nothing to do · 3 invalid intent or conflicts · 5 failed and rolled back · 6 rollback failed. */
export async function runApply(args: ApplyCommandArgs, deps: ApplyCommandDeps): Promise<number> {
  if (args.snapshot !== undefined) throw new UsageError('pbr apply works on the live state, not on --snapshot', 'use `pbr plan --snapshot FILE` to preview');
  const { io } = deps;
  const confirmSeconds = args.confirm === undefined ? undefined : parseConfirmSeconds(args.confirm);
  const injectFailure = injectedFailure(deps.env);
  const { intent, plan } = await buildIntentPlan(io, args);
  const location = { ...(args.root === undefined ? {} : { root: args.root }), ...(args.stateDir === undefined ? {} : { stateDir: args.stateDir }) };
  const result = await applyPlan(plan, {
    ...location,
    ...(args.netns === undefined ? {} : { netns: args.netns }),
    ...(deps.run === undefined ? {} : { run: deps.run }),
    ...(injectFailure === undefined ? {} : { injectFailure }),
    verify: verifyAgainst(io, intent, args),
    ...(confirmSeconds === undefined
      ? {}
      : { confirm: { seconds: confirmSeconds, startWatcher: (id: string) => spawnConfirmWatcher(confirmWatcherArgv(selfCommand(), id, location), id, location) } }),
    onMessage: (message) => io.stderr.write(`pbr apply: ${message}\n`),
  });
  if (args.json) io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  io.stderr.write(renderApplyResult(result));
  return exitCodeOfApply(result);
}
