// Runs one HostAction of a plan: a program (argv, never a shell), a sysctl write, or a file write/delete.
import { lstat, readFile, rmdir, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Runner } from '../host/capture-snapshot.ts';
import { runProgram } from '../host/exec.ts';
import { SystemError } from '../model/errors.ts';
import type { HostAction } from '../model/plan.ts';
import { syncDirectory, writeFileAtomic } from './atomic-file.ts';

export interface ActionContext {
  /** run programs and sysctl writes inside this network namespace */
  readonly netns?: string;
  /** prefix for every file path (tests: /etc/x becomes ROOT/etc/x) */
  readonly root?: string;
  /** replaces runProgram (tests, failure injection) */
  readonly run?: Runner;
}

/** What went wrong with one action, as kept in the journal and shown to the user. */
export interface ActionFailure {
  /** the action in one line: its argv, or "write /etc/x" */
  readonly what: string;
  readonly exitCode?: number;
  readonly stderr: string;
}

/** An action failed; `failure` says which and why. */
export class ActionError extends SystemError {
  constructor(readonly failure: ActionFailure) {
    super(`${failure.what} failed${failure.exitCode === undefined ? '' : ` (exit ${failure.exitCode})`}: ${failure.stderr.trim()}`);
  }
}

/** A file's content and mode before pbr touched it (null: it did not exist), and the directories pbr had to create. */
export interface FileBackup {
  /** the path as the plan names it (without the root prefix) */
  readonly path: string;
  readonly previous: { readonly content: string; readonly mode: number } | null;
  /** ancestors that did not exist, deepest first; removed again on restore when empty */
  readonly missingDirs: readonly string[];
}

export function describeAction(action: HostAction): string {
  switch (action.kind) {
    case 'run':
      return action.argv.join(' ');
    case 'write-file':
      return `write ${action.path}`;
    case 'delete-file':
      return `delete ${action.path}`;
    case 'sysctl':
      return `sysctl ${action.path}=${action.value}`;
  }
}

/** The real path of a plan path: absolute, no "..", under `root` when one is given. */
export function resolveFilePath(path: string, root: string | undefined): string {
  if (!path.startsWith('/') || path.split('/').includes('..')) {
    throw new ActionError({ what: path, stderr: 'file paths in a plan must be absolute and must not contain ".."' });
  }
  return root === undefined ? path : join(root, path);
}

function sysctlFile(path: string): string {
  if (path.startsWith('/') || path.split('/').some((part) => part === '..' || part === '')) {
    throw new ActionError({ what: `sysctl ${path}`, stderr: 'a sysctl path is relative to /proc/sys, without ".."' });
  }
  return `/proc/sys/${path}`;
}

export async function executeHostAction(action: HostAction, context: ActionContext = {}): Promise<void> {
  const run = context.run ?? runProgram;
  const inNetns = context.netns === undefined ? {} : { netns: context.netns };
  switch (action.kind) {
    case 'run': {
      const result = await run(action.argv, { ...inNetns, ...(action.stdin === undefined ? {} : { input: action.stdin }) });
      if (result.exitCode !== 0) throw new ActionError({ what: describeAction(action), exitCode: result.exitCode, stderr: result.stderr });
      return;
    }
    case 'sysctl': {
      // tee writes the value in one write(2) inside the namespace, as sysctl -w does, without parsing dotted names
      const result = await run(['tee', sysctlFile(action.path)], { ...inNetns, input: `${action.value}\n` });
      if (result.exitCode !== 0) throw new ActionError({ what: describeAction(action), exitCode: result.exitCode, stderr: result.stderr });
      return;
    }
    case 'write-file':
      await fileOperation(action, async () => {
        const path = resolveFilePath(action.path, context.root);
        const mode = await lstat(path).then((st) => st.mode & 0o7777, () => 0o644);
        await writeFileAtomic(path, action.content, mode);
      });
      return;
    case 'delete-file':
      await fileOperation(action, async () => {
        const path = resolveFilePath(action.path, context.root);
        await unlink(path);
        await syncDirectory(dirname(path));
      });
      return;
  }
}

async function fileOperation(action: HostAction, operation: () => Promise<void>): Promise<void> {
  try {
    await operation();
  } catch (error) {
    if (error instanceof ActionError) throw error;
    throw new ActionError({ what: describeAction(action), stderr: (error as Error).message });
  }
}

/** Records what `path` looks like now, so that restoreFileBackup can put it back byte for byte. */
export async function takeFileBackup(path: string, root: string | undefined): Promise<FileBackup> {
  const real = resolveFilePath(path, root);
  let previous: FileBackup['previous'] = null;
  try {
    const st = await lstat(real);
    previous = { content: await readFile(real, 'utf8'), mode: st.mode & 0o7777 };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const missingDirs: string[] = [];
  for (let dir = dirname(path); dir !== '/'; dir = dirname(dir)) {
    const exists = await lstat(resolveFilePath(dir, root)).then(() => true, () => false);
    if (exists) break;
    missingDirs.push(dir);
  }
  return { path, previous, missingDirs };
}

export async function restoreFileBackup(backup: FileBackup, root: string | undefined): Promise<void> {
  const real = resolveFilePath(backup.path, root);
  try {
    if (backup.previous !== null) {
      await writeFileAtomic(real, backup.previous.content, backup.previous.mode);
      return;
    }
    await unlink(real).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
    for (const dir of backup.missingDirs) {
      await rmdir(resolveFilePath(dir, root)).catch(() => undefined);
    }
  } catch (error) {
    if (error instanceof ActionError) throw error;
    throw new ActionError({ what: `restore ${backup.path}`, stderr: (error as Error).message });
  }
}
