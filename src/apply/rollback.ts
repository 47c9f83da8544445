// `pbr rollback`, `pbr confirm`, `pbr status` and the confirm watcher: what happens to the last apply after it ran.
import type { Runner } from '../host/capture-snapshot.ts';
import { ExitCode, SystemError } from '../model/errors.ts';
import type { ActionFailure } from './host-action.ts';
import { readJournal, readLastJournal, writeJournal, type Journal, type JournalState, type StepStatus } from './journal.ts';
import { acquireLock, acquireLockWaiting, type Lock } from './lock.ts';
import { revertJournal } from './revert-journal.ts';
import { stateDirOf, type StateLocation } from './state-dir.ts';

export interface RollbackOptions extends StateLocation {
  readonly run?: Runner;
  readonly onMessage?: (message: string) => void;
  readonly now?: () => Date;
}

export type RollbackResult =
  /** nothing to undo: pbr applied nothing, or the last apply is already rolled back */
  | { readonly kind: 'nothing'; readonly message: string }
  | { readonly kind: 'rolled-back'; readonly journalId: string; readonly notes: readonly string[] }
  | { readonly kind: 'rollback-failed'; readonly journalId: string; readonly step: number; readonly summary: string; readonly failure: ActionFailure }
  /** the watcher found the apply confirmed (or superseded) and left it */
  | { readonly kind: 'kept'; readonly journalId: string; readonly message: string };

/** 0 rolled back, nothing to do or kept · 6 rollback failed. */
export function exitCodeOfRollback(result: RollbackResult): number {
  return result.kind === 'rollback-failed' ? ExitCode.rollbackFailed : ExitCode.ok;
}

function lockOptions(options: RollbackOptions): { onMessage?: (message: string) => void } {
  return options.onMessage === undefined ? {} : { onMessage: options.onMessage };
}

async function withLock<T>(lock: Promise<Lock>, body: () => Promise<T>): Promise<T> {
  const held = await lock;
  try {
    return await body();
  } finally {
    await held.release();
  }
}

async function undo(journal: Journal, stateDir: string, options: RollbackOptions, reason: string): Promise<RollbackResult> {
  const outcome = await revertJournal(journal, stateDir, { ...(options.root === undefined ? {} : { root: options.root }), ...(options.run === undefined ? {} : { run: options.run }) }, reason);
  if (outcome.kind === 'rolled-back') return { kind: 'rolled-back', journalId: journal.id, notes: outcome.notes };
  return { kind: 'rollback-failed', journalId: journal.id, step: outcome.step, summary: outcome.summary, failure: outcome.failure };
}

/** Undoes the last apply (or finishes undoing it after a failed rollback or a crash). */
export async function rollbackLast(options: RollbackOptions = {}): Promise<RollbackResult> {
  const stateDir = stateDirOf(options);
  return withLock(acquireLock(stateDir, lockOptions(options)), async () => {
    const journal = await readLastJournal(stateDir);
    if (journal === undefined) return { kind: 'nothing', message: 'pbr has applied nothing (no journal)' };
    if (journal.state === 'rolled-back') return { kind: 'nothing', message: `the last apply ${journal.id} is already rolled back` };
    return undo(journal, stateDir, options, 'pbr rollback');
  });
}

/**
 * The confirm watcher (`pbr rollback --unless-confirmed ID`, started detached by apply --confirm): sleeps until the
 * journal's deadline, then rolls the apply back unless `pbr confirm` marked it confirmed.
 */
export async function rollbackUnlessConfirmed(journalId: string, options: RollbackOptions = {}): Promise<RollbackResult> {
  const stateDir = stateDirOf(options);
  const now = options.now ?? (() => new Date());
  const first = await readJournal(stateDir, journalId);
  if (first.confirm === undefined) return { kind: 'kept', journalId, message: `the apply ${journalId} was not made with --confirm` };
  const wait = Date.parse(first.confirm.deadline) - now().getTime();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  // a `pbr confirm` holding the lock at the deadline is waited for: whichever takes the lock first decides
  return withLock(acquireLockWaiting(stateDir, 30_000, lockOptions(options)), async () => {
    const journal = await readJournal(stateDir, journalId);
    if (journal.confirm?.confirmedAt !== undefined) return { kind: 'kept', journalId, message: `confirmed at ${journal.confirm.confirmedAt}` };
    if (journal.state !== 'applied') return { kind: 'kept', journalId, message: `the apply is ${journal.state}, nothing to do` };
    const last = await readLastJournal(stateDir);
    if (last?.id !== journalId) return { kind: 'kept', journalId, message: `a newer apply ${last?.id ?? '?'} replaced it` };
    return undo(journal, stateDir, options, `not confirmed by ${journal.confirm?.deadline ?? 'the deadline'}`);
  });
}

/** Keeps the last apply made with --confirm: marks its journal confirmed, so the watcher leaves it. */
export async function confirmApply(options: RollbackOptions = {}): Promise<{ readonly journalId: string; readonly confirmedAt: string }> {
  const stateDir = stateDirOf(options);
  const now = options.now ?? (() => new Date());
  return withLock(acquireLockWaiting(stateDir, 10_000, lockOptions(options)), async () => {
    const journal = await readLastJournal(stateDir);
    if (journal?.confirm === undefined) throw new SystemError('no apply awaits confirmation', 'confirm follows `pbr apply --confirm SECONDS`');
    if (journal.confirm.confirmedAt !== undefined) return { journalId: journal.id, confirmedAt: journal.confirm.confirmedAt };
    if (journal.state !== 'applied') {
      throw new SystemError(`too late: the apply ${journal.id} is ${journal.state}${journal.rollbackReason ? ` (${journal.rollbackReason})` : ''}`, 'apply again, and confirm within the time given');
    }
    journal.confirm.confirmedAt = now().toISOString();
    await writeJournal(stateDir, journal);
    return { journalId: journal.id, confirmedAt: journal.confirm.confirmedAt };
  });
}

export interface ApplyStatus {
  readonly journalId: string;
  readonly state: JournalState;
  readonly createdAt: string;
  readonly finishedAt?: string;
  readonly netns?: string;
  /** none: applied without --confirm · pending: rolls back at deadline unless confirmed · confirmed */
  readonly confirm: 'none' | 'pending' | 'confirmed';
  readonly deadline?: string;
  readonly rollbackReason?: string;
  readonly steps: readonly { readonly step: number; readonly summary: string; readonly status: StepStatus }[];
}

/** What pbr last applied, or undefined when it applied nothing in this boot. */
export async function readApplyStatus(location: StateLocation = {}): Promise<ApplyStatus | undefined> {
  const journal = await readLastJournal(stateDirOf(location));
  if (journal === undefined) return undefined;
  const confirm = journal.confirm === undefined ? 'none' : journal.confirm.confirmedAt === undefined ? 'pending' : 'confirmed';
  return {
    journalId: journal.id,
    state: journal.state,
    createdAt: journal.createdAt,
    ...(journal.finishedAt === undefined ? {} : { finishedAt: journal.finishedAt }),
    ...(journal.netns === undefined ? {} : { netns: journal.netns }),
    confirm,
    ...(journal.confirm === undefined ? {} : { deadline: journal.confirm.deadline }),
    ...(journal.rollbackReason === undefined ? {} : { rollbackReason: journal.rollbackReason }),
    steps: journal.steps.map((s) => ({ step: s.step, summary: s.summary, status: s.status })),
  };
}
