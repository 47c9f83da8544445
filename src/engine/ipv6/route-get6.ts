// `ip -6 route get`: the whole IPv6 lookup, output and input path, as the kernel answers it.
import { formatIp } from '../../addr/address.ts';
import { isMulticast } from '../../addr/classify.ts';
import type { IpAddress } from '../../addr/types.ts';
import { RT_SCOPE_UNIVERSE, type Link } from '../../model/network-state.ts';
import type { Errno, NexthopCandidate, ResolvedRoute, RouteAnswer, RouteQuery, RuleDecision } from '../../model/route-query.ts';
import type { ExplainSink } from '../explain.ts';
import { walkRules } from '../rules.ts';
import { needsStrictIface } from './addr-type.ts';
import type { Ipv6Context } from './context.ts';
import type { Fib6Path } from './fib6-path.ts';
import type { Fib6Entry, Fib6Nh } from './fib6-table.ts';
import { buildFlow6, INVALID_UID, type Flow6 } from './flow6.ts';
import { ipv6RuleHooks } from './rules6.ts';
import { selectSourceAddress6 } from './source-address.ts';

/** The ipproto values `ip -6 route get` accepts (rtm_getroute_parse_ip_proto()): tcp, udp, ipv6-icmp. */
const GETROUTE_PROTOCOLS: ReadonlySet<number> = new Set([6, 17, 58]);

function fail(errno: Errno, explain: ExplainSink, why: string, decidedBy?: RuleDecision): RouteAnswer {
  explain.add('result', () => `${errno}: ${why}`);
  return { ok: false, errno, ...(decidedBy ? { decidedBy } : {}), explain: explain.steps };
}

/**
 * Whether the route carries RTF_LOCAL or RTF_ANYCAST: every local route, but only the anycast routes the
 * kernel adds for its own anycast addresses (addrconf_f6i_alloc(): /128, proto kernel, metric 0); an
 * `anycast` route added with `ip route` has no RTF_ANYCAST, even with `proto kernel`.
 */
function deliversLocally(entry: Fib6Entry): boolean {
  const r = entry.route;
  return r.type === 'local' || (r.type === 'anycast' && r.protocol === 'kernel' && r.dst.length === 128 && r.metric === 0);
}

/** The device the answer names: local and kernel anycast routes deliver through lo (or their VRF). */
// mirrors ip6_rt_get_dev_rcu(), net/ipv6/route.c
function resultDev(ctx: Ipv6Context, entry: Fib6Entry, nh: Fib6Nh): string {
  if (!deliversLocally(entry)) return nh.dev;
  const dev = ctx.engine.linkByName(nh.dev);
  if (dev?.l3Master) return dev.name;
  const master = dev?.master !== undefined ? ctx.engine.linkByName(dev.master) : undefined;
  if (master?.l3Master && !needsStrictIface(BigInt(entry.route.dst.address.value))) return master.name;
  return 'lo';
}

/** fib6_info_nh_dev(): the route's own nexthop device; for a nexthop group its first member's. */
function fromDev(ctx: Ipv6Context, entry: Fib6Entry): Link | undefined {
  const dev = entry.nh?.dev ?? entry.nhObject?.members[0]?.dev;
  return dev !== undefined ? ctx.engine.linkByName(dev) : undefined;
}

type RouteNexthops = NonNullable<ResolvedRoute['nexthops']>;

function nexthopsOf(nhs: readonly Fib6Nh[]): RouteNexthops {
  return nhs.map((nh) => ({ ...(nh.gateway ? { gateway: nh.gateway } : {}), dev: nh.dev, weight: nh.weight, flags: nh.flags }));
}

