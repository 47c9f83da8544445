// Executes a plan as one transaction: lock, journal each step's inverse before it runs, run it, and on any
// failure (a step, the verification, the confirm watcher) undo the steps done, newest first.
import type { Runner } from '../host/capture-snapshot.ts';
import { ExitCode, SystemError } from '../model/errors.ts';
import type { HostAction, Plan, PlanConflict } from '../model/plan.ts';
import { ActionError, executeHostAction, takeFileBackup, type ActionContext, type ActionFailure } from './host-action.ts';
import { markLastJournal, newJournalId, readLastJournal, writeJournal, JOURNAL_FORMAT, JOURNAL_VERSION, type Journal, type JournalStep } from './journal.ts';
import { acquireLock } from './lock.ts';
import { revertJournal } from './revert-journal.ts';
import { stateDirOf, type StateLocation } from './state-dir.ts';

export interface ApplyOptions extends StateLocation {
  /** apply inside this network namespace */
  readonly netns?: string;
  /** replaces runProgram (tests) */
  readonly run?: Runner;
  /** checks the new state (e.g. verifyPolicies on a fresh snapshot); problems found, one line each; any triggers the rollback */
  readonly verify?: () => Promise<readonly string[]>;
  /** roll back after `seconds` unless `pbr confirm` comes first; `startWatcher` starts the process that will do it */
  readonly confirm?: { readonly seconds: number; readonly startWatcher: (journalId: string) => Promise<void> };
  /** failure injection (tests): step `step` (1-based) fails before its actions run, or after they all ran */
  readonly injectFailure?: { readonly step: number; readonly when: 'before' | 'after' };
  /** progress and notices for the user (stderr) */
  readonly onMessage?: (message: string) => void;
  readonly now?: () => Date;
}

/** Why an apply was undone. */
export type ApplyFailure =
  | { readonly kind: 'step'; readonly step: number; readonly summary: string; readonly failure: ActionFailure }
  | { readonly kind: 'verify'; readonly problems: readonly string[] }
  | { readonly kind: 'watcher'; readonly message: string };

export type ApplyResult =
  /** the plan had no changes: nothing ran, no journal */
  | { readonly kind: 'unchanged' }
  /** foreign objects in the way: nothing ran */
  | { readonly kind: 'refused'; readonly conflicts: readonly PlanConflict[] }
  | { readonly kind: 'applied'; readonly journalId: string; readonly steps: number; readonly confirmDeadline?: string }
  | { readonly kind: 'rolled-back'; readonly journalId: string; readonly cause: ApplyFailure; readonly notes: readonly string[] }
  | {
      readonly kind: 'rollback-failed';
      readonly journalId: string;
      readonly cause: ApplyFailure;
      /** the revert that failed; the journal is kept for `pbr rollback` */
      readonly revert: { readonly step: number; readonly summary: string; readonly failure: ActionFailure };
    };

/** 0 applied or unchanged · 3 refused (conflicts) · 5 rolled back · 6 rollback failed. */
export function exitCodeOfApply(result: ApplyResult): number {
  switch (result.kind) {
    case 'unchanged':
    case 'applied':
      return ExitCode.ok;
    case 'refused':
      return ExitCode.invalidInput;
    case 'rolled-back':
      return ExitCode.applyRolledBack;
    case 'rollback-failed':
      return ExitCode.rollbackFailed;
  }
}

function filePaths(actions: readonly HostAction[]): string[] {
  const paths: string[] = [];
  for (const a of actions) if ((a.kind === 'write-file' || a.kind === 'delete-file') && !paths.includes(a.path)) paths.push(a.path);
  return paths;
}

/** Refuses to stack an apply on one that is unconfirmed or did not finish cleanly. */
function checkPrevious(previous: Journal | undefined): void {
  if (previous === undefined) return;
  if (previous.state === 'applied' && previous.confirm !== undefined && previous.confirm.confirmedAt === undefined) {
    throw new SystemError(`the apply ${previous.id} awaits confirmation until ${previous.confirm.deadline}`, 'run `pbr confirm` (keep it) or `pbr rollback` (undo it) first');
  }
  if (previous.state === 'applying' || previous.state === 'rolling-back' || previous.state === 'rollback-failed') {
    throw new SystemError(`the apply ${previous.id} did not finish (${previous.state})`, 'run `pbr rollback` to undo what it left, then apply again');
  }
}

