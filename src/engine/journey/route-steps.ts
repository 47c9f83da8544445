// The routing decisions of a journey: input routing, output routing at the socket, and the reroute after OUTPUT.
import { formatIp } from '../../addr/address.ts';
import { isLinkLocal6, isMulticast, isUnspecified } from '../../addr/classify.ts';
import type { IpAddress } from '../../addr/types.ts';
import type { Disposition, JourneyStep, NfPacketState } from '../../model/journey.ts';
import type { RouteAnswer, RouteQuery } from '../../model/route-query.ts';
import { ERRNO_MESSAGES } from '../../model/route-query.ts';
import { hex, lastMarkSetter, note, withSteps, type CurrentRoute, type Flight, type JourneyContext } from './flight.ts';

/** A flight that goes on with a route, or one that ends here. */
export type Routed = { readonly kind: 'routed'; readonly flight: Flight } | { readonly kind: 'ended'; readonly flight: Flight; readonly disposition: Disposition };

const ROUTE_GET_PROTOCOLS: Readonly<Record<4 | 6, readonly number[]>> = { 4: [1, 6, 17], 6: [6, 17, 58] };
const PORT_PROTOCOLS: readonly number[] = [6, 17, 132];

/** Protocol and ports as the lookup sees them; protocols `ip route get` refuses are left out (IPv4 then assumes UDP). */
function l4Fields(jc: JourneyContext, p: NfPacketState): Pick<RouteQuery, 'ipproto' | 'sport' | 'dport'> {
  if (!ROUTE_GET_PROTOCOLS[jc.family].includes(p.l4proto)) return {};
  const ports = PORT_PROTOCOLS.includes(p.l4proto);
  return {
    ipproto: p.l4proto,
    ...(ports && p.sport !== undefined ? { sport: p.sport } : {}),
    ...(ports && p.dport !== undefined ? { dport: p.dport } : {}),
  };
}

function protocolNote(jc: JourneyContext, f: Flight): Flight {
  if (ROUTE_GET_PROTOCOLS[jc.family].includes(f.packet.l4proto)) return f;
  const as = jc.family === 4 ? 'as UDP' : 'without a protocol';
  return note(f, `protocol ${f.packet.l4proto}: route lookups model it ${as} (ip route get accepts only ${jc.family === 4 ? 'tcp, udp, icmp' : 'tcp, udp, ipv6-icmp'}); ipproto/port rules may differ`);
}

function routeStep(phase: CurrentRoute['phase'], query: RouteQuery, answer: RouteAnswer): JourneyStep {
  const d = answer.decidedBy;
  return { kind: 'route', phase, query, answer, ...(d ? { rulePref: d.pref, table: d.table } : {}) };
}

/** Whether an answer delivers to this host (local, or broadcast/multicast with the local flag). */
function deliversLocally(answer: Extract<RouteAnswer, { ok: true }>): boolean {
  const r = answer.route;
  return r.type === 'local' || r.cache.includes('local') || (r.type === 'anycast' && r.dev === 'lo');
}

/**
 * One flight per next hop the answer allows: a single route, or every candidate of a multipath route whose
 * hash is unknown (probability by weight).
 */
