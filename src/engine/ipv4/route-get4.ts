// `ip route get` for IPv4: the request's flow, the output or input path, and the reply's fields (inet_rtm_getroute).
import { formatIp } from '../../addr/address.ts';
import { makeIpv4 } from '../../addr/ipv4.ts';
import type { NexthopCandidate, ResolvedRoute, RouteAnswer, RouteQuery, RuleDecision } from '../../model/route-query.ts';
import { LOOPBACK_IFINDEX } from '../../model/network-state.ts';
import type { EngineContext } from '../context.ts';
import type { ExplainSink } from '../explain.ts';
import { v4 } from './addr4.ts';
import { numPaths, type FibNh4 } from './fib4-info.ts';
import type { Fib4 } from './fib4-lookup.ts';
import type { FibResult4 } from './fib4-table.ts';
import { fmt4, IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, type Flow4 } from './flow4.ts';
import { routeInput4, type InputRoute4 } from './route-input4.ts';
import { routeOutput4, type OutputRoute4 } from './route-output4.ts';

const ACCEPTED_PROTOS = new Set([IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP]);

function candidatesOf(ctx: EngineContext, nhs: readonly FibNh4[] | undefined): readonly NexthopCandidate[] | undefined {
  if (!nhs) return undefined;
  return nhs.map((nh) => ({ ...(nh.gateway ? { gateway: nh.gateway } : {}), dev: nh.dev?.name ?? ctx.devName(nh.ifindex), weight: nh.weight }));
}

/** The matched FIB entry: one path (also a nexthop group left with one member) prints at top level, several as nexthops. */
// mirrors fib_dump_info() as used by RTM_F_FIB_MATCH, net/ipv4/fib_semantics.c
function fibmatchRoute(ctx: EngineContext, res: FibResult4, rtType: ResolvedRoute['type']): ResolvedRoute {
  const r = res.fi.route;
  const single = numPaths(res.fi) === 1;
  const [nh0] = res.fi.nexthops;
  return {
    type: res.fi.nhObject?.blackhole ? 'blackhole' : rtType,
    dst: res.alias.prefix.address,
    prefixLength: res.prefixLength,
    ...(single && nh0?.gateway ? { gateway: nh0.gateway } : {}),
    dev: single && nh0 ? (nh0.dev?.name ?? ctx.devName(nh0.ifindex)) : '',
    table: res.table,
    ...(r.prefsrc ? { prefsrc: r.prefsrc } : {}),
    flags: single ? (res.fi.nhObject ? (nh0?.flags ?? []) : r.flags) : [],
    cache: [],
    ...(r.tos ? { tos: r.tos } : {}),
    ...(r.metric ? { metric: r.metric } : {}),
    scope: r.scope,
    protocol: r.protocol,
    ...(r.nhid !== undefined ? { nhid: r.nhid } : {}),
    ...(r.metrics ? { metrics: r.metrics } : {}),
    ...(r.realms ? { realms: r.realms } : {}),
    ...(!single
      ? {
          nexthops: res.fi.nexthops.map((nh) => ({
            ...(nh.gateway ? { gateway: nh.gateway } : {}),
            ...(nh.dev ? { dev: nh.dev.name } : {}),
            weight: nh.weight,
            flags: nh.flags,
          })),
        }
      : {}),
  };
}

interface ReplyFields {
  readonly query: RouteQuery;
  readonly src: number;
  readonly iif?: string;
  readonly uid?: number;
  readonly mark: number;
  /** selected source, printed when it differs from the request's (output path only) */
  readonly prefsrc?: number;
}

// mirrors rt_fill_info(), net/ipv4/route.c
function replyRoute(ctx: EngineContext, rt: OutputRoute4 | InputRoute4, f: ReplyFields): ResolvedRoute {
  const tos = rt.result?.alias.tos ?? 0;
  return {
    type: rt.type,
    dst: f.query.dst,
    ...(f.src !== 0 ? { from: makeIpv4(f.src) } : {}),
    ...(rt.gateway ? { gateway: rt.gateway } : {}),
    dev: ctx.devName(rt.ifindex),
    table: rt.table,
    ...(f.prefsrc !== undefined && f.prefsrc !== f.src ? { prefsrc: makeIpv4(f.prefsrc) } : {}),
    ...(f.iif !== undefined ? { iif: f.iif } : {}),
    ...(f.mark !== 0 ? { mark: f.mark } : {}),
    ...(f.uid !== undefined ? { uid: f.uid } : {}),
    // RTCF_MULTICAST shares its bit with RTM_F_OFFLOAD_FAILED, which iproute2 prints as a flag
    flags: rt.type === 'multicast' ? ['rt_offload_failed'] : [],
    cache: rt.cache,
    ...(tos !== 0 ? { tos } : {}),
    ...(rt.dstFi?.route.metrics ? { metrics: rt.dstFi.route.metrics } : {}),
    ...(rt.dstFi?.route.realms ? { realms: rt.dstFi.route.realms } : {}),
  };
}

