// IPv4 routes as the FIB holds them: fib_info with resolved next hops (net/ipv4/fib_semantics.c, nexthop.c).
import type { IpAddress } from '../../addr/types.ts';
import type { Link, Nexthop, NexthopObject, Route } from '../../model/network-state.ts';
import { RT_SCOPE_HOST, RT_SCOPE_LINK, RT_SCOPE_UNIVERSE, RT_TABLE_MAIN } from '../../model/network-state.ts';
import type { EngineContext } from '../context.ts';
import type { ExplainText } from '../explain.ts';
import { computeUpperBounds } from '../multipath-hash.ts';
import { inetSelectAddr, v4 } from './addr4.ts';

/** One next hop (struct fib_nh / a nexthop object's nh_info). */
export interface FibNh4 {
  /** position in the route (nh_sel) or in the group */
  readonly index: number;
  readonly gateway?: IpAddress;
  readonly dev?: Link;
  /** 0 when the device is unknown */
  readonly ifindex: number;
  readonly weight: number;
  readonly onlink: boolean;
  readonly dead: boolean;
  readonly linkdown: boolean;
  /**
   * nh_scope: host for a directly connected next hop; for a gateway the scope of the route that resolved it
   * when the route was added (link through a connected route, host through a local or scope-host route)
   */
  readonly scope: number;
  readonly flags: readonly string[];
  /** nexthop object id of a group member */
  readonly nhid?: number;
}

/** A route with its next hops resolved (struct fib_info plus the alias fields). */
export interface FibInfo4 {
  readonly route: Route;
  readonly nexthops: readonly FibNh4[];
  /** the route uses a nexthop object (`nhid`) */
  readonly nhObject?: {
    readonly id: number;
    readonly blackhole: boolean;
    readonly group: boolean;
    readonly groupType: 'mpath' | 'resilient' | undefined;
  };
  /** RTNH_F_DEAD on the fib_info: every next hop is dead */
  readonly allDead: boolean;
}

/** What the kernel resolves a gateway with when a route (or nexthop object) is added. */
export interface GatewayCheck {
  /** fc_table: the route's table (a nexthop object: its device's VRF table, else main) */
  readonly table: number;
  /** fc_scope: the route's scope (0 for a nexthop object) */
  readonly scope: number;
  readonly gateway: number;
  /** fib_nh_oif: the next hop's device, 0 when unknown */
  readonly oif: number;
}

/** The scope of the route that resolves a gateway (fib_check_nh_v4_gw()), given by the FIB the next hop lives in. */
export type GatewayScope = (check: GatewayCheck) => number;

// mirrors the nexthop flags fib_nexthop_info() reports (RTNH_F_DEAD, RTNH_F_LINKDOWN, RTNH_F_ONLINK)
function objectFlags(o: NexthopObject): string[] {
  return [...(o.dead ? ['dead'] : []), ...(o.onlink ? ['onlink'] : []), ...(o.linkdown ? ['linkdown'] : [])];
}

// mirrors fib_check_nh(), net/ipv4/fib_semantics.c: onlink and IPv6 gateways get link, gateways the resolving route's scope
function nhScope(nh: Nexthop | NexthopObject, check: Omit<GatewayCheck, 'gateway'>, gatewayScope: GatewayScope): () => number {
  if (!nh.gateway) return () => RT_SCOPE_HOST;
  if (nh.onlink || nh.gateway.family !== 4) return () => RT_SCOPE_LINK;
  const gateway = v4(nh.gateway);
  return () => gatewayScope({ ...check, gateway });
}

function makeNh(
  ctx: EngineContext,
  index: number,
  nh: Nexthop | NexthopObject,
  weight: number,
  check: Omit<GatewayCheck, 'gateway' | 'oif'>,
  gatewayScope: GatewayScope,
  nhid?: number,
): FibNh4 {
  const dev = nh.dev !== undefined ? ctx.linkByName(nh.dev) : undefined;
  const flags = 'flags' in nh ? nh.flags : objectFlags(nh);
  // resolved on first use: the lookup needs the whole FIB, which is still being built here
  const resolveScope = nhScope(nh, { ...check, oif: dev?.ifindex ?? 0 }, gatewayScope);
  let scope: number | undefined;
  return {
    index,
    ...(nh.gateway ? { gateway: nh.gateway } : {}),
    ...(dev ? { dev } : {}),
    ifindex: dev?.ifindex ?? 0,
    weight,
    onlink: nh.onlink,
    // RTNH_F_DEAD is set only when the device goes down; on an up device the dump's "dead" merely shows a
    // linkdown next hop ignored by ignore_routes_with_linkdown (fib_nexthop_info()), which good_nh tests itself
    dead: nh.dead && !(dev !== undefined && dev.up),
    linkdown: nh.linkdown,
    get scope(): number {
      return (scope ??= resolveScope());
    },
    flags,
    ...(nhid !== undefined ? { nhid } : {}),
  };
}

