// Why the kernel dropped a logged martian on this state, and the smallest change that lets it through (or why not to).
import { formatIp, ipv4Netmask } from '../../addr/address.ts';
import { isLimitedBroadcast, isLoopback4, isMulticast, isZeronet } from '../../addr/classify.ts';
import { prefixContains } from '../../addr/prefix.ts';
import type { IpAddress, Ipv4Address } from '../../addr/types.ts';
import { createEngine, type Engine } from '../../engine/engine.ts';
import { Sysctls } from '../../engine/sysctl.ts';
import { RT_SCOPE_LINK, RT_SCOPE_UNIVERSE, RT_TABLE_LOCAL, RT_TABLE_MAIN, type NetworkState, type Route } from '../../model/network-state.ts';
import type { RouteAnswer } from '../../model/route-query.ts';
import { tableName } from '../../model/rt-tables.ts';
import { describeReversePath, lookupReversePath4, type ReversePath } from './reverse-path.ts';

/**
 * fixable: a reverse-path drop a change lets through · genuine: the packet should stay dropped ·
 * accepted: this state lets the packet through (the drop happened on another state, or with a mark) ·
 * unknown-device: the state has no such device · unexplained: dropped here too, but no single change was found
 */
export type MartianVerdict = 'fixable' | 'genuine' | 'accepted' | 'unknown-device' | 'unexplained';

export interface MartianFix {
  /** a few words: "loose rp_filter", "src_valid_mark with the mark restored", "a route back" */
  readonly label: string;
  /** what to change, one sentence */
  readonly text: string;
  /** the commands that make the change */
  readonly commands: readonly string[];
}

export interface MartianPacket {
  readonly kind: 'source' | 'destination';
  readonly src: Ipv4Address;
  readonly dst: Ipv4Address;
  readonly dev: string;
}

export interface MartianExplanation {
  readonly verdict: MartianVerdict;
  /** the check that dropped the packet: "rp_filter strict", "martian source: loopback source", … */
  readonly check: string;
  /** why, naming the rule, table and route of the reverse lookup where there was one */
  readonly reason: string;
  /** effective rp_filter of the input device: max(all, dev) */
  readonly rpFilter?: number;
  readonly reversePath?: ReversePath;
  /** verified changes, the smallest first (each was checked with the engine on a changed copy of the state) */
  readonly fixes: readonly MartianFix[];
}

const PRIVATE_RANGES: readonly (readonly [string, number, number])[] = [
  ['10.0.0.0/8', 0x0a000000, 8],
  ['172.16.0.0/12', 0xac100000, 12],
  ['192.168.0.0/16', 0xc0a80000, 16],
  ['100.64.0.0/10', 0x64400000, 10],
  ['169.254.0.0/16', 0xa9fe0000, 16],
];

const RP_FILTER_MODES = ['off', 'strict', 'loose'] as const;

function rpFilterMode(value: number): string {
  return RP_FILTER_MODES[value] ?? `mode ${value}`;
}

function privateRangeOf(addr: Ipv4Address): string | undefined {
  return PRIVATE_RANGES.find(([, net, len]) => ((addr.value & ipv4Netmask(len)) >>> 0) === net)?.[0];
}

function routesVia(state: NetworkState, dev: string): Route[] {
  return state.routes.filter((r) => r.family === 4 && r.table !== RT_TABLE_LOCAL && r.type === 'unicast' && r.nexthops.some((nh) => nh.dev === dev));
}

/** The device carries a default route in some table: an Internet uplink. */
function isUplink(state: NetworkState, dev: string): boolean {
  return routesVia(state, dev).some((r) => r.dst.length === 0);
}

function withSysctls(state: NetworkState, values: Readonly<Record<string, string>>): NetworkState {
  const sysctls = new Map(state.sysctls);
  for (const [key, value] of Object.entries(values)) sysctls.set(key, value);
  return { ...state, sysctls };
}

/** One engine per state: a lint run or a log asks many questions of the same state. */
const engines = new WeakMap<NetworkState, Engine>();

function engineFor(state: NetworkState): Engine {
  let engine = engines.get(state);
  if (!engine) {
    engine = createEngine(state);
    engines.set(state, engine);
  }
  return engine;
}

