// The IPv4 input path: received packets and `ip route get … iif DEV` (net/ipv4/route.c).
import type { IpAddress } from '../../addr/types.ts';
import type { Link, RouteType } from '../../model/network-state.ts';
import { RT_SCOPE_LINK } from '../../model/network-state.ts';
import type { Errno, RuleDecision } from '../../model/route-query.ts';
import type { EngineContext } from '../context.ts';
import type { ExplainSink } from '../explain.ts';
import { describeRoute } from '../format.ts';
import { kernelAtLeast } from '../kernel-version.ts';
import { deviceJoinedGroup, inetAddrOnlink, l3mdevMasterIfindex } from './addr4.ts';
import { numPaths, type FibInfo4, type FibNh4 } from './fib4-info.ts';
import type { Fib4 } from './fib4-lookup.ts';
import type { FibResult4 } from './fib4-table.ts';
import { fmt4, IPPROTO_IGMP, isLbcast4, isLocalMulticast4, isLoopback4, isMulticast4, type Flow4 } from './flow4.ts';
import { describeUpperBounds, multipathHash4, selectMultipath4, type HashPacket4 } from './select-path4.ts';
import { validateSource4, type InputPacket4 } from './validate-source4.ts';

/** A route the input path built (struct rtable with rt_is_input). */
export interface InputRoute4 {
  readonly type: RouteType;
  readonly ifindex: number;
  readonly gateway?: IpAddress;
  /** the lookup's table, 0 when no lookup produced the route */
  readonly table: number;
  readonly result?: FibResult4;
  /** the fib_info the route took its gateway, metrics and realms from (rt_set_nexthop) */
  readonly dstFi?: FibInfo4;
  readonly cache: readonly string[];
  readonly candidates?: readonly FibNh4[];
}

export type InputOutcome4 =
  | { readonly kind: 'route'; readonly route: InputRoute4 }
  /** a dropped or refused packet; `logLine` is what the kernel logs with log_martians on */
  | { readonly kind: 'error'; readonly errno: Errno; readonly logLine?: string; readonly decidedBy?: RuleDecision };

/** The received packet: header fields, skb mark, and the protocol/ports of its L4 header. */
export interface ReceivedPacket4 {
  readonly saddr: number;
  readonly daddr: number;
  readonly tos: number;
  readonly mark: number;
  readonly proto: number;
  readonly sport: number;
  readonly dport: number;
}

function ipVersionErrno(ctx: EngineContext, rpFilterFailure: boolean): Errno {
  // 6.13+: inet_rtm_getroute() turns every drop reason into EINVAL; before, fib_validate_source's EXDEV came through
  return rpFilterFailure && !kernelAtLeast(ctx.kernel, 6, 13) ? 'EXDEV' : 'EINVAL';
}

function martianSource(ctx: EngineContext, dev: Link, pkt: ReceivedPacket4, why: string, explain: ExplainSink, rpFilter = false): InputOutcome4 {
  const logLine = `IPv4: martian source ${fmt4(pkt.daddr)} from ${fmt4(pkt.saddr)}, on dev ${dev.name}`;
  const errno = ipVersionErrno(ctx, rpFilter);
  explain.add('check', () => `martian source: ${why} (${errno})`);
  explain.add('note', () => `kernel log${ctx.sysctls.logMartians(dev.name) ? '' : ' (only with log_martians on; it is off)'}: ${logLine}`);
  return { kind: 'error', errno, logLine };
}

function martianDestination(ctx: EngineContext, dev: Link, pkt: ReceivedPacket4, why: string, explain: ExplainSink): InputOutcome4 {
  const logLine = `IPv4: martian destination ${fmt4(pkt.daddr)} from ${fmt4(pkt.saddr)}, dev ${dev.name}`;
  explain.add('check', () => `martian destination: ${why} (EINVAL)`);
  explain.add('note', () => `kernel log${ctx.sysctls.logMartians(dev.name) ? '' : ' (only with log_martians on; it is off)'}: ${logLine}`);
  return { kind: 'error', errno: 'EINVAL', logLine };
}

function forRules(fib: Fib4, pkt: ReceivedPacket4): { proto: number; sport: number; dport: number } {
  // fib4_rules_early_flow_dissect(): protocol and ports only when some rule needs them; ports only for TCP/UDP
  if (!fib.requireFlowDissect) return { proto: 0, sport: 0, dport: 0 };
  const ports = pkt.proto === 6 || pkt.proto === 17;
  return { proto: pkt.proto, sport: ports ? pkt.sport : 0, dport: ports ? pkt.dport : 0 };
}

function inputPacket(fib: Fib4, pkt: ReceivedPacket4): InputPacket4 {
  return { saddr: pkt.saddr, daddr: pkt.daddr, tos: pkt.tos, mark: pkt.mark, ...forRules(fib, pkt) };
}

