// One IPv6 routing table as the kernel's fib6 tree holds it: destination nodes, source subtrees, leaf lists.
import { buildPrefixTable } from '../../addr/fast-prefix-table.ts';
import { makePrefix } from '../../addr/prefix.ts';
import type { PrefixTable } from '../../addr/prefix-table.ts';
import type { IpAddress, IpPrefix } from '../../addr/types.ts';
import type { Nexthop, NexthopObject, Route, RouteType } from '../../model/network-state.ts';

/** The route types that carry RTF_REJECT: they answer with an errno and have no real next hop. */
export const REJECT_TYPES: ReadonlySet<RouteType> = new Set(['unreachable', 'prohibit', 'blackhole', 'throw']);

/** One fib6_nh: the device and gateway of a path, with the flags the lookup tests. */
export interface Fib6Nh {
  readonly dev: string;
  readonly gateway?: IpAddress;
  readonly dead: boolean;
  readonly linkdown: boolean;
  readonly weight: number;
  /** nexthop flags as iproute2 prints them ("onlink", "linkdown", …) */
  readonly flags: readonly string[];
}

/** A route using a nexthop object (`nhid`): one nexthop, a group, or a blackhole. */
export interface Fib6NexthopObject {
  readonly id: number;
  readonly blackhole: boolean;
  /** the nexthops in group member order (one for a plain nexthop object); weights are the group's */
  readonly members: readonly Fib6Nh[];
  /** hash-threshold ("mpath") or resilient group; undefined for a single nexthop */
  readonly groupType?: 'mpath' | 'resilient';
}

/**
 * One fib6_info: the kernel keeps one per path, so a multipath route is several entries that are
 * siblings of each other.
 */
export interface Fib6Entry {
  readonly route: Route;
  readonly table: number;
  readonly metric: number;
  readonly reject: boolean;
  /** the built-in nexthop (reject types use lo); undefined for nexthop-object routes */
  readonly nh?: Fib6Nh;
  readonly nhObject?: Fib6NexthopObject;
  /** the ECMP siblings in the order the kernel walks them (first sibling first); just this entry when none */
  readonly siblings: readonly Fib6Entry[];
}

/** A node of the tree that carries routes: its leaf list in kernel order (metric, then insertion). */
export interface Fib6Node {
  readonly dst: IpPrefix;
  /** the source prefix of a node in a source subtree */
  readonly src?: IpPrefix;
  readonly entries: readonly Fib6Entry[];
}

interface SourceSubtree {
  readonly prefixes: PrefixTable;
  readonly nodes: readonly Fib6Node[];
}

interface DestinationNode {
  /** routes without `from` (RTN_RTINFO on the destination node) */
  readonly plain?: Fib6Node;
  /** routes with `from`, keyed by source prefix */
  readonly subtree?: SourceSubtree;
}

const ROOT_DST: IpPrefix = { address: { family: 6, value: 0n }, length: 0 };

function nhOf(hop: Nexthop): Fib6Nh | undefined {
  if (hop.dev === undefined) return undefined;
  const { dev, dead, linkdown, weight, flags } = hop;
  return { dev, ...(hop.gateway ? { gateway: hop.gateway } : {}), dead, linkdown, weight, flags };
}

function nhOfObject(o: NexthopObject, weight: number): Fib6Nh | undefined {
  if (o.dev === undefined) return undefined;
  const flags = [...(o.dead ? ['dead'] : []), ...(o.linkdown ? ['linkdown'] : []), ...(o.onlink ? ['onlink'] : [])];
  return { dev: o.dev, ...(o.gateway ? { gateway: o.gateway } : {}), dead: o.dead, linkdown: o.linkdown, weight, flags };
}

/** Resolves `nhid N` to its nexthops; undefined when the object (or a member) is missing from the state. */
export function resolveNexthopObject(id: number, byId: (id: number) => NexthopObject | undefined): Fib6NexthopObject | undefined {
  const o = byId(id);
  if (!o) return undefined;
  if (o.blackhole) return { id, blackhole: true, members: [] };
  if (!o.group) {
    const nh = nhOfObject(o, 1);
    return nh ? { id, blackhole: false, members: [nh] } : undefined;
  }
  const members: Fib6Nh[] = [];
  for (const m of o.group) {
    const member = byId(m.id);
    const nh = member ? nhOfObject(member, m.weight) : undefined;
    if (!nh) return undefined;
    members.push(nh);
  }
  return { id, blackhole: false, members, groupType: o.groupType ?? 'mpath' };
}

/** The fib6_info entries of one model route (several for a multipath route). */
function entriesOf(route: Route, byId: (id: number) => NexthopObject | undefined): Fib6Entry[] {
  // a nexthop-object route is never a reject route: `ip route` shows a blackhole nexthop's route as type blackhole
  const reject = route.nhid === undefined && REJECT_TYPES.has(route.type);
  const siblings: Fib6Entry[] = [];
  const add = (path: { nh: Fib6Nh } | { nhObject: Fib6NexthopObject }) => {
    siblings.push({ route, table: route.table, metric: route.metric, reject, ...path, siblings });
  };
  if (route.nhid !== undefined) {
    const nhObject = resolveNexthopObject(route.nhid, byId);
    if (nhObject) add({ nhObject });
  } else if (reject) {
    // reject routes get the loopback device as their nexthop (ip6_route_info_create())
    add({ nh: { dev: 'lo', dead: false, linkdown: false, weight: 1, flags: [] } });
  } else {
    for (const hop of route.nexthops) {
      const nh = nhOf(hop);
      if (nh) add({ nh });
    }
  }
  return siblings;
}