function queryInput(state: NetworkState, pkt: MartianPacket, mark = 0, explain = false): RouteAnswer {
  return engineFor(state).routeGet({ family: 4, dst: pkt.dst, from: pkt.src, iif: pkt.dev, ...(mark !== 0 ? { mark } : {}) }, { explain });
}

/** Where the packet goes once the drop is gone: the device it is forwarded to, or local delivery. */
type Destination = { readonly kind: 'local' } | { readonly kind: 'forward'; readonly dev: string };

/** The fix lets the packet through to where the policy sends it (a restored mark must not send the reply elsewhere). */
function passes(state: NetworkState, pkt: MartianPacket, to: Destination | undefined, mark = 0): boolean {
  return reaches(queryInput(state, pkt, mark), to);
}

function reaches(answer: RouteAnswer, to: Destination | undefined): boolean {
  if (!answer.ok) return false;
  if (!to) return true;
  const local = answer.route.type === 'local' || answer.route.type === 'broadcast';
  return to.kind === 'local' ? local : !local && answer.route.dev === to.dev;
}

function destinationOf(path: ReversePath): Destination | undefined {
  return path.forward.kind === 'none' ? undefined : path.forward;
}

/** The first failing check of an engine answer, as its explain step says it. */
function failingCheck(answer: RouteAnswer): string {
  const checks = answer.explain.filter((s) => s.kind === 'check');
  return checks.find((s) => /martian|rejects|EINVAL|EXDEV/.test(s.text))?.text ?? checks.at(-1)?.text ?? '';
}

function genuine(check: string, reason: string): MartianExplanation {
  return { verdict: 'genuine', check, reason, fixes: [] };
}

/** A source no host may send from, whatever the routes say (the kernel's checks before any lookup). */
function sourceAddressMartian(state: NetworkState, pkt: MartianPacket): MartianExplanation | undefined {
  const sysctls = Sysctls.of(state);
  const src = formatIp(pkt.src);
  if (isMulticast(pkt.src) || isLimitedBroadcast(pkt.src)) {
    return genuine('martian source: multicast/broadcast source', `${src} is a multicast or broadcast address; no host sends from one, so the packet is forged or broken`);
  }
  if (isZeronet(pkt.src)) return genuine('martian source: 0.0.0.0', `${src} is the unspecified address, valid only as a DHCP client's source toward 255.255.255.255`);
  if (pkt.src.value >>> 24 === 0) return genuine('martian source: 0.0.0.0/8', `${src} is in 0.0.0.0/8 ("this network"), never a valid source on the wire`);
  if (isLoopback4(pkt.src) && !sysctls.routeLocalnet(pkt.dev)) {
    return genuine('martian source: loopback source', `${src} is a loopback address (127/8) arriving on ${pkt.dev}: something forged it or a NAT leaked it; it must never be routed`);
  }
  const own = state.addresses.find((a) => a.family === 4 && a.local.value === pkt.src.value);
  if (own && !sysctls.acceptLocal(pkt.dev)) {
    return genuine(
      'martian source: own address',
      `${src} is this host's own address (on ${own.dev}) arriving on ${pkt.dev}: a loop or a spoofed packet (accept_local=1 accepts it, only for deliberate setups such as two local interfaces cabled together)`,
    );
  }
  return undefined;
}

function gatewayVia(state: NetworkState, dev: string): IpAddress | undefined {
  const routes = routesVia(state, dev).sort((a, b) => a.dst.length - b.dst.length);
  for (const r of routes) {
    const gw = r.nexthops.find((nh) => nh.dev === dev && nh.gateway)?.gateway;
    if (gw) return gw;
  }
  return undefined;
}

