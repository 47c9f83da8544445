// Text for `pbr plan` (the steps a person reads, or the exact commands as a script), `pbr apply` results and `pbr status`.
import type { ApplyFailure, ApplyResult } from '../apply/apply-plan.ts';
import type { ActionFailure } from '../apply/host-action.ts';
import type { ApplyStatus, RollbackResult } from '../apply/rollback.ts';
import type { HostAction, Plan } from '../model/plan.ts';

/** One numbered line per change; "no changes" when there is none. */
export function renderPlanText(plan: Plan): string {
  if (plan.changes.length === 0) return 'no changes: the host is as the intent says\n';
  const width = String(plan.changes.length).length;
  const lines = plan.changes.map((c, i) => `${String(i + 1).padStart(width)}. ${c.summary}`);
  return `${plan.changes.length} change${plan.changes.length === 1 ? '' : 's'}:\n${lines.join('\n')}\n`;
}

const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

function shellWord(word: string): string {
  return SAFE_WORD.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function heredoc(text: string): string {
  const body = text.endsWith('\n') ? text : `${text}\n`;
  let tag = 'EOF';
  while (body.split('\n').includes(tag)) tag = `${tag}_`;
  return `<<'${tag}'\n${body}${tag}`;
}

/** A HostAction as the shell command that does the same (sysctl keys in slash form: interface names may hold dots). */
export function renderHostActionCommand(action: HostAction): string {
  switch (action.kind) {
    case 'run': {
      const command = action.argv.map(shellWord).join(' ');
      return action.stdin === undefined ? command : `${command} ${heredoc(action.stdin)}`;
    }
    case 'write-file':
      return `mkdir -p ${shellWord(action.path.replace(/\/[^/]*$/, '') || '/')} && cat > ${shellWord(action.path)} ${heredoc(action.content)}`;
    case 'delete-file':
      return `rm -f ${shellWord(action.path)}`;
    case 'sysctl':
      return `sysctl -qw ${shellWord(`${action.path}=${action.value}`)}`;
  }
}

/** The plan as a shell script: each change's summary as a comment, then its commands. */
export function renderPlanCommands(plan: Plan): string {
  if (plan.changes.length === 0) return '# no changes\n';
  const blocks = plan.changes.map((c, i) => [`# ${i + 1}. ${c.summary}`, ...c.apply.map(renderHostActionCommand)].join('\n'));
  return `set -e\n${blocks.join('\n')}\n`;
}

function failureText(failure: ActionFailure): string {
  const stderr = failure.stderr.trim();
  return `${failure.what}${failure.exitCode === undefined ? '' : ` (exit ${failure.exitCode})`}${stderr === '' ? '' : `: ${stderr}`}`;
}

function causeText(cause: ApplyFailure): string {
  switch (cause.kind) {
    case 'step':
      return `step ${cause.step} (${cause.summary}) failed: ${failureText(cause.failure)}`;
    case 'verify':
      return `the applied state does not do what the intent says:\n${cause.problems.map((p) => `  ${p}`).join('\n')}`;
    case 'watcher':
      return cause.message;
  }
}

/** Messages for stderr after `pbr apply`. */
export function renderApplyResult(result: ApplyResult): string {
  switch (result.kind) {
    case 'unchanged':
      return 'pbr apply: no changes: the host is already as the intent says\n';
    case 'refused':
      return `pbr apply: refused, nothing changed: ${result.conflicts.length} conflict${result.conflicts.length === 1 ? '' : 's'} with objects pbr does not own\n${result.conflicts.map((c) => `  ${c.object}: ${c.message}\n  hint: ${c.hint}`).join('\n')}\n`;
    case 'applied': {
      const head = `pbr apply: applied ${result.steps} change${result.steps === 1 ? '' : 's'} (journal ${result.journalId}; \`pbr rollback\` undoes them)\n`;
      return result.confirmDeadline === undefined ? head : `${head}pbr apply: rolls back at ${result.confirmDeadline} unless you run \`pbr confirm\`\n`;
    }
    case 'rolled-back':
      return `pbr apply: ${causeText(result.cause)}\npbr apply: rolled back: the host is as it was before${result.notes.length === 0 ? '' : `\n${result.notes.map((n) => `  note: ${n}`).join('\n')}`}\n`;
    case 'rollback-failed':
      return `pbr apply: ${causeText(result.cause)}\npbr apply: ROLLBACK FAILED at step ${result.revert.step} (${result.revert.summary}): ${failureText(result.revert.failure)}\nhint: the journal ${result.journalId} is kept: fix the cause, then run \`pbr rollback\` to finish undoing\n`;
  }
}

export function renderRollbackResult(result: RollbackResult): string {
  switch (result.kind) {
    case 'nothing':
      return `pbr rollback: nothing to undo: ${result.message}\n`;
    case 'kept':
      return `pbr rollback: kept ${result.journalId}: ${result.message}\n`;
    case 'rolled-back':
      return `pbr rollback: rolled back ${result.journalId}${result.notes.length === 0 ? '' : `\n${result.notes.map((n) => `  note: ${n}`).join('\n')}`}\n`;
    case 'rollback-failed':
      return `pbr rollback: FAILED at step ${result.step} (${result.summary}): ${failureText(result.failure)}\nhint: the journal ${result.journalId} is kept: fix the cause and run \`pbr rollback\` again\n`;
  }
}

export function renderApplyStatus(status: ApplyStatus | undefined): string {
  if (status === undefined) return 'pbr has applied nothing since boot\n';
  const confirm =
    status.confirm === 'pending' ? `awaiting \`pbr confirm\` until ${status.deadline ?? '?'}` : status.confirm === 'confirmed' ? 'confirmed' : 'no confirmation asked';
  const lines = [
    `last apply: ${status.journalId}${status.netns === undefined ? '' : ` (netns ${status.netns})`}`,
    `state: ${status.state}${status.rollbackReason === undefined ? '' : ` (${status.rollbackReason})`}`,
    `started: ${status.createdAt}${status.finishedAt === undefined ? '' : `, finished: ${status.finishedAt}`}`,
    `confirmation: ${confirm}`,
    `steps:`,
    ...status.steps.map((s) => `  ${String(s.step).padStart(3)}  ${s.status.padEnd(8)}  ${s.summary}`),
  ];
  return `${lines.join('\n')}\n`;
}