function byLeafOrder(a: Route, b: Route): number {
  return a.metric - b.metric || a.order - b.order;
}

function nodeOf(dst: IpPrefix, src: IpPrefix | undefined, routes: readonly Route[], byId: (id: number) => NexthopObject | undefined): Fib6Node {
  const entries = [...routes].sort(byLeafOrder).flatMap((r) => entriesOf(r, byId));
  return { dst, ...(src ? { src } : {}), entries };
}

function prefixKey(p: IpPrefix): string {
  return `${p.address.value}/${p.length}`;
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

/**
 * The longest-first chain of prefixes of `table` that contain `addr` (the node and its parents).
 */
function containing(table: PrefixTable, addr: IpAddress): number[] {
  const out: number[] = [];
  for (let id = table.longestMatch(addr); id >= 0; id = table.parent(id)) out.push(id);
  return out;
}

export class Fib6Table {
  private readonly dstPrefixes: PrefixTable;
  private readonly dstNodes: readonly DestinationNode[];
  /** id of ::/0, the table's root node */
  private readonly rootId: number;

  constructor(
    readonly id: number,
    routes: readonly Route[],
    nexthopObject: (id: number) => NexthopObject | undefined,
  ) {
    const byDst = groupBy(routes, (r) => prefixKey(makePrefix(r.dst.address, r.dst.length)));
    const dsts = [ROOT_DST, ...[...byDst.values()].map((rs) => makePrefix(rs[0]!.dst.address, rs[0]!.dst.length))];
    const build = buildPrefixTable(6, dsts);
    this.dstPrefixes = build.table;
    this.rootId = build.idOfInput[0]!;
    const nodes: DestinationNode[] = new Array<DestinationNode>(build.table.size).fill({});
    dsts.forEach((dst, i) => {
      const rs = byDst.get(prefixKey(dst)) ?? [];
      const plain = rs.filter((r) => !r.src || r.src.length === 0);
      const sourced = rs.filter((r) => r.src && r.src.length > 0);
      nodes[build.idOfInput[i]!] = {
        ...(plain.length > 0 ? { plain: nodeOf(dst, undefined, plain, nexthopObject) } : {}),
        ...(sourced.length > 0 ? { subtree: this.subtreeOf(dst, sourced, nexthopObject) } : {}),
      };
    });
    this.dstNodes = nodes;
  }

  private subtreeOf(dst: IpPrefix, routes: readonly Route[], nexthopObject: (id: number) => NexthopObject | undefined): SourceSubtree {
    const bySrc = groupBy(routes, (r) => prefixKey(makePrefix(r.src!.address, r.src!.length)));
    const srcs = [...bySrc.values()].map((rs) => makePrefix(rs[0]!.src!.address, rs[0]!.src!.length));
    const build = buildPrefixTable(6, srcs);
    const nodes = new Array<Fib6Node>(build.table.size);
    srcs.forEach((src, i) => {
      nodes[build.idOfInput[i]!] = nodeOf(dst, src, bySrc.get(prefixKey(src)) ?? [], nexthopObject);
    });
    return { prefixes: build.table, nodes };
  }

  private sourceNodes(d: DestinationNode, saddr: IpAddress): Fib6Node[] {
    const subtree = d.subtree;
    return subtree ? containing(subtree.prefixes, saddr).map((id) => subtree.nodes[id]!) : [];
  }

  /**
   * The nodes rt6_select() visits for (daddr, saddr), in order: the node fib6_node_lookup() finds, then
   * every node fib6_backtrack() climbs to. A destination with source routes is entered through its
   * subtree; when no source prefix matches, the initial lookup skips that destination's plain routes
   * while backtracking from a longer prefix visits them (kernel behaviour, see spec §8.2 notes).
   */
  // mirrors fib6_node_lookup_1() (net/ipv6/ip6_fib.c) and fib6_backtrack() (net/ipv6/route.c)
  nodesFor(daddr: IpAddress, saddr: IpAddress): Fib6Node[] {
    const chain = containing(this.dstPrefixes, daddr);
    let start = chain.findIndex((id) => {
      const d = this.dstNodes[id]!;
      return d.subtree ? this.sourceNodes(d, saddr).length > 0 : d.plain !== undefined;
    });
    const out: Fib6Node[] = [];
    const visit = (id: number) => {
      const d = this.dstNodes[id]!;
      out.push(...this.sourceNodes(d, saddr));
      if (d.plain) out.push(d.plain);
    };
    if (start < 0) {
      // nothing matched: the lookup ends at the root, whose own routes are still tried
      start = chain.indexOf(this.rootId);
      const root = this.dstNodes[this.rootId]!;
      if (root.plain) out.push(root.plain);
    } else {
      visit(chain[start]!);
    }
    for (const id of chain.slice(start + 1)) visit(id);
    return out;
  }
}

/** Every table of the state's IPv6 routes, by id. */
export function buildFib6Tables(routes: readonly Route[], nexthopObject: (id: number) => NexthopObject | undefined): Map<number, Fib6Table> {
  const byTable = groupBy(
    routes.filter((r) => r.family === 6),
    (r) => String(r.table),
  );
  const out = new Map<number, Fib6Table>();
  for (const [id, rs] of byTable) out.set(Number(id), new Fib6Table(Number(id), rs, nexthopObject));
  return out;
}