function routeFix(state: NetworkState, pkt: MartianPacket, path: ReversePath): MartianFix | undefined {
  // no rule ended the reverse lookup (nothing matched anywhere): the route goes to main, which rule 32766 looks up
  const table = path.rule ? path.rule.table : RT_TABLE_MAIN;
  if (table === 0) return undefined;
  const gw = gatewayVia(state, pkt.dev);
  const route: Route = {
    family: 4,
    table,
    type: 'unicast',
    dst: { address: pkt.src, length: 32 },
    tos: 0,
    metric: 0,
    scope: gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK,
    protocol: 'boot',
    nexthops: [{ ...(gw ? { gateway: gw } : {}), dev: pkt.dev, weight: 1, onlink: false, dead: false, linkdown: false, flags: [] }],
    flags: [],
    order: state.routes.length,
  };
  if (!passes({ ...state, routes: [...state.routes, route] }, pkt, destinationOf(path))) return undefined;
  const name = tableName(state.rtTables, table);
  const src = formatIp(pkt.src);
  const used = path.rule ? `which the reverse lookup used (rule ${path.rule.pref})` : 'as the reverse lookup found no route anywhere';
  return {
    label: `a route back via ${pkt.dev} in table ${name}`,
    text: `add a route back to ${src} via ${pkt.dev} in table ${name}, ${used}; note it also sends this host's own traffic to ${src} out ${pkt.dev}`,
    commands: [`ip route add ${src}${gw ? ` via ${formatIp(gw)}` : ''} dev ${pkt.dev} table ${name}`],
  };
}

function srcValidMarkFix(state: NetworkState, pkt: MartianPacket, path: ReversePath): MartianFix | undefined {
  const sysctls = Sysctls.of(state);
  if (sysctls.srcValidMark(pkt.dev)) return undefined;
  const marked = createEngine(withSysctls(state, { [`net/ipv4/conf/${pkt.dev}/src_valid_mark`]: '1' }));
  const rule = state.rules4.find(
    (r) => r.action === 'lookup' && r.fwmark !== 0 && reaches(marked.routeGet({ family: 4, dst: pkt.dst, from: pkt.src, iif: pkt.dev, mark: r.fwmark }), destinationOf(path)),
  );
  if (!rule) return undefined;
  const mark = `0x${rule.fwmark.toString(16)}`;
  return {
    label: `src_valid_mark=1 with mark ${mark} restored from conntrack on ${pkt.dev}`,
    text: `keep rp_filter strict and let the reverse lookup see the packet's mark: src_valid_mark=1 on ${pkt.dev}, with mark ${mark} saved in the connection where it is set (\`ct mark set meta mark\`) and restored on packets arriving on ${pkt.dev} (rule ${rule.priority} fwmark ${mark} → table ${tableName(state.rtTables, rule.table)} routes back via ${pkt.dev}; with iptables: \`-t mangle -A PREROUTING -i ${pkt.dev} -j CONNMARK --restore-mark\`)`,
    commands: [
      `sysctl -w net.ipv4.conf.${pkt.dev}.src_valid_mark=1`,
      `nft add rule inet pbr prerouting iifname "${pkt.dev}" meta mark set ct mark`,
    ],
  };
}

function looseFix(state: NetworkState, pkt: MartianPacket, path: ReversePath, rpf: number): MartianFix | undefined {
  if (rpf !== 1) return undefined;
  const all = Sysctls.of(state).ipv4ConfValue('all', 'rp_filter');
  const values: Record<string, string> = { [`net/ipv4/conf/${pkt.dev}/rp_filter`]: '2' };
  if (!passes(withSysctls(state, values), pkt, destinationOf(path))) return undefined;
  return {
    label: `loose rp_filter on ${pkt.dev}`,
    text: `set rp_filter to loose (2) on ${pkt.dev}: the source must be reachable by some route, not necessarily back through ${pkt.dev}${all === 1 ? ' (all stays 1; the kernel uses the larger of all and the device)' : ''}`,
    commands: [`sysctl -w net.ipv4.conf.${pkt.dev}.rp_filter=2`],
  };
}

/** A source in a private range coming in on an uplink, where no route via that uplink covers it. */
function privateOnUplink(state: NetworkState, pkt: MartianPacket): MartianExplanation | undefined {
  const range = privateRangeOf(pkt.src);
  if (range === undefined || !isUplink(state, pkt.dev)) return undefined;
  if (routesVia(state, pkt.dev).some((r) => r.dst.length > 0 && prefixContains(r.dst, pkt.src))) return undefined;
  return genuine(
    'rp_filter: private source on an uplink',
    `${formatIp(pkt.src)} is in the private range ${range} but arrived on the Internet uplink ${pkt.dev}, and no route sends ${range} there: spoofed, or leaked by an upstream NAT; keep dropping it`,
  );
}

