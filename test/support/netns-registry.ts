// Namespaces a test process created and has not deleted yet: deleted at exit or on SIGINT/SIGTERM, so an
// interrupted run leaves nothing behind.
import { execFileSync } from 'node:child_process';

const live = new Set<string>();
let handlersInstalled = false;

function deleteLiveSync(): void {
  if (live.size === 0) return;
  try {
    execFileSync('ip', ['-force', '-batch', '-'], { input: [...live].map((n) => `netns del ${n}\n`).join(''), stdio: ['pipe', 'ignore', 'ignore'] });
  } catch {
    // best effort at exit: some were never created
  }
  live.clear();
}

function installCleanupHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', deleteLiveSync);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      deleteLiveSync();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
}

/** Remember namespaces about to be created, for deletion if the process ends before the test deletes them. */
export function trackNamespaces(names: Iterable<string>): void {
  installCleanupHandlers();
  for (const name of names) live.add(name);
}

/** The test deleted them itself. */
export function untrackNamespaces(names: Iterable<string>): void {
  for (const name of names) live.delete(name);
}
