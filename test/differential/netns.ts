// Namespace pairs with per-run unique names, deleted on failure and on SIGINT/SIGTERM.
import { execArgv } from './exec.ts';
import { trackNamespaces, untrackNamespaces } from '../support/netns-registry.ts';

export interface NamespacePair {
  readonly router: string;
  readonly peer: string;
}

export const NAMESPACE_PREFIX = 'pbrd';

let counter = 0;

/** Fresh names `pbrd-<pid>-<n>-r` / `-p`. */
export function uniqueNamespacePair(): NamespacePair {
  const id = `${NAMESPACE_PREFIX}-${process.pid}-${counter++}`;
  return { router: `${id}-r`, peer: `${id}-p` };
}

export async function createNamespacePair(pair: NamespacePair): Promise<void> {
  trackNamespaces([pair.router, pair.peer]);
  const r = await execArgv(['ip', '-batch', '-'], `netns add ${pair.router}\nnetns add ${pair.peer}\n`);
  if (r.code !== 0) {
    await deleteNamespacePair(pair);
    throw new Error(`ip netns add failed: ${r.stderr.trim()}`);
  }
}

export async function deleteNamespacePair(pair: NamespacePair): Promise<void> {
  await execArgv(['ip', '-force', '-batch', '-'], `netns del ${pair.router}\nnetns del ${pair.peer}\n`);
  untrackNamespaces([pair.router, pair.peer]);
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