function explainSource(state: NetworkState, pkt: MartianPacket): MartianExplanation {
  const early = sourceAddressMartian(state, pkt);
  if (early) return early;
  const answer = queryInput(state, pkt, 0, true);
  if (answer.ok) {
    return {
      verdict: 'accepted',
      check: 'none on this state',
      reason: `on this state ${formatIp(pkt.src)} → ${formatIp(pkt.dst)} arriving on ${pkt.dev} is accepted (${answer.route.type} via ${answer.route.dev}): the drop happened on another state, or the packet carried a mark that src_valid_mark let the reverse lookup see`,
      fixes: [],
    };
  }
  const path = lookupReversePath4(state, { ...pkt, mark: 0 });
  const rpf = Sysctls.of(state).rpFilter(pkt.dev);
  if (!answer.logLine?.startsWith('IPv4: martian source') || !path) {
    return { verdict: 'unexplained', check: `no martian source on this state (${answer.errno})`, reason: failingCheck(answer), rpFilter: rpf, fixes: [] };
  }
  const via = describeReversePath(path, pkt.src);
  const lookup = `the reverse lookup (to ${formatIp(pkt.src)} from ${formatIp(pkt.dst)} iif ${path.reverseIif}${path.reverseMark ? ` mark 0x${path.reverseMark.toString(16)}` : ''}) used ${via}`;
  if (rpf === 0) {
    return { verdict: 'genuine', check: 'source validation (rp_filter off)', reason: `${failingCheck(answer)}; ${lookup}`, rpFilter: rpf, reversePath: path, fixes: [] };
  }
  const privateSource = privateOnUplink(state, pkt);
  if (privateSource) return { ...privateSource, reason: `${privateSource.reason}; ${lookup}`, rpFilter: rpf, reversePath: path };
  const check = `rp_filter ${rpFilterMode(rpf)}`;
  const reason =
    'errno' in path.route
      ? `rp_filter is ${rpFilterMode(rpf)} on ${pkt.dev} and there is no route back to ${formatIp(pkt.src)}: ${lookup}`
      : `rp_filter is ${rpFilterMode(rpf)} on ${pkt.dev} and the route back to ${formatIp(pkt.src)} leaves by ${path.route.devs.join(', ') || 'no device'}, not ${pkt.dev}: ${lookup}`;
  const fixes = [looseFix(state, pkt, path, rpf), srcValidMarkFix(state, pkt, path), routeFix(state, pkt, path)].filter((f): f is MartianFix => f !== undefined);
  return { verdict: fixes.length > 0 ? 'fixable' : 'unexplained', check, reason, rpFilter: rpf, reversePath: path, fixes };
}

function explainDestination(state: NetworkState, pkt: MartianPacket): MartianExplanation {
  const dst = formatIp(pkt.dst);
  if (isZeronet(pkt.dst)) return genuine('martian destination: 0.0.0.0', `nothing may be sent to ${dst}; the sender is broken`);
  if (isLoopback4(pkt.dst)) {
    if (Sysctls.of(state).routeLocalnet(pkt.dev)) return { verdict: 'accepted', check: 'none on this state', reason: `route_localnet is on for ${pkt.dev} here, so ${dst} is accepted`, fixes: [] };
    return genuine('martian destination: loopback destination', `${dst} is a loopback address arriving on ${pkt.dev}; only route_localnet=1 (for deliberate DNAT to 127.0.0.1) accepts it`);
  }
  const answer = queryInput(state, pkt, 0, true);
  if (answer.ok) return { verdict: 'accepted', check: 'none on this state', reason: `on this state the packet is accepted (${answer.route.type} via ${answer.route.dev})`, fixes: [] };
  if (!answer.logLine?.startsWith('IPv4: martian destination')) {
    return { verdict: 'unexplained', check: `no martian destination on this state (${answer.errno})`, reason: failingCheck(answer), fixes: [] };
  }
  return genuine('martian destination: route type', `${failingCheck(answer)}: the route the kernel found for ${dst} is not a unicast route, so the packet cannot be forwarded`);
}

/** Explains one martian the kernel logged, on `state`. */
export function explainMartian(state: NetworkState, pkt: MartianPacket): MartianExplanation {
  if (!state.links.some((l) => l.name === pkt.dev)) {
    return { verdict: 'unknown-device', check: 'unknown', reason: `this state has no device ${pkt.dev}: the log comes from another host or namespace`, fixes: [] };
  }
  return pkt.kind === 'source' ? explainSource(state, pkt) : explainDestination(state, pkt);
}