/** The next hops fibmatch lists: a nexthop group's members, or the ECMP siblings starting at the chosen one. */
function fibmatchNexthops(entry: Fib6Entry): RouteNexthops | undefined {
  if (entry.nhObject?.groupType) return nexthopsOf(entry.nhObject.members);
  if (entry.siblings.length < 2) return undefined;
  // rt6_fill_node() walks the sibling list from the chosen sibling
  const i = entry.siblings.indexOf(entry);
  const order = [...entry.siblings.slice(i), ...entry.siblings.slice(0, i)];
  return nexthopsOf(order.flatMap((s) => (s.nh ? [s.nh] : [])));
}

/** `ip -6 route get fibmatch`: the matched FIB entry itself. */
// mirrors rt6_fill_node() with dst == NULL (nexthop_compat_mode on), net/ipv6/route.c
function fibmatchRoute(query: RouteQuery, path: Fib6Path): ResolvedRoute {
  const entry = path.entry;
  const r = entry.route;
  const nexthops = fibmatchNexthops(entry);
  const nh = nexthops ? undefined : (entry.nh ?? entry.nhObject?.members[0]);
  return {
    type: r.type,
    dst: r.dst.address,
    prefixLength: r.dst.length,
    ...(r.src && r.src.length > 0 ? { from: r.src.address, fromPrefixLength: r.src.length } : {}),
    ...(nh?.gateway ? { gateway: nh.gateway } : {}),
    dev: nh?.dev ?? '',
    table: entry.table,
    ...(r.prefsrc ? { prefsrc: r.prefsrc } : {}),
    ...(query.iif !== undefined ? { iif: query.iif } : {}),
    flags: nh?.flags ?? [],
    cache: [],
    metric: entry.metric,
    ...(r.expires !== undefined ? { expires: r.expires } : {}),
    ...(r.metrics ? { metrics: r.metrics } : {}),
    pref: r.pref ?? 'medium',
    protocol: r.protocol,
    scope: RT_SCOPE_UNIVERSE,
    ...(nexthops ? { nexthops } : {}),
    ...(r.nhid !== undefined ? { nhid: r.nhid } : {}),
  };
}

function candidatesOf(path: Fib6Path): NexthopCandidate[] | undefined {
  return path.candidates?.map((c) => ({ ...(c.nh.gateway ? { gateway: c.nh.gateway } : {}), dev: c.nh.dev, weight: c.nh.weight }));
}

/** The answer of a successful lookup, with the fields `ip -6 -d -j route get` prints. */
// mirrors rt6_fill_node() with a dst, net/ipv6/route.c
function resolvedRoute(ctx: Ipv6Context, query: RouteQuery, flow: Flow6, path: Fib6Path, explain: ExplainSink): ResolvedRoute {
  const entry = path.entry;
  const r = entry.route;
  const nh = path.nh!;
  const routeSrc = r.prefsrc;
  let prefsrc: IpAddress | undefined = routeSrc;
  if (routeSrc) explain.add('source', () => `the route's src ${formatIp(routeSrc)}`);
  else if (!flow.input) prefsrc = explain.nest(() => selectSourceAddress6(ctx, fromDev(ctx, entry), flow.daddr, explain));
  return {
    type: r.type,
    dst: flow.daddr,
    from: flow.saddr,
    ...(nh.gateway ? { gateway: nh.gateway } : {}),
    dev: resultDev(ctx, entry, nh),
    table: entry.table,
    ...(prefsrc ? { prefsrc } : {}),
    ...(query.iif !== undefined ? { iif: query.iif } : {}),
    flags: [],
    cache: [],
    metric: entry.metric,
    // the route's metrics travel with the dst (mtu, advmss, hoplimit, …)
    ...(r.metrics ? { metrics: r.metrics } : {}),
    pref: r.pref ?? 'medium',
    protocol: r.protocol,
    scope: RT_SCOPE_UNIVERSE,
  };
}