function routedFlights(jc: JourneyContext, f: Flight, phase: CurrentRoute['phase'], answer: Extract<RouteAnswer, { ok: true }>): Flight[] {
  const r = answer.route;
  const markSetBy = f.packet.mark !== 0 ? lastMarkSetter(f.steps) : undefined;
  const base: CurrentRoute = {
    phase,
    type: r.type,
    dev: r.dev,
    ...(r.gateway ? { gateway: r.gateway } : {}),
    ...(r.prefsrc ? { prefsrc: r.prefsrc } : {}),
    local: deliversLocally(answer),
    ...(answer.decidedBy ? { decidedBy: answer.decidedBy } : {}),
    answer,
    mark: f.packet.mark,
    ...(markSetBy !== undefined ? { markSetBy } : {}),
  };
  const candidates = answer.candidates;
  if (!candidates || candidates.length < 2) return [{ ...f, route: base }];
  const total = candidates.reduce((sum, c) => sum + c.weight, 0);
  return candidates.map((c) => {
    const { gateway: _gw, prefsrc: _src, ...rest } = base;
    const same = c.dev === r.dev && (c.gateway === undefined ? r.gateway === undefined : r.gateway !== undefined && formatIp(c.gateway) === formatIp(r.gateway));
    const prefsrc = same ? r.prefsrc : phase === 'input' ? undefined : jc.engine.selectSourceAddress(c.dev, c.gateway ?? f.packet.daddr);
    const route: CurrentRoute = { ...rest, dev: c.dev, ...(c.gateway ? { gateway: c.gateway } : {}), ...(prefsrc ? { prefsrc } : {}) };
    const hop = `${c.gateway ? `via ${formatIp(c.gateway)} ` : ''}dev ${c.dev}`;
    return {
      ...f,
      route,
      probability: f.probability * (total > 0 ? c.weight / total : 1 / candidates.length),
      assumptions: [...f.assumptions, `the kernel's choice among the next hops is unknown (no fib_multipath_hash_seed, or default-gateway history): this branch takes ${hop} (weight ${c.weight} of ${total})`],
    };
  });
}

const ICMP_UNREACH: Readonly<Record<4 | 6, Partial<Record<string, string>>>> = {
  4: { ENETUNREACH: 'ICMP net unreachable', EHOSTUNREACH: 'ICMP host unreachable', EACCES: 'ICMP administratively prohibited' },
  6: { ENETUNREACH: 'ICMPv6 no route', EHOSTUNREACH: 'ICMPv6 address unreachable', EACCES: 'ICMPv6 administratively prohibited' },
};

/** The reason a martian/rp_filter drop gives in the lookup's explanation. */
function martianReason(answer: RouteAnswer): string {
  const checks = answer.explain.filter((s) => s.kind === 'check').map((s) => s.text);
  return checks.find((t) => t.includes('rejects')) ?? checks.find((t) => t.startsWith('martian')) ?? checks.at(-1) ?? 'martian';
}

function decidedText(jc: JourneyContext, answer: RouteAnswer): string {
  const d = answer.decidedBy;
  if (!d) return 'no rule gave a route';
  return d.table !== 0 ? `ip rule ${d.pref} (table ${jc.state.rtTables.names.get(d.table) ?? d.table})` : `ip rule ${d.pref}`;
}