/**
 * Answers one IPv4 `ip route get`: proto defaults to UDP (only tcp/udp/icmp accepted), uid is the
 * `uid` attribute, else the caller's uid on the output path; `iif` selects the input path.
 */
// mirrors inet_rtm_getroute(), net/ipv4/route.c
export function routeGet4(ctx: EngineContext, fib: Fib4, query: RouteQuery, explain: ExplainSink): RouteAnswer {
  const error = (errno: Parameters<typeof fail>[0], logLine?: string): RouteAnswer => fail(errno, explain, logLine);
  const proto = query.ipproto ?? IPPROTO_UDP;
  if (!ACCEPTED_PROTOS.has(proto)) {
    explain.add('check', () => `ipproto ${proto}: ip route get accepts only tcp, udp and icmp (Unsupported ip proto)`);
    return error('EOPNOTSUPP');
  }
  const dst = v4(query.dst);
  const src = query.from ? v4(query.from) : 0;
  const tos = (query.tos ?? 0) & 0xfc;
  const mark = (query.mark ?? 0) >>> 0;
  const sport = query.sport ?? 0;
  const dport = query.dport ?? 0;
  const hashPkt = { saddr: src, daddr: dst, proto, sport, dport };

  if (query.iif !== undefined) {
    const dev = ctx.linkByName(query.iif);
    if (!dev) {
      explain.add('check', () => `no device ${query.iif}: ENODEV`);
      return error('ENODEV');
    }
    explain.add('path', () => `input path: packet from ${src ? fmt4(src) : '0.0.0.0'} to ${fmt4(dst)} received on ${dev.name}${mark ? ` with mark 0x${mark.toString(16)}` : ''}; uid is 0 for routing`);
    const out = routeInput4(ctx, fib, { ...hashPkt, tos, mark }, dev, explain);
    if (out.kind === 'error') return fail(out.errno, explain, out.logLine, out.decidedBy);
    const rt = out.route;
    if (query.fibmatch) return fibmatchAnswer(ctx, rt, explain);
    const route = replyRoute(ctx, rt, { query, src, iif: dev.name, mark, ...(query.uid !== undefined ? { uid: query.uid } : {}) });
    return answer(route, candidatesOf(ctx, rt.candidates), explain, rt.result?.decidedBy);
  }

  const uid = query.uid ?? query.callerUid ?? 0;
  let oif = 0;
  if (query.oif !== undefined) {
    const dev = ctx.linkByName(query.oif);
    if (!dev) {
      explain.add('check', () => `no device ${query.oif}: ENODEV`);
      return error('ENODEV');
    }
    oif = dev.ifindex;
  }
  const flow: Flow4 = { daddr: dst, saddr: src, tos, scope: 0, iif: LOOPBACK_IFINDEX, oif, mark, uid, proto, sport, dport, l3mdev: 0, l3mdevFromOif: false };
  explain.add('path', () => `output path: ${fmt4(dst)}${src ? ` from ${fmt4(src)}` : ''}${oif ? ` oif ${ctx.devName(oif)}` : ''}, iif lo, uid ${uid}, proto ${proto}${mark ? `, mark 0x${mark.toString(16)}` : ''}`);
  const out = routeOutput4(ctx, fib, flow, hashPkt, explain);
  if (out.kind === 'error') return fail(out.errno, explain, undefined, out.decidedBy);
  const rt = out.route;
  if (query.fibmatch) return fibmatchAnswer(ctx, rt, explain);
  const route = replyRoute(ctx, rt, { query, src, mark, uid, prefsrc: flow.saddr });
  return answer(route, candidatesOf(ctx, rt.candidates), explain, rt.result?.decidedBy);
}

function fibmatchAnswer(ctx: EngineContext, rt: OutputRoute4 | InputRoute4, explain: ExplainSink): RouteAnswer {
  if (!rt.result) {
    explain.add('check', 'fibmatch: the answer did not come from a FIB entry: EHOSTUNREACH');
    return fail('EHOSTUNREACH', explain);
  }
  return answer(fibmatchRoute(ctx, rt.result, rt.type), undefined, explain, rt.result.decidedBy);
}

function answer(route: ResolvedRoute, candidates: readonly NexthopCandidate[] | undefined, explain: ExplainSink, decidedBy: RuleDecision | undefined): RouteAnswer {
  if (candidates) {
    explain.add('note', () => `possible next hops: ${candidates.map((c) => `${c.gateway ? `via ${formatIp(c.gateway)} ` : ''}dev ${c.dev}`).join(', ')}`);
  }
  return { ok: true, route, ...(decidedBy ? { decidedBy } : {}), ...(candidates ? { candidates } : {}), explain: explain.steps };
}

function fail(errno: Extract<RouteAnswer, { ok: false }>['errno'], explain: ExplainSink, logLine?: string, decidedBy?: RuleDecision): RouteAnswer {
  explain.add('result', () => `error ${errno}`);
  return { ok: false, errno, ...(decidedBy ? { decidedBy } : {}), explain: explain.steps, ...(logLine !== undefined ? { logLine } : {}) };
}