function describeFlow(flow: Flow6, query: RouteQuery): string {
  const parts = [`${flow.input ? `input on ${query.iif ?? ''}` : 'output'}: to ${formatIp(flow.daddr)}`];
  parts.push(flow.hasSaddr ? `from ${formatIp(flow.saddr)}` : 'no source');
  if (!flow.input && flow.oif !== 0) parts.push(`oif ${query.oif ?? ''}`);
  parts.push(`mark 0x${flow.mark.toString(16)}`, `uid ${flow.uid === INVALID_UID ? `${INVALID_UID} (INVALID_UID: none given)` : flow.uid}`, `tclass 0x${flow.tclass.toString(16)}`);
  if (flow.proto !== 0) parts.push(`proto ${flow.proto}${flow.sport || flow.dport ? ` ports ${flow.sport}→${flow.dport}` : ''}`);
  if (flow.strict.iface) parts.push('strict device (RT6_LOOKUP_F_IFACE)');
  if (flow.strict.reachable) parts.push('host mode: gateways with a FAILED neighbour are avoided');
  return parts.join(', ');
}

/**
 * Answers one `ip -6 route get` query: the rule walk (a lookup without `from` never matches `from`
 * rules), per-table selection by metric, device and router preference with backtracking, ECMP,
 * and source selection. The input path (`iif`) needs no forwarding (spec §8.2).
 */
// mirrors inet6_rtm_getroute(), net/ipv6/route.c
export function routeGet6(ctx: Ipv6Context, query: RouteQuery, explain: ExplainSink): RouteAnswer {
  if (query.dst.family !== 6 || (query.from !== undefined && query.from.family !== 6)) {
    return fail('EINVAL', explain, 'an IPv6 lookup needs IPv6 addresses');
  }
  if (query.ipproto !== undefined && !GETROUTE_PROTOCOLS.has(query.ipproto)) {
    return fail('EOPNOTSUPP', explain, `ip proto ${query.ipproto} is not supported (tcp, udp and ipv6-icmp only)`);
  }
  const iif = query.iif !== undefined ? ctx.engine.ifindexOf(query.iif) : 0;
  if (query.iif !== undefined && iif === 0) return fail('ENODEV', explain, `no device ${query.iif}`);
  const oif = query.iif === undefined && query.oif !== undefined ? ctx.engine.ifindexOf(query.oif) : 0;
  if (query.iif === undefined && query.oif !== undefined && oif === 0) return fail('ENODEV', explain, `no device ${query.oif}`);
  const forwarding = ctx.engine.sysctls.ipv6Conf('all', 'forwarding', 'dev') !== 0;
  const flow = buildFlow6(query, iif, oif, forwarding);
  explain.add('note', () => describeFlow(flow, query));

  const walk = walkRules(ctx.engine.rules(6), flow, ipv6RuleHooks(ctx, flow, explain), ctx.engine, explain);
  if (walk.kind === 'none') return fail('ENETUNREACH', explain, 'no rule gave a route');
  if (walk.kind === 'error') {
    return fail(walk.errno, explain, `rule ${walk.rule.priority}`, { pref: walk.rule.priority, table: walk.rule.action === 'lookup' ? walk.rule.table : 0 });
  }
  const path = walk.result;
  const decidedBy: RuleDecision = { pref: walk.rule.priority, table: path.entry.table };
  if (flow.input && isMulticast(path.entry.route.dst.address)) {
    // ip6mr_get_route() finds no multicast forwarding state for the lookup and the reply cannot be built
    return fail('EMSGSIZE', explain, 'multicast route on the input path (no multicast routing state)');
  }
  const route = query.fibmatch ? fibmatchRoute(query, path) : resolvedRoute(ctx, query, flow, path, explain);
  const candidates = candidatesOf(path);
  explain.add('result', () => `${route.type} via ${route.gateway ? formatIp(route.gateway) : 'no gateway'} dev ${route.dev || 'multipath'} table ${ctx.engine.tableName(route.table)}`);
  return { ok: true, route, decidedBy, ...(candidates ? { candidates } : {}), explain: explain.steps };
}
