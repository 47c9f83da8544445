// Namespace pairs with per-run unique names, deleted on failure and on SIGINT/SIGTERM.
import { execFileSync } from 'node:child_process';
import { execArgv } from './exec.ts';

export interface NamespacePair {
  readonly router: string;
  readonly peer: string;
}

export const NAMESPACE_PREFIX = 'pbrd';

const live = new Set<string>();
let counter = 0;
let handlersInstalled = false;

/** Fresh names `pbrd-<pid>-<n>-r` / `-p`. */
export function uniqueNamespacePair(): NamespacePair {
  const id = `${NAMESPACE_PREFIX}-${process.pid}-${counter++}`;
  return { router: `${id}-r`, peer: `${id}-p` };
}

export async function createNamespacePair(pair: NamespacePair): Promise<void> {
  installCleanupHandlers();
  live.add(pair.router);
  live.add(pair.peer);
  const r = await execArgv(['ip', '-batch', '-'], `netns add ${pair.router}\nnetns add ${pair.peer}\n`);
  if (r.code !== 0) {
    await deleteNamespacePair(pair);
    throw new Error(`ip netns add failed: ${r.stderr.trim()}`);
  }
}

export async function deleteNamespacePair(pair: NamespacePair): Promise<void> {
  await execArgv(['ip', '-force', '-batch', '-'], `netns del ${pair.router}\nnetns del ${pair.peer}\n`);
  live.delete(pair.router);
  live.delete(pair.peer);
}

/** Creates a pair, runs `body`, and deletes the pair whatever happens. */
export async function withNamespacePair<T>(body: (pair: NamespacePair) => Promise<T>): Promise<T> {
  const pair = uniqueNamespacePair();
  await createNamespacePair(pair);
  try {
    return await body(pair);
  } finally {
    await deleteNamespacePair(pair);
  }
}

function deleteLiveSync(): void {
  if (live.size === 0) return;
  const script = [...live].map((n) => `netns del ${n}\n`).join('');
  try {
    execFileSync('ip', ['-force', '-batch', '-'], { input: script, stdio: ['pipe', 'ignore', 'ignore'] });
  } catch {
    // best effort: some were never created
  }
  live.clear();
}

function installCleanupHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', deleteLiveSync);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      deleteLiveSync();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
}

/** Why namespaces cannot be used here, or undefined when they can. */
export async function netnsUnavailableReason(): Promise<string | undefined> {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'not root (ip netns needs CAP_SYS_ADMIN)';
  const pair = uniqueNamespacePair();
  try {
    await createNamespacePair(pair);
  } catch (e) {
    return `ip netns is unusable: ${(e as Error).message}`;
  }
  try {
    const r = await execArgv(['ip', '-n', pair.router, 'link', 'add', 'a0', 'type', 'veth', 'peer', 'name', 'a1', 'netns', pair.peer]);
    if (r.code !== 0) return `veth pairs are unusable: ${r.stderr.trim()}`;
    return undefined;
  } finally {
    await deleteNamespacePair(pair);
  }
}
