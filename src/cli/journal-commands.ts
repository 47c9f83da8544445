// `pbr rollback`, `pbr confirm`, `pbr status`: the last apply, undone, kept or shown.
import { confirmApply, exitCodeOfRollback, readApplyStatus, rollbackLast, rollbackUnlessConfirmed } from '../apply/rollback.ts';
import type { StateLocation } from '../apply/state-dir.ts';
import { ExitCode } from '../model/errors.ts';
import type { CliIo } from './io.ts';
import { renderApplyStatus, renderRollbackResult } from './plan-output.ts';

export interface JournalCommandArgs extends StateLocation {
  readonly json: boolean;
  /** the confirm watcher: roll back journal ID at its deadline unless confirmed */
  readonly unlessConfirmed?: string;
}

function location(args: JournalCommandArgs): StateLocation {
  return { ...(args.root === undefined ? {} : { root: args.root }), ...(args.stateDir === undefined ? {} : { stateDir: args.stateDir }) };
}

/** 0 rolled back (or nothing to do) · 6 the rollback failed (the journal is kept; run it again). */
export async function runRollback(args: JournalCommandArgs, io: CliIo): Promise<number> {
  const options = { ...location(args), onMessage: (message: string) => io.stderr.write(`pbr rollback: ${message}\n`) };
  const result = args.unlessConfirmed === undefined ? await rollbackLast(options) : await rollbackUnlessConfirmed(args.unlessConfirmed, options);
  if (args.json) io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  io.stderr.write(renderRollbackResult(result));
  return exitCodeOfRollback(result);
}

export async function runConfirm(args: JournalCommandArgs, io: CliIo): Promise<number> {
  const confirmed = await confirmApply(location(args));
  if (args.json) io.stdout.write(`${JSON.stringify(confirmed, null, 2)}\n`);
  io.stderr.write(`pbr confirm: kept ${confirmed.journalId} (confirmed at ${confirmed.confirmedAt})\n`);
  return ExitCode.ok;
}

export async function runStatus(args: JournalCommandArgs, io: CliIo): Promise<number> {
  const status = await readApplyStatus(location(args));
  io.stdout.write(args.json ? `${JSON.stringify(status ?? null, null, 2)}\n` : renderApplyStatus(status));
  return ExitCode.ok;
}
