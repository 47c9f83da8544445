// One pbr changes the host at a time: STATE/lock holds the pid of its owner, created with O_EXCL.
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { SystemError } from '../model/errors.ts';

export class LockBusyError extends SystemError {
  constructor(
    readonly path: string,
    readonly pid: number,
  ) {
    super(`another pbr${pid === 0 ? '' : ` (pid ${pid})`} holds ${path}`, 'wait for it to finish; if that pid is not pbr, remove the lock file');
  }
}

export interface LockOptions {
  /** told when a stale lock of a dead process is taken over */
  readonly onMessage?: (message: string) => void;
  /** replaces the liveness check of a pid (tests) */
  readonly isAlive?: (pid: number) => boolean;
}

export interface Lock {
  readonly path: string;
  release(): Promise<void>;
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function createLockFile(path: string): Promise<boolean> {
  try {
    const handle = await open(path, 'wx', 0o644);
    try {
      await handle.writeFile(`${process.pid}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

async function lockOwner(path: string): Promise<number | undefined> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : 0;
}

/** Takes STATE/lock or throws LockBusyError; a lock left by a dead pid is taken over (with a message). */
export async function acquireLock(stateDir: string, options: LockOptions = {}): Promise<Lock> {
  const isAlive = options.isAlive ?? pidAlive;
  const path = join(stateDir, 'lock');
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await createLockFile(path)) return { path, release: () => releaseLock(path) };
    const owner = await lockOwner(path);
    if (owner === undefined) continue;
    // 0: just created, its pid not written yet
    if (owner === 0 || isAlive(owner)) throw new LockBusyError(path, owner);
    // move the stale file aside, then check it is still the one we judged (another pbr may have replaced it)
    const aside = `${path}.stale.${process.pid}`;
    try {
      await rename(path, aside);
    } catch {
      continue;
    }
    if ((await lockOwner(aside)) === owner) {
      await unlink(aside).catch(() => undefined);
      options.onMessage?.(`taking over the lock ${path} of pid ${owner}, which is no longer running`);
    } else {
      await rename(aside, path).catch(() => undefined);
    }
  }
  const owner = (await lockOwner(path)) ?? 0;
  throw new LockBusyError(path, owner);
}

async function releaseLock(path: string): Promise<void> {
  if ((await lockOwner(path)) === process.pid) await unlink(path).catch(() => undefined);
}

/** Retries acquireLock while the lock is busy, for up to `waitMs` (the confirm watcher waits out a short `pbr confirm`). */
export async function acquireLockWaiting(stateDir: string, waitMs: number, options: LockOptions = {}): Promise<Lock> {
  const until = Date.now() + waitMs;
  for (;;) {
    try {
      return await acquireLock(stateDir, options);
    } catch (error) {
      if (!(error instanceof LockBusyError) || Date.now() >= until) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
