// `pbr route get --batch --summary`: counts the answers of a batch by (rule, table, route, dev, disposition).
import type { IpAddress } from '../addr/types.ts';
import type { RouteType } from '../model/network-state.ts';
import type { Errno, RouteAnswer } from '../model/route-query.ts';

/** One group of answers: the deciding ip rule and table, the route taken, and how many queries took it. */
export interface RouteSummaryRow {
  /** the ip rule that decided; undefined when no rule did (on-link via oif, a request refused before the lookup) */
  readonly pref?: number;
  /** the table that gave the answer; undefined when none did (a rule action such as unreachable) */
  readonly table?: number;
  /** the matched FIB entry, when the answer carries it (the query asked `fibmatch`) */
  readonly prefix?: { readonly address: IpAddress; readonly length: number };
  readonly gateway?: IpAddress;
  /** the output device ('' for a multipath FIB entry printed with fibmatch) */
  readonly dev?: string;
  /** route type for an answer, errno for a failed lookup: exactly one is set */
  readonly type?: RouteType;
  readonly errno?: Errno;
  readonly count: number;
}

export interface RouteSummaryResult {
  /** by count, most first; equal counts in the order first seen */
  readonly rows: readonly RouteSummaryRow[];
  /** queries answered (the sum of the counts) */
  readonly queries: number;
  /** batch lines that could not be asked (bad syntax, not a route get) */
  readonly failed: number;
}

interface Group {
  readonly row: Omit<RouteSummaryRow, 'count'>;
  count: number;
}

// the table the deciding rule looked up: with local and main merged into one trie the answer itself reports main
function tableOf(answer: RouteAnswer & { ok: true }): number {
  const d = answer.decidedBy;
  return d && d.table !== 0 ? d.table : answer.route.table;
}

function keyOf(answer: RouteAnswer): string {
  const pref = answer.decidedBy?.pref ?? '';
  if (!answer.ok) return `${pref}|${answer.decidedBy?.table ?? ''}|${answer.errno}`;
  const r = answer.route;
  const gw = r.gateway ? `${r.gateway.family}:${r.gateway.value}` : '';
  // with fibmatch the engine answers the FIB entry, whose dst is the prefix itself
  const prefix = r.prefixLength !== undefined ? `${r.dst.family}:${r.dst.value}/${r.prefixLength}` : '';
  return `${pref}|${tableOf(answer)}|${r.type}|${r.dev}|${gw}|${prefix}`;
}

function rowOf(answer: RouteAnswer): Omit<RouteSummaryRow, 'count'> {
  const d = answer.decidedBy;
  const pref = d ? { pref: d.pref } : {};
  if (!answer.ok) return { ...pref, ...(d && d.table !== 0 ? { table: d.table } : {}), errno: answer.errno };
  const r = answer.route;
  return {
    ...pref,
    table: tableOf(answer),
    ...(r.prefixLength !== undefined ? { prefix: { address: r.dst, length: r.prefixLength } } : {}),
    ...(r.gateway ? { gateway: r.gateway } : {}),
    dev: r.dev,
    type: r.type,
  };
}

/** Collects answers one by one; only the group key is built per answer. */
export class RouteSummary {
  private readonly groups = new Map<string, Group>();
  private failedLines = 0;

  add(answer: RouteAnswer): void {
    const key = keyOf(answer);
    const group = this.groups.get(key);
    if (group) group.count++;
    else this.groups.set(key, { row: rowOf(answer), count: 1 });
  }

  /** a batch line that could not be asked */
  addFailed(): void {
    this.failedLines++;
  }

  result(): RouteSummaryResult {
    const rows = [...this.groups.values()].map((g) => ({ ...g.row, count: g.count }));
    rows.sort((a, b) => b.count - a.count);
    return { rows, queries: rows.reduce((n, r) => n + r.count, 0), failed: this.failedLines };
  }
}
