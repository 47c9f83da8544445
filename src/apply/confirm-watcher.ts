// apply --confirm: a detached `pbr rollback --unless-confirmed ID` outlives the apply (and the ssh session that ran it).
import { spawn } from 'node:child_process';
import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { stateDirOf, type StateLocation } from './state-dir.ts';

/** The watcher's command line: `pbrCommand` is how to run pbr (e.g. [process.execPath, '/usr/lib/pbr/bin/pbr.js']). */
export function confirmWatcherArgv(pbrCommand: readonly string[], journalId: string, location: StateLocation): string[] {
  return [
    ...pbrCommand,
    'rollback',
    '--unless-confirmed',
    journalId,
    ...(location.root === undefined ? [] : ['--root', location.root]),
    ...(location.stateDir === undefined ? [] : ['--state-dir', location.stateDir]),
  ];
}

/** Starts argv in its own session with output to STATE/watcher-ID.log; resolves once it runs, without waiting for it. */
export async function spawnConfirmWatcher(argv: readonly string[], journalId: string, location: StateLocation): Promise<void> {
  const [program, ...args] = argv;
  if (program === undefined) throw new Error('spawnConfirmWatcher: empty argv');
  const stateDir = stateDirOf(location);
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const log = await open(join(stateDir, `watcher-${journalId}.log`), 'a', 0o600);
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(program, args, { detached: true, stdio: ['ignore', log.fd, log.fd] });
      child.once('error', reject);
      child.once('spawn', () => {
        child.unref();
        resolve();
      });
    });
  } finally {
    await log.close();
  }
}
