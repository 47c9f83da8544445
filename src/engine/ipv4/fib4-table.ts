// One IPv4 FIB table (or the merged local+main trie) and its lookup (net/ipv4/fib_trie.c).
import { maskAddress } from '../../addr/address.ts';
import { buildPrefixTable } from '../../addr/fast-prefix-table.ts';
import type { PrefixTable } from '../../addr/prefix-table.ts';
import type { IpPrefix } from '../../addr/types.ts';
import type { Route, RouteType } from '../../model/network-state.ts';
import type { Errno, RuleDecision } from '../../model/route-query.ts';
import type { EngineContext } from '../context.ts';
import { explainText, type ExplainSink, type ExplainText } from '../explain.ts';
import { describeRoute } from '../format.ts';
import { buildFibInfo4, goodNhForLookup, type FibInfo4, type FibNh4, type GatewayScope } from './fib4-info.ts';
import { fmt4, type Flow4 } from './flow4.ts';

/** A route in a table's trie (struct fib_alias). */
export interface FibAlias4 {
  readonly prefix: IpPrefix;
  /** fa->tb_id: the table the route was added to */
  readonly tableId: number;
  readonly type: RouteType;
  readonly tos: number;
  readonly metric: number;
  readonly fi: FibInfo4;
}

/** struct fib_result. */
export interface FibResult4 {
  readonly alias: FibAlias4;
  readonly fi: FibInfo4;
  readonly nh: FibNh4;
  readonly prefixLength: number;
  readonly type: RouteType;
  /** id of the table looked up (main for the merged trie) */
  readonly table: number;
  /** the aliases of the trie leaf the result came from (res->fa_head) */
  readonly leaf: readonly FibAlias4[];
  /** the ip rule that produced the result (set by Fib4.lookup) */
  readonly decidedBy?: RuleDecision;
}

export type TableLookup4 =
  | { readonly kind: 'result'; readonly result: FibResult4 }
  | { readonly kind: 'error'; readonly errno: Errno; readonly alias: FibAlias4 }
  | { readonly kind: 'continue'; readonly why: ExplainText };

// mirrors fib_props[].error, net/ipv4/fib_semantics.c
const TYPE_ERRNO: Partial<Record<RouteType, Errno | 'EAGAIN'>> = {
  blackhole: 'EINVAL',
  unreachable: 'EHOSTUNREACH',
  prohibit: 'EACCES',
  throw: 'EAGAIN',
  nat: 'EINVAL',
  xresolve: 'EINVAL',
};

// mirrors fib_find_alias() ordering, net/ipv4/fib_trie.c: table desc, tos desc, metric asc, list order
function compareAliases(a: FibAlias4 & { order: number }, b: FibAlias4 & { order: number }): number {
  return b.tableId - a.tableId || b.tos - a.tos || a.metric - b.metric || a.order - b.order;
}

export class Fib4Table {
  private readonly prefixes: PrefixTable;
  /** aliases per prefix id, in trie order */
  private readonly aliasesById: (readonly FibAlias4[])[];
  /** tb_num_default: number of /0 routes */
  readonly numDefault: number;

  constructor(
    readonly id: number,
    ctx: EngineContext,
    routes: readonly Route[],
    gatewayScope: GatewayScope,
  ) {
    const aliases = routes.map((r) => ({
      prefix: { address: maskAddress(r.dst.address, r.dst.length), length: r.dst.length },
      tableId: r.table,
      type: r.type,
      tos: r.tos,
      metric: r.metric,
      order: r.order,
      fi: buildFibInfo4(ctx, r, gatewayScope),
    }));
    const { table, idOfInput } = buildPrefixTable(4, aliases.map((a) => a.prefix));
    this.prefixes = table;
    const lists: (FibAlias4 & { order: number })[][] = Array.from({ length: table.size }, () => []);
    aliases.forEach((a, i) => lists[idOfInput[i] ?? 0]?.push(a));
    this.aliasesById = lists.map((l) => l.sort(compareAliases));
    this.numDefault = routes.filter((r) => r.dst.length === 0 && r.table === id).length;
  }