export async function applyPlan(plan: Plan, options: ApplyOptions = {}): Promise<ApplyResult> {
  if (plan.conflicts.length > 0) return { kind: 'refused', conflicts: plan.conflicts };
  const stateDir = stateDirOf(options);
  const lock = await acquireLock(stateDir, options.onMessage === undefined ? {} : { onMessage: options.onMessage });
  try {
    checkPrevious(await readLastJournal(stateDir));
    if (plan.changes.length === 0) return { kind: 'unchanged' };
    return await runTransaction(plan, stateDir, options);
  } finally {
    await lock.release();
  }
}

async function runTransaction(plan: Plan, stateDir: string, options: ApplyOptions): Promise<ApplyResult> {
  const now = options.now ?? (() => new Date());
  const context: ActionContext = {
    ...(options.netns === undefined ? {} : { netns: options.netns }),
    ...(options.root === undefined ? {} : { root: options.root }),
    ...(options.run === undefined ? {} : { run: options.run }),
  };
  const journal: Journal = {
    format: JOURNAL_FORMAT,
    version: JOURNAL_VERSION,
    id: newJournalId(now()),
    createdAt: now().toISOString(),
    pid: process.pid,
    ...(options.netns === undefined ? {} : { netns: options.netns }),
    state: 'applying',
    steps: [],
  };
  await writeJournal(stateDir, journal);
  await markLastJournal(stateDir, journal.id);

  const undo = async (cause: ApplyFailure, reason: string): Promise<ApplyResult> => {
    options.onMessage?.(`rolling back: ${reason}`);
    const outcome = await revertJournal(journal, stateDir, context, reason);
    if (outcome.kind === 'rolled-back') return { kind: 'rolled-back', journalId: journal.id, cause, notes: outcome.notes };
    return { kind: 'rollback-failed', journalId: journal.id, cause, revert: { step: outcome.step, summary: outcome.summary, failure: outcome.failure } };
  };

  for (const [index, change] of plan.changes.entries()) {
    const step: JournalStep = {
      step: index + 1,
      object: change.object,
      action: change.action,
      summary: change.summary,
      status: 'running',
      actionsDone: 0,
      actionCount: change.apply.length,
      revert: change.revert,
      files: [],
    };
    const injected = options.injectFailure?.step === step.step ? options.injectFailure.when : undefined;
    try {
      for (const path of filePaths(change.apply)) step.files.push(await takeFileBackup(path, options.root));
      journal.steps.push(step);
      await writeJournal(stateDir, journal);
      if (injected === 'before') throw new ActionError({ what: change.summary, stderr: `injected failure before step ${step.step}` });
      for (const action of change.apply) {
        await executeHostAction(action, context);
        step.actionsDone++;
      }
      if (injected === 'after') throw new ActionError({ what: change.summary, stderr: `injected failure after step ${step.step}` });
      step.status = 'done';
      await writeJournal(stateDir, journal);
    } catch (error) {
      const failure: ActionFailure = error instanceof ActionError ? error.failure : { what: change.summary, stderr: error instanceof Error ? error.message : String(error) };
      if (journal.steps.includes(step)) step.status = 'failed';
      step.error = failure;
      const cause: ApplyFailure = { kind: 'step', step: step.step, summary: change.summary, failure };
      return undo(cause, `step ${step.step} (${change.summary}) failed: ${failure.what}${failure.exitCode === undefined ? '' : ` (exit ${failure.exitCode})`}: ${failure.stderr.trim()}`);
    }
  }

  if (options.verify !== undefined) {
    const problems = await options.verify().catch((error: unknown) => [`verification failed: ${error instanceof Error ? error.message : String(error)}`]);
    if (problems.length > 0) return undo({ kind: 'verify', problems }, `verification found ${problems.length} problem(s): ${problems[0]}`);
  }

  journal.state = 'applied';
  journal.finishedAt = now().toISOString();
  if (options.confirm !== undefined) journal.confirm = { deadline: new Date(now().getTime() + options.confirm.seconds * 1000).toISOString() };
  await writeJournal(stateDir, journal);
  if (options.confirm !== undefined) {
    try {
      await options.confirm.startWatcher(journal.id);
    } catch (error) {
      const message = `cannot start the confirm watcher: ${error instanceof Error ? error.message : String(error)}`;
      return undo({ kind: 'watcher', message }, message);
    }
  }
  return {
    kind: 'applied',
    journalId: journal.id,
    steps: journal.steps.length,
    ...(journal.confirm === undefined ? {} : { confirmDeadline: journal.confirm.deadline }),
  };
}
