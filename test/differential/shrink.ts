// Delta-debugging of a mismatch: drop configuration commands (in halving chunks, then one by one)
// and query selectors while the same mismatch persists in a fresh namespace pair.
import type { ConfigCommand } from './config-types.ts';

export interface TrialOutcome {
  /** the mismatch is still there with the same signature */
  readonly reproduces: boolean;
  /** the commands the kernel accepted in this trial */
  readonly applied: readonly ConfigCommand[];
}

export type Trial = (commands: readonly ConfigCommand[], query: readonly string[]) => Promise<TrialOutcome>;

export interface ShrinkResult {
  readonly commands: readonly ConfigCommand[];
  readonly query: readonly string[];
  readonly trials: number;
}

/** Selector words that take one argument in `ip route get`. */
const QUERY_KEYWORDS = new Set(['from', 'iif', 'oif', 'mark', 'tos', 'dsfield', 'uid', 'ipproto', 'sport', 'dport', 'to']);

/** The query as removable groups: ["from", x], ["fibmatch"], and the destination alone. */
export function queryGroups(query: readonly string[]): string[][] {
  const groups: string[][] = [];
  for (let i = 0; i < query.length; i++) {
    const w = query[i] as string;
    if (QUERY_KEYWORDS.has(w) && i + 1 < query.length) {
      groups.push([w, query[i + 1] as string]);
      i++;
    } else {
      groups.push([w]);
    }
  }
  return groups;
}

export async function shrinkMismatch(
  commands: readonly ConfigCommand[],
  query: readonly string[],
  trial: Trial,
  maxTrials = 400,
): Promise<ShrinkResult> {
  let current = [...commands];
  let trials = 0;
  const attempt = async (cmds: readonly ConfigCommand[], q: readonly string[]): Promise<TrialOutcome | undefined> => {
    if (trials >= maxTrials) return undefined;
    trials++;
    const outcome = await trial(cmds, q);
    return outcome.reproduces ? outcome : undefined;
  };
  let chunk = Math.max(1, Math.floor(current.length / 2));
  for (;;) {
    let progress = false;
    for (let i = 0; i < current.length && trials < maxTrials; ) {
      const candidate = [...current.slice(0, i), ...current.slice(i + chunk)];
      const ok = await attempt(candidate, query);
      if (ok) {
        current = [...ok.applied];
        progress = true;
      } else {
        i += chunk;
      }
    }
    if (trials >= maxTrials) break;
    if (chunk > 1) chunk = Math.max(1, Math.floor(chunk / 2));
    else if (!progress) break;
  }
  let q = [...query];
  const groups = queryGroups(q);
  for (let g = groups.length - 1; g >= 0; g--) {
    const group = groups[g] as string[];
    const isDestination = group.length === 1 && group[0] !== 'fibmatch';
    if (isDestination || (group.length === 2 && group[0] === 'to')) continue;
    const candidateGroups = groups.filter((_, j) => j !== g);
    const candidate = candidateGroups.flat();
    const ok = await attempt(current, candidate);
    if (ok) {
      groups.splice(g, 1);
      q = candidate;
      current = [...ok.applied];
    }
  }
  return { commands: current, query: q, trials };
}