  /** The routes of one prefix in trie order (a leaf of the kernel's trie holds several prefix lengths; see `lookup`). */
  aliasesOf(prefix: IpPrefix): readonly FibAlias4[] {
    const id = this.prefixes.longestMatch(prefix.address);
    for (let i = id; i >= 0; i = this.prefixes.parent(i)) {
      const p = this.prefixes.prefixOf(i);
      if (p.length === prefix.length) return this.aliasesById[i] ?? [];
      if (p.length < prefix.length) break;
    }
    return [];
  }

  /**
   * fib_table_lookup(): candidates longest prefix first; per prefix in alias order. Error route types
   * end the lookup with their errno (throw = EAGAIN, i.e. continue with the next rule).
   */
  // mirrors fib_table_lookup(), net/ipv4/fib_trie.c
  lookup(ctx: EngineContext, flow: Flow4, ignoreLinkstate: boolean, explain: ExplainSink): TableLookup4 {
    let skipLeafKey: number | undefined;
    for (let id = this.prefixes.longestMatch4(flow.daddr >>> 0); id >= 0; id = this.prefixes.parent(id)) {
      const prefix = this.prefixes.prefixOf(id);
      const key = Number(prefix.address.value) >>> 0;
      if (skipLeafKey === key) continue;
      skipLeafKey = undefined;
      for (const fa of this.aliasesById[id] ?? []) {
        const what = (): string => `${describeRoute(fa.fi.route)}${fa.tableId !== this.id ? ` (table ${ctx.tableName(fa.tableId)})` : ''}`;
        if (fa.tos !== 0 && fa.tos !== (flow.tos & 0x1c)) {
          explain.add('route', () => `${what()}: skipped, route tos 0x${fa.tos.toString(16)} ≠ packet tos & 0x1c (0x${(flow.tos & 0x1c).toString(16)})`);
          continue;
        }
        if (fa.fi.route.scope < flow.scope) {
          explain.add('route', () => `${what()}: skipped, scope ${fa.fi.route.scope} is wider than the lookup's ${flow.scope}`);
          continue;
        }
        const err = TYPE_ERRNO[fa.type];
        if (err === 'EAGAIN') {
          explain.add('route', () => `${what()}: throw, this table gives no answer`);
          return { kind: 'continue', why: () => `throw route ${describeRoute(fa.fi.route)}` };
        }
        if (err !== undefined) {
          explain.add('route', () => `${what()}: ${fa.type} route, lookup fails with ${err}`);
          return { kind: 'error', errno: err, alias: fa };
        }
        if (fa.fi.allDead) {
          explain.add('route', () => `${what()}: skipped, every next hop is dead`);
          continue;
        }
        const leaf = this.aliasesById[id] ?? [];
        const result = (nh: FibNh4): TableLookup4 => ({
          kind: 'result',
          result: { alias: fa, fi: fa.fi, nh, prefixLength: prefix.length, type: fa.type, table: this.id, leaf },
        });
        if (fa.fi.nhObject) {
          if (fa.fi.nhObject.blackhole) {
            explain.add('route', () => `${what()}: blackhole nexthop object, lookup fails with EINVAL`);
            return { kind: 'error', errno: 'EINVAL', alias: fa };
          }
          const nh = fa.fi.nexthops.find((n) => goodNhForLookup(ctx, n, flow.oif, ignoreLinkstate).ok);
          if (nh) {
            explain.add('route', () => `${what()}: chosen`);
            return result(nh);
          }
          // nexthop_get_nhc_lookup() failed: the kernel skips the rest of this trie leaf
          const id = fa.fi.nhObject.id;
          explain.add('route', () => `${what()}: skipped, no usable member of nexthop ${id} (the rest of leaf ${fmt4(key)} is skipped too)`);
          skipLeafKey = key;
          break;
        }
        const reasons: ExplainText[] = [];
        for (const nh of fa.fi.nexthops) {
          const good = goodNhForLookup(ctx, nh, flow.oif, ignoreLinkstate);
          if (good.ok) {
            explain.add('route', () => `${what()}: chosen`);
            return result(nh);
          }
          reasons.push(good.why);
        }
        explain.add('route', () => `${what()}: skipped, ${reasons.length > 0 ? reasons.map(explainText).join('; ') : 'no next hop'}`);
      }
    }
    return { kind: 'continue', why: () => `no route in table ${ctx.tableName(this.id)} matches ${fmt4(flow.daddr)}` };
  }
}
