// The IPv4 output path: locally generated packets and `ip route get` without iif (net/ipv4/route.c).
import { formatIp } from '../../addr/address.ts';
import type { IpAddress } from '../../addr/types.ts';
import type { RouteType } from '../../model/network-state.ts';
import { LOOPBACK_IFINDEX, RT_SCOPE_HOST, RT_SCOPE_LINK } from '../../model/network-state.ts';
import type { Errno, RuleDecision } from '../../model/route-query.ts';
import type { EngineContext } from '../context.ts';
import type { ExplainSink } from '../explain.ts';
import { describeRoute } from '../format.ts';
import { deviceJoinedGroup, inetSelectAddr, l3mdevMasterIfindex, lookupIfaddr } from './addr4.ts';
import { resultPrefsrc, type FibInfo4, type FibNh4 } from './fib4-info.ts';
import type { Fib4 } from './fib4-lookup.ts';
import type { FibResult4 } from './fib4-table.ts';
import { fmt4, INADDR_LOOPBACK, IPPROTO_IGMP, isLbcast4, isLocalMulticast4, isLoopback4, isMulticast4, type Flow4 } from './flow4.ts';
import { selectPath4, type HashPacket4 } from './select-path4.ts';

/** A route the output path built (struct rtable plus what rt_fill_info reports). */
export interface OutputRoute4 {
  readonly type: RouteType;
  readonly ifindex: number;
  readonly gateway?: IpAddress;
  /** the flow's source address after selection */
  readonly saddr: number;
  /** the lookup's table, 0 when no lookup produced the route */
  readonly table: number;
  /** the FIB entry used (res.fi), for fibmatch */
  readonly result?: FibResult4;
  /** the fib_info the route took its gateway, metrics and realms from (rt_set_nexthop) */
  readonly dstFi?: FibInfo4;
  /** RTCF_LOCAL / RTCF_BROADCAST / RTCF_MULTICAST as cache words */
  readonly cache: readonly string[];
  /** every next hop the kernel may pick when the multipath hash is unknown */
  readonly candidates?: readonly FibNh4[];
}

export type OutputOutcome4 =
  | { readonly kind: 'route'; readonly route: OutputRoute4 }
  | { readonly kind: 'error'; readonly errno: Errno; readonly decidedBy?: RuleDecision };

// mirrors __ip_dev_find(), net/ipv4/devinet.c: an interface address, else a local route in the local table
function ipDevFind(ctx: EngineContext, fib: Fib4, addr: number, explain: ExplainSink): number {
  const ifa = lookupIfaddr(ctx, addr);
  if (ifa) return ifa.ifindex;
  const local = fib.table(255);
  if (!local) return 0;
  const flow: Flow4 = { daddr: addr, saddr: 0, tos: 0, scope: 0, iif: 0, oif: 0, mark: 0, uid: 0, proto: 0, sport: 0, dport: 0, l3mdev: 0, l3mdevFromOif: false };
  const out = explain.nest(() => local.lookup(ctx, flow, false, explain));
  return out.kind === 'result' && out.result.type === 'local' ? out.result.nh.ifindex : 0;
}

function fail(explain: ExplainSink, errno: Errno, why: string): OutputOutcome4 {
  explain.add('check', () => `${why}: ${errno}`);
  return { kind: 'error', errno };
}

interface MakeRouteInput {
  readonly res?: FibResult4;
  readonly type: RouteType;
  readonly devOut: number;
  readonly local: boolean;
  readonly candidates?: readonly FibNh4[];
}