/** Input routing of a received packet (spec §7): rules, table, rp_filter and martian checks. */
// mirrors ip_route_input_noref() as called from ip_rcv_finish_core(), net/ipv4/ip_input.c (IPv6: ip6_route_input())
export function routeInput(jc: JourneyContext, f0: Flight, iif: string): Routed[] {
  const f = protocolNote(jc, f0);
  const p = f.packet;
  const query: RouteQuery = { family: jc.family, dst: p.daddr, from: p.saddr, iif, mark: p.mark, tos: p.dscp << 2, uid: 0, ...l4Fields(jc, p) };
  const answer = jc.engine.routeGet(query, { explain: true });
  const g = withSteps(f, routeStep('input', query, answer));
  if (answer.ok) {
    return routedFlights(jc, g, 'input', answer).map((h): Routed => {
      const route = h.route!;
      if (route.local) return { kind: 'routed', flight: h };
      if (route.type !== 'unicast') {
        return { kind: 'ended', flight: h, disposition: { kind: 'unknown', dev: route.dev, why: `a ${route.type} route for a packet not for this host: pbr does not model multicast forwarding` } };
      }
      if (jc.family === 6 && jc.sysctls.ipv6Conf('all', 'forwarding', 'dev') === 0) {
        return { kind: 'ended', flight: h, disposition: { kind: 'dropped', by: 'net.ipv6.conf.all.forwarding=0', why: `not for this host and IPv6 forwarding is off: dropped (set net.ipv6.conf.all.forwarding=1 to route it via ${route.dev})` } };
      }
      return { kind: 'routed', flight: h };
    });
  }
  if (answer.logLine !== undefined) {
    const reason = martianReason(answer);
    const byRpFilter = reason.includes('rp_filter');
    const h = note(g, `kernel log${jc.sysctls.logMartians(iif) ? '' : ' (with log_martians on)'}: ${answer.logLine}`);
    const why = byRpFilter
      ? `dropped by rp_filter on ${iif}: ${reason}; the route back to ${formatIp(p.saddr)} must use ${iif} (strict), or set rp_filter=2 (loose) there`
      : `dropped as a martian on ${iif}: ${reason}`;
    return [{ kind: 'ended', flight: h, disposition: { kind: 'dropped', dev: iif, errno: answer.errno, by: byRpFilter ? 'rp_filter' : 'martian check', why } }];
  }
  if (jc.family === 4 && !jc.sysctls.forwarding(iif)) {
    const why = `${formatIp(p.daddr)} is not an address of this host and ${iif} has forwarding off: dropped silently (net.ipv4.conf.${iif}.forwarding=1 forwards it)`;
    return [{ kind: 'ended', flight: g, disposition: { kind: 'dropped', dev: iif, errno: answer.errno, by: `forwarding off on ${iif}`, why } }];
  }
  if (answer.errno === 'EINVAL') {
    const why = `no usable route to ${formatIp(p.daddr)} (${ERRNO_MESSAGES.EINVAL}, e.g. a blackhole route) from ${decidedText(jc, answer)}: dropped silently`;
    return [{ kind: 'ended', flight: g, disposition: { kind: 'dropped', errno: answer.errno, by: decidedText(jc, answer), why } }];
  }
  const icmp = ICMP_UNREACH[jc.family][answer.errno] ?? 'an ICMP error';
  const why = `no route to ${formatIp(p.daddr)}: ${answer.errno} from ${decidedText(jc, answer)}; the sender gets ${icmp}`;
  return [{ kind: 'ended', flight: g, disposition: { kind: 'unreachable', errno: answer.errno, by: decidedText(jc, answer), why } }];
}

function socketQuery(jc: JourneyContext, p: NfPacketState, from: IpAddress | undefined): RouteQuery {
  const s = jc.socket;
  return {
    family: jc.family,
    dst: p.daddr,
    ...(from ? { from } : {}),
    ...(s?.oif !== undefined ? { oif: s.oif } : {}),
    mark: p.mark,
    tos: p.dscp << 2,
    uid: s?.uid ?? 0,
    ...l4Fields(jc, p),
  };
}

function unreachable(jc: JourneyContext, f: Flight, answer: Extract<RouteAnswer, { ok: false }>, what: string): Routed {
  const why = `${what} failed: ${answer.errno} (${ERRNO_MESSAGES[answer.errno]}) from ${decidedText(jc, answer)}; the socket gets this error`;
  return { kind: 'ended', flight: f, disposition: { kind: 'unreachable', errno: answer.errno, by: decidedText(jc, answer), why } };
}

/** The route's selected source, for a socket not bound to an address. */
function selectedSource(answer: Extract<RouteAnswer, { ok: true }>): IpAddress | undefined {
  const r = answer.route;
  if (r.prefsrc) return r.prefsrc;
  return r.from && !isUnspecified(r.from) ? r.from : undefined;
}

/**
 * Output routing at the socket (spec §6.3): uid, bound device, SO_MARK, and the bound source. A TCP
 * connect() without a bound source looks up twice, the second time with the selected source.
 */
