// Undoes the journaled steps in reverse order. A revert that fails stops the rollback and leaves the journal
// (state rollback-failed) so that `pbr rollback` can resume where it stopped.
import type { HostAction } from '../model/plan.ts';
import { ActionError, executeHostAction, restoreFileBackup, type ActionContext, type ActionFailure } from './host-action.ts';
import { writeJournal, type Journal, type JournalStep } from './journal.ts';

export type RevertOutcome =
  | {
      readonly kind: 'rolled-back';
      /** failures tolerated while undoing a step that had only partly run (its inverse may meet what never happened) */
      readonly notes: readonly string[];
    }
  | { readonly kind: 'rollback-failed'; readonly step: number; readonly summary: string; readonly failure: ActionFailure };

function failureOf(error: unknown): ActionFailure {
  return error instanceof ActionError ? error.failure : { what: 'revert', stderr: error instanceof Error ? error.message : String(error) };
}

/** A step whose actions all ran is undone strictly; one cut short (or interrupted by a crash) tolerantly. */
function isPartial(step: JournalStep): boolean {
  return step.status === 'running' || (step.status === 'failed' && step.actionsDone < step.actionCount);
}

function revertActions(step: JournalStep): readonly HostAction[] {
  const backedUp = new Set(step.files.map((f) => f.path));
  return step.revert.filter((a) => !((a.kind === 'write-file' || a.kind === 'delete-file') && backedUp.has(a.path)));
}

export async function revertJournal(journal: Journal, stateDir: string, context: ActionContext, reason: string): Promise<RevertOutcome> {
  const inJournal: ActionContext = { ...context, ...(journal.netns === undefined ? {} : { netns: journal.netns }) };
  journal.state = 'rolling-back';
  journal.rollbackReason = reason;
  await writeJournal(stateDir, journal);
  const notes: string[] = [];
  for (const step of [...journal.steps].reverse()) {
    if (step.status === 'reverted') continue;
    // a step that failed on its first action changed nothing
    const touched = !(step.status === 'failed' && step.actionsDone === 0);
    const partial = isPartial(step);
    const actions = touched ? revertActions(step) : [];
    try {
      for (let i = step.revertsDone ?? 0; i < actions.length; i++) {
        try {
          await executeHostAction(actions[i]!, inJournal);
        } catch (error) {
          if (!partial) {
            step.revertsDone = i;
            throw error;
          }
          const failure = failureOf(error);
          notes.push(`step ${step.step} (partly applied): ${failure.what}: ${failure.stderr.trim()}`);
        }
      }
      if (touched) for (const backup of [...step.files].reverse()) await restoreFileBackup(backup, context.root);
    } catch (error) {
      const failure = failureOf(error);
      step.revertError = failure;
      journal.state = 'rollback-failed';
      journal.finishedAt = new Date().toISOString();
      await writeJournal(stateDir, journal);
      return { kind: 'rollback-failed', step: step.step, summary: step.summary, failure };
    }
    step.status = 'reverted';
    delete step.revertError;
    await writeJournal(stateDir, journal);
  }
  journal.state = 'rolled-back';
  journal.finishedAt = new Date().toISOString();
  await writeJournal(stateDir, journal);
  return { kind: 'rolled-back', notes };
}