// mirrors __mkroute_output(), net/ipv4/route.c
function makeOutputRoute(ctx: EngineContext, flow: Flow4, m: MakeRouteInput, explain: ExplainSink): OutputOutcome4 {
  const dev = ctx.linkByIndex(m.devOut);
  if (!dev) return fail(explain, 'EINVAL', `output device ${m.devOut} has no IPv4 configuration`);
  if (!ctx.sysctls.routeLocalnet(dev.name) && isLoopback4(flow.saddr) && !dev.loopback && !dev.l3Master) {
    return fail(explain, 'EINVAL', `source ${fmt4(flow.saddr)} is in 127/8 but ${dev.name} is not loopback and route_localnet is off`);
  }
  let type = m.type;
  let res = m.res;
  if (isLbcast4(flow.daddr)) {
    type = 'broadcast';
    res = undefined;
  } else if (isMulticast4(flow.daddr)) {
    type = 'multicast';
  } else if (flow.daddr === 0) {
    return fail(explain, 'EINVAL', 'destination 0.0.0.0');
  }
  const cache = new Set<string>();
  if (dev.loopback || m.local) cache.add('local');
  let gatewayFrom = res;
  if (type === 'broadcast') {
    cache.add('brd');
    cache.add('local');
  } else if (type === 'multicast') {
    cache.add('mc');
    if (deviceJoinedGroup(ctx, dev.ifindex, flow.daddr)) cache.add('local');
    else cache.delete('local');
    // "if multicast route do not exist use default one, but do not gateway in this case"
    if (res && res.prefixLength < 4) gatewayFrom = undefined;
  }
  const nh = gatewayFrom?.nh;
  const gateway = nh?.gateway && nh.scope === RT_SCOPE_LINK ? nh.gateway : undefined;
  explain.add('result', () => `${type} via ${dev.name}${gateway ? ` gateway ${formatIp(gateway)}` : ''}, source ${flow.saddr ? fmt4(flow.saddr) : 'none'}`);
  return {
    kind: 'route',
    route: {
      type,
      ifindex: dev.ifindex,
      ...(gateway ? { gateway } : {}),
      saddr: flow.saddr,
      table: m.res?.table ?? 0,
      ...(m.res ? { result: m.res } : {}),
      ...(gatewayFrom ? { dstFi: gatewayFrom.fi } : {}),
      cache: ['local', 'mc', 'brd'].filter((w) => cache.has(w)),
      ...(m.candidates ? { candidates: m.candidates } : {}),
    },
  };
}

/**
 * ip_route_output_key_hash_rcu(): checks on the source, the oif shortcuts, the lookup (with the
 * on-link fallback when an oif is given), local results, path and source selection.
 * `flow` is updated like the kernel's (saddr, oif).
 */