// mirrors ip_route_input_mc() and ip_mc_validate_source(), net/ipv4/route.c
function routeInputMulticast(ctx: EngineContext, fib: Fib4, pkt: ReceivedPacket4, dev: Link, our: boolean, explain: ExplainSink): InputOutcome4 {
  const fail = (why: string): InputOutcome4 => {
    explain.add('check', () => `${why}: EINVAL`);
    return { kind: 'error', errno: 'EINVAL' };
  };
  if (isMulticast4(pkt.saddr) || isLbcast4(pkt.saddr)) return fail(`multicast packet from ${fmt4(pkt.saddr)} (multicast/broadcast source)`);
  if (isLoopback4(pkt.saddr) && !ctx.sysctls.routeLocalnet(dev.name)) return fail(`multicast packet from ${fmt4(pkt.saddr)} in 127/8 without route_localnet`);
  if (pkt.saddr === 0) {
    if (!isLocalMulticast4(pkt.daddr) && pkt.proto !== IPPROTO_IGMP) return fail('source 0.0.0.0 is only allowed for 224.0.0.0/24 and IGMP');
  } else {
    const v = validateSource4(ctx, fib, inputPacket(fib, pkt), pkt.saddr, 0, 0, dev, explain);
    if (!v.ok) {
      const errno = ipVersionErrno(ctx, v.errno === 'EXDEV');
      explain.add('check', () => `multicast source rejected (${errno})`);
      return { kind: 'error', errno };
    }
  }
  const cache = our ? ['local', 'mc'] : ['mc'];
  explain.add('result', () => `multicast ${fmt4(pkt.daddr)} received on ${dev.name}${our ? ' (joined: local delivery)' : ''}`);
  return { kind: 'route', route: { type: 'multicast', ifindex: 1, table: 0, cache } };
}

/**
 * ip_route_input_rcu() / ip_route_input_slow(): multicast, martian checks, lookup, local delivery
 * (with source validation), broadcast, forwarding (multipath, source validation, redirect flag).
 */
// mirrors ip_route_input_rcu() and ip_route_input_slow(), net/ipv4/route.c
export function routeInput4(ctx: EngineContext, fib: Fib4, pkt: ReceivedPacket4, dev: Link, explain: ExplainSink): InputOutcome4 {
  const { saddr, daddr } = pkt;
  if (isMulticast4(daddr)) {
    const our = deviceJoinedGroup(ctx, dev.ifindex, daddr);
    const mcForward = !isLocalMulticast4(daddr) && ctx.sysctls.mcForwarding(dev.name);
    if (our || mcForward) return routeInputMulticast(ctx, fib, pkt, dev, our, explain);
    explain.add('check', () => `${dev.name} has not joined ${fmt4(daddr)} and does not forward multicast: EINVAL`);
    return { kind: 'error', errno: 'EINVAL' };
  }
  if (isMulticast4(saddr) || isLbcast4(saddr)) return martianSource(ctx, dev, pkt, `source ${fmt4(saddr)} is multicast/broadcast`, explain);
  if (isLbcast4(daddr) || (saddr === 0 && daddr === 0)) return broadcastInput(ctx, fib, pkt, dev, undefined, explain);
  if (saddr === 0) return martianSource(ctx, dev, pkt, 'source 0.0.0.0', explain);
  if (daddr === 0) return martianDestination(ctx, dev, pkt, 'destination 0.0.0.0', explain);
  if (isLoopback4(daddr)) {
    if (!ctx.sysctls.routeLocalnet(dev.name)) return martianDestination(ctx, dev, pkt, `destination ${fmt4(daddr)} in 127/8 and route_localnet is off`, explain);
  } else if (isLoopback4(saddr)) {
    if (!ctx.sysctls.routeLocalnet(dev.name)) return martianSource(ctx, dev, pkt, `source ${fmt4(saddr)} in 127/8 and route_localnet is off`, explain);
  }
  const rulesView = forRules(fib, pkt);
  const flow: Flow4 = {
    daddr,
    saddr,
    tos: pkt.tos,
    scope: 0,
    iif: dev.ifindex,
    oif: 0,
    mark: pkt.mark,
    uid: 0,
    ...rulesView,
    l3mdev: 0,
    l3mdevFromOif: false,
  };
  const forwarding = ctx.sysctls.forwarding(dev.name);
  const looked = fib.lookup(flow, false, explain);
  if (looked.kind === 'error') {
    const errno: Errno = forwarding ? looked.errno : 'EHOSTUNREACH';
    explain.add('check', () => (forwarding ? `no route: ${errno}` : `no route (${looked.errno}) and ${dev.name} does not forward: EHOSTUNREACH`));
    return { kind: 'error', errno, ...(looked.decidedBy ? { decidedBy: looked.decidedBy } : {}) };
  }
  const res = looked.result;
  explain.add('route', () => `matched ${describeRoute(res.fi.route)} in table ${ctx.tableName(res.table)}`);
  if (res.type === 'broadcast') {
    if (ctx.sysctls.bcForwarding(dev.name)) return forward(ctx, fib, pkt, dev, res, explain);
    return broadcastInput(ctx, fib, pkt, dev, res, explain);
  }
  if (res.type === 'local') {
    const v = validateSource4(ctx, fib, inputPacket(fib, pkt), saddr, daddr, 0, dev, explain);
    if (!v.ok) return martianSource(ctx, dev, pkt, 'source validation failed', explain, v.errno === 'EXDEV');
    return localInput(ctx, res, 'local', [], explain);
  }
  if (!forwarding) {
    explain.add('check', () => `${dev.name} has forwarding off: EHOSTUNREACH`);
    return { kind: 'error', errno: 'EHOSTUNREACH', ...(res.decidedBy ? { decidedBy: res.decidedBy } : {}) };
  }
  if (res.type !== 'unicast') return martianDestination(ctx, dev, pkt, `the route is of type ${res.type}`, explain);
  return forward(ctx, fib, pkt, dev, res, explain);
}

