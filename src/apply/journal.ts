// The apply journal: every step's inverse, written (fsync) before the step runs, so an interrupted or failed
// apply can always be undone. One JSON file per apply under STATE/journals/, and STATE/last naming the newest.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidInputError } from '../model/errors.ts';
import type { ChangeObject, HostAction, PlannedChange } from '../model/plan.ts';
import { writeFileAtomic } from './atomic-file.ts';
import type { ActionFailure, FileBackup } from './host-action.ts';

export const JOURNAL_FORMAT = 'pbr-journal';
export const JOURNAL_VERSION = 1;

export type JournalState = 'applying' | 'applied' | 'rolling-back' | 'rolled-back' | 'rollback-failed';

/**
 * running: journaled, its actions may have started (a crash leaves it so) · done: all its actions ran ·
 * failed: action `actionsDone` failed · reverted: undone (or nothing of it had run).
 */
export type StepStatus = 'running' | 'done' | 'failed' | 'reverted';

export interface JournalStep {
  /** 1-based position in the plan */
  readonly step: number;
  readonly object: ChangeObject;
  readonly action: PlannedChange['action'];
  readonly summary: string;
  status: StepStatus;
  /** how many of the step's apply actions completed */
  actionsDone: number;
  readonly actionCount: number;
  /** the plan's inverse, run in order on rollback (file actions are covered by `files`) */
  readonly revert: readonly HostAction[];
  /** every file the step writes or deletes, as it was before */
  readonly files: FileBackup[];
  error?: ActionFailure;
  /** how many revert actions completed when a rollback of this step failed (a retry resumes there) */
  revertsDone?: number;
  revertError?: ActionFailure;
}

export interface Journal {
  readonly format: typeof JOURNAL_FORMAT;
  readonly version: number;
  readonly id: string;
  /** ISO 8601 */
  readonly createdAt: string;
  finishedAt?: string;
  /** pid of the applying process */
  readonly pid: number;
  readonly netns?: string;
  state: JournalState;
  /** set by apply --confirm: roll back at `deadline` unless confirmed */
  confirm?: { readonly deadline: string; confirmedAt?: string };
  /** why it was rolled back, one line */
  rollbackReason?: string;
  readonly steps: JournalStep[];
}

export function journalDir(stateDir: string): string {
  return join(stateDir, 'journals');
}

export function journalPath(stateDir: string, id: string): string {
  if (!/^[A-Za-z0-9._-]+$/.test(id) || id.startsWith('.')) throw new InvalidInputError(`bad journal id "${id}"`, 'ids are shown by `pbr status`');
  return join(journalDir(stateDir), `${id}.json`);
}

export function newJournalId(now: Date): string {
  return `${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${process.pid}`;
}

/** Writes the journal durably (temp file, fsync, rename, fsync of the directory). */
export async function writeJournal(stateDir: string, journal: Journal): Promise<void> {
  await writeFileAtomic(journalPath(stateDir, journal.id), `${JSON.stringify(journal, null, 2)}\n`, 0o600);
}

/** Points STATE/last at this journal: the apply `pbr rollback` undoes. */
export async function markLastJournal(stateDir: string, id: string): Promise<void> {
  await mkdir(journalDir(stateDir), { recursive: true, mode: 0o700 });
  await writeFileAtomic(join(stateDir, 'last'), `${id}\n`, 0o600);
}

export async function readJournal(stateDir: string, id: string): Promise<Journal> {
  const path = journalPath(stateDir, id);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new InvalidInputError(`cannot read journal ${path}: ${(error as Error).message}`);
  }
  const journal = JSON.parse(text) as Journal;
  if (journal.format !== JOURNAL_FORMAT || journal.version !== JOURNAL_VERSION || !Array.isArray(journal.steps)) {
    throw new InvalidInputError(`${path} is not a pbr journal (format ${JOURNAL_FORMAT} version ${JOURNAL_VERSION})`);
  }
  return journal;
}

/** The newest apply's journal, or undefined when pbr has applied nothing (in this boot: the state dir is under /run). */
export async function readLastJournal(stateDir: string): Promise<Journal | undefined> {
  let id: string;
  try {
    id = (await readFile(join(stateDir, 'last'), 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return readJournal(stateDir, id);
}
