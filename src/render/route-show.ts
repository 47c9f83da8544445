// `ip route show [table X]` for a NetworkState: text or JSON, byte for byte as iproute2 6.1 prints it.
import type { Family } from '../addr/types.ts';
import {
  RT_TABLE_MAIN,
  type NetworkState,
  type Nexthop,
  type NexthopObject,
  type Route,
} from '../model/network-state.ts';
import { printDocument, PLAIN_PALETTE, type Palette } from './ip-printer.ts';
import { flagBits, printRouteMessage, RT_FLAG_BITS, type RouteMessage, type RouteNexthopAttr } from './route-message.ts';

export interface RouteShowOptions {
  /** `-4` / `-6`; undefined: IPv4, or both families with `table all` */
  readonly family?: Family;
  /** table id, or 'all' (default: main) */
  readonly table?: number | 'all';
  readonly json: boolean;
  /** `-d` */
  readonly details?: boolean;
  readonly palette?: Palette;
}

const REJECT_TYPES = new Set(['unreachable', 'prohibit', 'blackhole', 'throw']);

function nexthopFlagBits(nh: { dead: boolean; onlink: boolean; linkdown: boolean; flags: readonly string[] }): number {
  let bits = flagBits(nh.flags, RT_FLAG_BITS);
  if (nh.dead) bits |= 0x1;
  if (nh.onlink) bits |= 0x4;
  if (nh.linkdown) bits |= 0x10;
  return bits >>> 0;
}

function nexthopAttr(nh: Nexthop): RouteNexthopAttr {
  return {
    ...(nh.gateway ? { gateway: nh.gateway } : {}),
    ...(nh.dev !== undefined ? { dev: nh.dev } : {}),
    weight: nh.weight,
    flags: nexthopFlagBits(nh),
  };
}

function objectAttr(obj: NexthopObject, weight: number): RouteNexthopAttr {
  return {
    ...(obj.gateway ? { gateway: obj.gateway } : {}),
    ...(obj.dev !== undefined ? { dev: obj.dev } : {}),
    weight,
    flags: nexthopFlagBits({ ...obj, flags: [] }),
  };
}

/** The next hops a route carries in its message: its own, or those of its nexthop object (group members). */
function routeNexthops(route: Route, objects: ReadonlyMap<number, NexthopObject>): RouteNexthopAttr[] {
  if (route.nhid === undefined) return route.nexthops.map(nexthopAttr);
  const obj = objects.get(route.nhid);
  if (!obj) return route.nexthops.map(nexthopAttr);
  // a blackhole nexthop sits on the loopback device
  if (!obj.group) return [objectAttr(obj.blackhole ? { ...obj, dev: 'lo' } : obj, 1)];
  return obj.group.flatMap((member) => {
    const m = objects.get(member.id);
    return m ? [objectAttr(m, member.weight)] : [];
  });
}

// mirrors fib_dump_info(), net/ipv4/fib_semantics.c, and rt6_fill_node(), net/ipv6/route.c
export function routeToMessage(route: Route, objects: ReadonlyMap<number, NexthopObject>): RouteMessage {
  const nexthops = routeNexthops(route, objects);
  const single = nexthops.length === 1 ? nexthops[0] : undefined;
  const group = route.nhid !== undefined && objects.get(route.nhid)?.group !== undefined;
  // IPv4 prints one path at top level, even a group's last member (fib_info_num_path() == 1);
  // IPv6 prints every group as RTA_MULTIPATH (rt6_fill_node_nexthop())
  const multipath = nexthops.length > 1 || (group && route.family === 6 && nexthops.length > 0);
  let flags = flagBits(route.flags, RT_FLAG_BITS);
  if (single && !multipath) flags |= single.flags;
  // IPv6 reject routes point at the loopback device
  const rejectDev = route.family === 6 && REJECT_TYPES.has(route.type) && nexthops.length === 0 ? 'lo' : undefined;
  const dev = !multipath && single?.dev !== undefined ? single.dev : rejectDev;
  return {
    family: route.family,
    type: route.type,
    ...(route.dst.length > 0 ? { dst: route.dst.address } : {}),
    dstLen: route.dst.length,
    ...(route.src && route.src.length > 0 ? { src: route.src.address } : {}),
    srcLen: route.src?.length ?? 0,
    tos: route.tos,
    table: route.table,
    protocol: route.protocol,
    scope: route.scope,
    flags: flags >>> 0,
    ...(route.nhid !== undefined ? { nhid: route.nhid } : {}),
    ...(!multipath && single?.gateway ? { gateway: single.gateway } : {}),
    ...(dev !== undefined ? { dev } : {}),
    ...(route.prefsrc ? { prefsrc: route.prefsrc } : {}),
    ...(route.family === 6 || route.metric !== 0 ? { metric: route.metric } : {}),
    ...(route.realms !== undefined ? { realms: route.realms } : {}),
    ...(route.expires !== undefined ? { expires: route.expires } : {}),
    ...(route.metrics ? { metrics: route.metrics } : {}),
    ...(route.family === 6 ? { pref: route.pref ?? 'medium' } : {}),
    ...(multipath ? { multipath: nexthops } : {}),
  };
}

/** The families a listing covers, in the order the kernel dumps them. */
function dumpFamilies(opts: RouteShowOptions): Family[] {
  if (opts.family !== undefined) return [opts.family];
  return opts.table === 'all' ? [4, 6] : [4];
}

// mirrors iproute_list_flush_or_save() + filter_nlmsg(), ip/iproute.c
export function renderRouteShow(state: NetworkState, opts: RouteShowOptions): string {
  const filterTable = opts.table === 'all' ? 0 : (opts.table ?? RT_TABLE_MAIN);
  const objects = new Map(state.nexthopObjects.map((o) => [o.id, o]));
  const printOptions = { details: opts.details ?? false, filterTable, tables: state.rtTables, nexthopObjects: objects };
  return printDocument(opts.json, opts.palette ?? PLAIN_PALETTE, (p) => {
    for (const family of dumpFamilies(opts)) {
      const routes = state.routes
        .filter((r) => r.family === family && (filterTable === 0 || r.table === filterTable))
        .sort((a, b) => a.order - b.order);
      for (const route of routes) printRouteMessage(p, routeToMessage(route, objects), printOptions);
    }
  });
}