function localInput(ctx: EngineContext, res: FibResult4 | undefined, type: RouteType, extraCache: readonly string[], explain: ExplainSink): InputOutcome4 {
  // ip_rt_get_dev(): the L3 master of the result's device, else lo
  const nhDev = res ? res.nh.ifindex : 0;
  const master = nhDev !== 0 ? l3mdevMasterIfindex(ctx, nhDev) : 0;
  const ifindex = master !== 0 && ctx.linkByIndex(master)?.l3Master ? master : 1;
  explain.add('result', () => `${type === 'broadcast' ? 'broadcast' : 'local'} delivery on ${ctx.devName(ifindex)}`);
  return {
    kind: 'route',
    route: { type, ifindex, table: res?.table ?? 0, ...(res ? { result: res } : {}), cache: ['local', ...extraCache] },
  };
}

function broadcastInput(ctx: EngineContext, fib: Fib4, pkt: ReceivedPacket4, dev: Link, res: FibResult4 | undefined, explain: ExplainSink): InputOutcome4 {
  if (pkt.saddr !== 0) {
    const v = validateSource4(ctx, fib, inputPacket(fib, pkt), pkt.saddr, 0, 0, dev, explain);
    if (!v.ok) return martianSource(ctx, dev, pkt, 'source validation failed', explain, v.errno === 'EXDEV');
  }
  return localInput(ctx, res, 'broadcast', ['brd'], explain);
}

// mirrors ip_mkroute_input() and __mkroute_input(), net/ipv4/route.c
function forward(ctx: EngineContext, fib: Fib4, pkt: ReceivedPacket4, dev: Link, found: FibResult4, explain: ExplainSink): InputOutcome4 {
  let res = found;
  let candidates: readonly FibNh4[] | undefined;
  if (numPaths(res.fi) > 1) {
    explain.add('path', () => `multipath route: ${describeUpperBounds(ctx, res.fi)}`);
    const hashPkt: HashPacket4 = pkt;
    const h = multipathHash4(ctx, hashPkt);
    if ('unknown' in h) explain.add('note', () => `next hop not predictable: ${h.unknown}; listing every possible next hop`);
    const choice = selectMultipath4(ctx, res, 'hash' in h ? h.hash : undefined, 0, explain);
    res = choice.result;
    candidates = choice.candidates;
  }
  const outDev = ctx.linkByIndex(res.nh.ifindex);
  if (!outDev) {
    explain.add('check', 'the next hop has no device: EINVAL');
    return { kind: 'error', errno: 'EINVAL' };
  }
  const v = validateSource4(ctx, fib, inputPacket(fib, pkt), pkt.saddr, pkt.daddr, outDev.ifindex, dev, explain);
  if (!v.ok) return martianSource(ctx, dev, pkt, 'source validation failed', explain, v.errno === 'EXDEV');
  const cache: string[] = [];
  if (outDev.ifindex === dev.ifindex && v.onlink && ctx.sysctls.sendRedirects(outDev.name)) {
    const gw = res.nh.gateway?.family === 4 ? res.nh.gateway.value : 0;
    if (ctx.sysctls.sharedMedia(outDev.name) || inetAddrOnlink(ctx, outDev.ifindex, pkt.saddr, gw)) {
      cache.push('redirect');
      explain.add('path', () => `leaves on its input device ${dev.name} with the source on-link: the kernel sends an ICMP redirect`);
    }
  }
  const gateway = res.nh.gateway && res.nh.scope === RT_SCOPE_LINK ? res.nh.gateway : undefined;
  explain.add('result', () => `forwarded via ${outDev.name}${gateway ? ' (gateway)' : ''}`);
  return {
    kind: 'route',
    route: {
      type: res.type,
      ifindex: outDev.ifindex,
      ...(gateway ? { gateway } : {}),
      table: res.table,
      result: res,
      dstFi: res.fi,
      cache,
      ...(candidates ? { candidates } : {}),
    },
  };
}