/** nh_create_ipv4(): a nexthop object's gateway is checked in its device's VRF table, else through the rules. */
function objectCheck(ctx: EngineContext, obj: NexthopObject): Omit<GatewayCheck, 'gateway' | 'oif'> {
  const dev = obj.dev !== undefined ? ctx.linkByName(obj.dev) : undefined;
  const master = dev?.master !== undefined ? ctx.linkByName(dev.master) : undefined;
  return { table: (dev?.l3Master ? dev.vrfTable : master?.l3Master ? master.vrfTable : undefined) ?? RT_TABLE_MAIN, scope: RT_SCOPE_UNIVERSE };
}

export function buildFibInfo4(ctx: EngineContext, route: Route, gatewayScope: GatewayScope): FibInfo4 {
  if (route.nhid !== undefined) {
    const obj = ctx.nexthopObject(route.nhid);
    if (!obj) return { route, nexthops: [], allDead: true };
    const nexthops: FibNh4[] = [];
    if (obj.group) {
      obj.group.forEach((member, i) => {
        const m = ctx.nexthopObject(member.id);
        if (m) nexthops.push(makeNh(ctx, i, m, member.weight, objectCheck(ctx, m), gatewayScope, m.id));
      });
    } else if (!obj.blackhole) {
      nexthops.push(makeNh(ctx, 0, obj, 1, objectCheck(ctx, obj), gatewayScope, obj.id));
    }
    return {
      route,
      nexthops,
      nhObject: { id: obj.id, blackhole: obj.blackhole, group: obj.group !== undefined, groupType: obj.group ? (obj.groupType ?? 'mpath') : undefined },
      allDead: false,
    };
  }
  const check = { table: route.table, scope: route.scope };
  const nexthops = route.nexthops.map((nh, i) => makeNh(ctx, i, nh, nh.weight, check, gatewayScope));
  return { route, nexthops, allDead: nexthops.length > 0 && nexthops.every((nh) => nh.dead) };
}

// mirrors ip_ignore_linkdown() + RTNH_F_LINKDOWN, include/net/ip_fib.h
export function nhIgnoredForLinkdown(ctx: EngineContext, nh: FibNh4): boolean {
  return nh.linkdown && nh.dev !== undefined && ctx.sysctls.ignoreRoutesWithLinkdown(nh.dev.name);
}

// mirrors fib_lookup_good_nhc(), include/net/ip_fib.h
export function goodNhForLookup(ctx: EngineContext, nh: FibNh4, oif: number, ignoreLinkstate: boolean): { ok: boolean; why: ExplainText } {
  if (nh.dead) return { ok: false, why: 'next hop is dead' };
  if (!ignoreLinkstate && nhIgnoredForLinkdown(ctx, nh)) return { ok: false, why: 'next hop is linkdown and ignore_routes_with_linkdown is set' };
  if (oif !== 0 && oif !== nh.ifindex) return { ok: false, why: () => `next hop device ${nh.dev?.name ?? '?'} is not oif ${ctx.devName(oif)}` };
  return { ok: true, why: '' };
}

/** Number of paths (fib_info_num_path): next hops of a multipath route or members of a group. */
export function numPaths(fi: FibInfo4): number {
  if (fi.nhObject) return fi.nhObject.group ? fi.nexthops.length : 1;
  return fi.nexthops.length;
}

// mirrors fib_rebalance(), net/ipv4/fib_semantics.c, and nh_hthr_group_rebalance(), net/ipv4/nexthop.c
export function upperBounds(ctx: EngineContext, fi: FibInfo4): number[] {
  const weights = fi.nexthops.map((nh) => nh.weight);
  // group members keep their share whatever their state; fib_info next hops lose it when dead/ignored
  const alive = fi.nhObject ? fi.nexthops.map(() => true) : fi.nexthops.map((nh) => !nh.dead && !nhIgnoredForLinkdown(ctx, nh));
  return computeUpperBounds(weights, alive);
}

/**
 * The next hop's cached source address (nh_saddr): a route's next hop caches it with the route's scope, a
 * nexthop object at creation with nh_scope - 1 (nh_create_ipv4()). The kernel recomputes the cache with the
 * route's scope after any IPv4 address change (dev_addr_genid), history a snapshot does not show.
 */
// mirrors fib_info_update_nhc_saddr(), net/ipv4/fib_semantics.c
export function nhSaddr(ctx: EngineContext, fi: FibInfo4, nh: FibNh4): number {
  const gw = nh.gateway && nh.gateway.family === 4 ? v4(nh.gateway) : 0;
  const scope = fi.nhObject ? Math.max(nh.scope - 1, 0) : fi.route.scope;
  return inetSelectAddr(ctx, nh.ifindex, gw, scope);
}

// mirrors fib_result_prefsrc(), net/ipv4/fib_semantics.c
export function resultPrefsrc(ctx: EngineContext, fi: FibInfo4, nh: FibNh4): number {
  if (fi.route.prefsrc && fi.route.prefsrc.family === 4) return v4(fi.route.prefsrc);
  return nhSaddr(ctx, fi, nh);
}