// mirrors ip_route_connect() (include/net/route.h) and ip_route_output_flow(), net/ipv4/route.c
export function routeOutput(jc: JourneyContext, f0: Flight): Routed[] {
  let f = protocolNote(jc, f0);
  const bound = jc.socket?.boundSrc;
  let query = socketQuery(jc, f.packet, bound);
  let answer = jc.engine.routeGet(query, { explain: true });
  f = withSteps(f, routeStep('output', query, answer));
  if (answer.ok && bound === undefined && f.packet.l4proto === 6) {
    const src = selectedSource(answer);
    if (src) {
      f = note(f, `TCP connect(): a second lookup runs with the selected source ${formatIp(src)}, so \`from\` rules apply`);
      query = socketQuery(jc, f.packet, src);
      answer = jc.engine.routeGet(query, { explain: true });
      f = withSteps(f, routeStep('output', query, answer));
    }
  }
  if (!answer.ok) return [unreachable(jc, f, answer, 'output routing')];
  const from = query.from;
  return routedFlights(jc, f, 'output', answer).map((h): Routed => {
    // a bound address stays the source: IPv6 `route get … from A` may still report another prefsrc
    const src = from ?? h.route?.prefsrc ?? selectedSource(answer);
    if (!src) return { kind: 'ended', flight: h, disposition: { kind: 'unreachable', why: `no IPv${jc.family} source address for ${formatIp(h.packet.daddr)} on ${h.route?.dev ?? '?'}` } };
    return { kind: 'routed', flight: { ...h, packet: { ...h.packet, saddr: src } } };
  });
}

/**
 * The reroute after OUTPUT changed mark, addresses or tos (route chains, iptables mangle OUTPUT) or DNAT:
 * IPv4 keeps the source, uses the new mark, the bound device and uid 0; IPv6 keeps the socket's uid and
 * pins link-local and multicast destinations to the current device.
 */
// mirrors ip_route_me_harder(), net/ipv4/netfilter.c, and ip6_route_me_harder(), net/ipv6/netfilter.c
export function reroute(jc: JourneyContext, f0: Flight, reason: string): Routed[] {
  const f = note(f0, `reroute: ${reason}`);
  const p = f.packet;
  const base = socketQuery(jc, p, p.saddr);
  const pinned = jc.family === 6 && (isLinkLocal6(p.daddr) || isMulticast(p.daddr)) && f.route ? { oif: f.route.dev } : {};
  const query: RouteQuery = { ...base, ...pinned, uid: jc.family === 4 ? 0 : (jc.socket?.uid ?? 0) };
  const answer = jc.engine.routeGet(query, { explain: true });
  const g = withSteps(f, routeStep('reroute', query, answer));
  if (!answer.ok) {
    const why = `the reroute after OUTPUT (${reason}) failed: ${answer.errno} from ${decidedText(jc, answer)}; the packet is dropped and the socket gets ${answer.errno}`;
    return [{ kind: 'ended', flight: g, disposition: { kind: 'unreachable', errno: answer.errno, by: 'reroute', why } }];
  }
  return routedFlights(jc, g, 'reroute', answer).map((h) => ({ kind: 'routed', flight: h }));
}

/** "mark 0x0 → 0x2, daddr …": what an OUTPUT route chain changed, or undefined when nothing that reroutes did. */
export function rerouteTrigger(before: NfPacketState, after: NfPacketState): string | undefined {
  const changes: string[] = [];
  if (before.mark !== after.mark) changes.push(`mark ${hex(before.mark)} → ${hex(after.mark)}`);
  if (before.saddr.value !== after.saddr.value) changes.push(`saddr ${formatIp(before.saddr)} → ${formatIp(after.saddr)}`);
  if (before.daddr.value !== after.daddr.value) changes.push(`daddr ${formatIp(before.daddr)} → ${formatIp(after.daddr)}`);
  if (before.dscp !== after.dscp) changes.push(`dscp ${before.dscp} → ${after.dscp}`);
  return changes.length > 0 ? changes.join(', ') : undefined;
}