// mirrors ip_route_output_key_hash_rcu(), net/ipv4/route.c
export function routeOutput4(ctx: EngineContext, fib: Fib4, flow: Flow4, pkt: HashPacket4, explain: ExplainSink): OutputOutcome4 {
  let devOut = 0;
  if (flow.saddr !== 0) {
    if (isMulticast4(flow.saddr) || isLbcast4(flow.saddr)) return fail(explain, 'EINVAL', `source ${fmt4(flow.saddr)} is multicast/broadcast`);
    if (flow.oif === 0 && (isMulticast4(flow.daddr) || isLbcast4(flow.daddr))) {
      devOut = ipDevFind(ctx, fib, flow.saddr, explain);
      if (devOut === 0) return fail(explain, 'ENETUNREACH', `source ${fmt4(flow.saddr)} is not a local address`);
      explain.add('path', () => `multicast/broadcast destination with a local source: sent on ${ctx.devName(devOut)}, the device owning ${fmt4(flow.saddr)}`);
      flow.oif = devOut;
      return makeOutputRoute(ctx, flow, { type: 'unicast', devOut, local: false }, explain);
    }
    if (ipDevFind(ctx, fib, flow.saddr, explain) === 0) return fail(explain, 'ENETUNREACH', `source ${fmt4(flow.saddr)} is not a local address`);
    explain.add('check', () => `source ${fmt4(flow.saddr)} is a local address`);
  }
  if (flow.oif !== 0) {
    const dev = ctx.linkByIndex(flow.oif);
    if (!dev) return fail(explain, 'ENODEV', `no device with ifindex ${flow.oif}`);
    devOut = dev.ifindex;
    if (!dev.up) return fail(explain, 'ENETUNREACH', `oif ${dev.name} is down`);
    if (isLocalMulticast4(flow.daddr) || isLbcast4(flow.daddr) || flow.proto === IPPROTO_IGMP) {
      if (flow.saddr === 0) flow.saddr = inetSelectAddr(ctx, devOut, 0, RT_SCOPE_LINK);
      explain.add('path', () => `link-local multicast or limited broadcast: sent on oif ${dev.name} without a lookup`);
      return makeOutputRoute(ctx, flow, { type: 'unicast', devOut, local: false }, explain);
    }
    if (flow.saddr === 0) {
      if (isMulticast4(flow.daddr)) flow.saddr = inetSelectAddr(ctx, devOut, 0, flow.scope);
      else if (flow.daddr === 0) flow.saddr = inetSelectAddr(ctx, devOut, 0, RT_SCOPE_HOST);
    }
  }
  if (flow.daddr === 0) {
    flow.daddr = flow.saddr !== 0 ? flow.saddr : INADDR_LOOPBACK;
    if (flow.saddr === 0) flow.saddr = INADDR_LOOPBACK;
    flow.oif = LOOPBACK_IFINDEX;
    explain.add('path', () => `destination 0.0.0.0 means this host: local delivery to ${fmt4(flow.daddr)} on lo`);
    return makeOutputRoute(ctx, flow, { type: 'local', devOut: LOOPBACK_IFINDEX, local: true }, explain);
  }
  const looked = fib.lookup(flow, false, explain);
  if (looked.kind === 'error') {
    if (flow.oif !== 0 && (isMulticast4(flow.daddr) || flow.l3mdev === 0)) {
      if (flow.saddr === 0) flow.saddr = inetSelectAddr(ctx, devOut, 0, RT_SCOPE_LINK);
      explain.add('path', () => `lookup failed (${looked.errno}) but an oif is given: the destination is assumed on-link on ${ctx.devName(devOut)}`);
      return makeOutputRoute(ctx, flow, { type: 'unicast', devOut, local: false }, explain);
    }
    return { kind: 'error', errno: looked.errno, ...(looked.decidedBy ? { decidedBy: looked.decidedBy } : {}) };
  }
  const res = looked.result;
  explain.add('route', () => `matched ${describeRoute(res.fi.route)} in table ${ctx.tableName(res.table)}`);
  if (res.type === 'local') {
    if (flow.saddr === 0) {
      flow.saddr = res.fi.route.prefsrc?.family === 4 ? res.fi.route.prefsrc.value : flow.daddr;
      explain.add('source', () => `local destination: source ${fmt4(flow.saddr)} (${res.fi.route.prefsrc ? 'the route\'s src' : 'the destination itself'})`);
    }
    const master = l3mdevMasterIfindex(ctx, res.nh.ifindex);
    devOut = master !== 0 ? master : LOOPBACK_IFINDEX;
    flow.oif = devOut;
    return makeOutputRoute(ctx, flow, { res, type: 'local', devOut, local: true }, explain);
  }
  const table = fib.table(res.table);
  const choice = selectPath4(ctx, res, flow, pkt, table?.numDefault ?? 0, explain);
  const chosen = choice.result;
  if (flow.saddr === 0) {
    const l3 = flow.l3mdev !== 0 ? ctx.linkByIndex(flow.l3mdev) : undefined;
    if (!l3 || l3mdevMasterIfindex(ctx, chosen.nh.ifindex) === l3.ifindex) {
      flow.saddr = resultPrefsrc(ctx, chosen.fi, chosen.nh);
      explain.add('source', () => sourceReason(ctx, chosen, flow.saddr));
    } else {
      flow.saddr = inetSelectAddr(ctx, l3.ifindex, 0, RT_SCOPE_LINK);
      explain.add('source', () => `source ${fmt4(flow.saddr)} from L3 master ${l3.name}`);
    }
  }
  devOut = chosen.nh.ifindex;
  return makeOutputRoute(
    ctx,
    flow,
    { res: chosen, type: chosen.type, devOut, local: false, ...(choice.candidates ? { candidates: choice.candidates } : {}) },
    explain,
  );
}

function sourceReason(ctx: EngineContext, res: FibResult4, saddr: number): string {
  if (res.fi.route.prefsrc) return `source ${fmt4(saddr)}: the route's src`;
  const dev = ctx.devName(res.nh.ifindex);
  if (saddr === 0) return `no usable source address on ${dev} or any other device`;
  const how = res.nh.gateway ? `the first primary address of ${dev} in the gateway's subnet, else the first one` : `the first primary address of ${dev}`;
  return `source ${fmt4(saddr)}: ${how} with scope ≤ ${res.fi.route.scope} (kernel address order)`;
}
