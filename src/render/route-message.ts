// A route as the kernel sends it in an RTM_NEWROUTE message, and iproute2's printer for it.
import { formatIp } from '../addr/address.ts';
import type { Family, IpAddress } from '../addr/types.ts';
import {
  RT_SCOPE_HOST,
  RT_SCOPE_LINK,
  RT_SCOPE_UNIVERSE,
  RT_TABLE_MAIN,
  type NexthopObject,
  type RouteMetric,
  type RouteType,
} from '../model/network-state.ts';
import { tableName, type RtTables } from '../model/rt-tables.ts';
import type { IpPrinter } from './ip-printer.ts';
import { dsfieldName, protocolId, protocolName, scopeName } from '../model/iproute2-names.ts';

/** RTNH_F_* and RTM_F_* bits of rtm_flags / rtnh_flags, in the order print_rt_flags() prints them. */
export const RT_FLAG_BITS: readonly (readonly [number, string])[] = [
  [0x1, 'dead'],
  [0x4, 'onlink'],
  [0x2, 'pervasive'],
  [0x8, 'offload'],
  [0x40, 'trap'],
  [0x100, 'notify'],
  [0x10, 'linkdown'],
  [0x20, 'unresolved'],
  [0x4000, 'rt_offload'],
  [0x8000, 'rt_trap'],
  [0x20000000, 'rt_offload_failed'],
];

export const RTM_F_CLONED = 0x200;

/** RTCF_* bits of a cached IPv4 route, in the order print_cache_flags() prints them. */
export const RTCF_BITS: readonly (readonly [number, string])[] = [
  [0x80000000, 'local'],
  [0x40000000, 'reject'],
  [0x20000000, 'mc'],
  [0x10000000, 'brd'],
  [0x08000000, 'dst-nat'],
  [0x00800000, 'src-nat'],
  [0x00400000, 'masq'],
  [0x00020000, 'dst-direct'],
  [0x04000000, 'src-direct'],
  [0x00040000, 'redirected'],
  [0x01000000, 'redirect'],
  [0x00200000, 'fastroute'],
  [0x00010000, 'notify'],
  [0x00080000, 'proxy'],
];

/** The flag word of a list of flag names; unknown names are ignored. */
export function flagBits(names: readonly string[], table: readonly (readonly [number, string])[]): number {
  let bits = 0;
  for (const name of names) {
    const entry = table.find(([, n]) => n === name);
    if (entry) bits = (bits | entry[0]) >>> 0;
  }
  return bits;
}

export interface RouteNexthopAttr {
  readonly gateway?: IpAddress;
  readonly dev?: string;
  /** printed weight (rtnh_hops + 1) */
  readonly weight: number;
  /** RTNH_F_* bits */
  readonly flags: number;
}

/** The parts of an RTM_NEWROUTE message print_route() looks at. */
export interface RouteMessage {
  readonly family: Family;
  readonly type: RouteType;
  /** RTA_DST; absent for a default route */
  readonly dst?: IpAddress;
  readonly dstLen: number;
  /** RTA_SRC */
  readonly src?: IpAddress;
  readonly srcLen: number;
  readonly tos: number;
  /** RTA_TABLE; 0 = none */
  readonly table: number;
  /** protocol word as the model stores it */
  readonly protocol: string;
  readonly scope: number;
  /** rtm_flags (RTNH_F_*, RTM_F_*, and RTCF_* for cached IPv4 routes) */
  readonly flags: number;
  readonly nhid?: number;
  readonly gateway?: IpAddress;
  /** RTA_OIF */
  readonly dev?: string;
  readonly prefsrc?: IpAddress;
  /** RTA_PRIORITY */
  readonly metric?: number;
  readonly mark?: number;
  /** RTA_FLOW: (from realm << 16) | to realm */
  readonly realms?: number;
  readonly uid?: number;
  /** RTA_CACHEINFO expires, in seconds */
  readonly expires?: number;
  readonly metrics?: readonly RouteMetric[];
  /** RTA_IIF */
  readonly iif?: string;
  /** RTA_PREF word (IPv6) */
  readonly pref?: string;
  readonly multipath?: readonly RouteNexthopAttr[];
}

export interface PrintRouteOptions {
  /** `-d` */
  readonly details: boolean;
  /** filter.tb: the table a listing was asked for (0 = all / route get); suppresses "table X" */
  readonly filterTable: number;
  readonly tables: RtTables;
  /** nexthop objects by id, for the `nh_info` that `-d` adds to nhid routes */
  readonly nexthopObjects?: ReadonlyMap<number, NexthopObject>;
}

function hostBits(family: Family): number {
  return family === 4 ? 32 : 128;
}

function familyColor(p: IpPrinter, family: Family, text: string): string {
  return family === 4 ? p.palette.inet(text) : p.palette.inet6(text);
}

// mirrors print_rt_flags(), ip/iproute.c
export function printRtFlags(p: IpPrinter, flags: number): void {
  p.openArray(p.json ? 'flags' : null);
  for (const [bit, name] of RT_FLAG_BITS) {
    if ((flags & bit) !== 0) p.any(null, `${name} `, name);
  }
  p.closeArray();
}

// mirrors print_cache_flags(), ip/iproute.c
function printCacheFlags(p: IpPrinter, rtmFlags: number): void {
  let flags = (rtmFlags & ~0xffff) >>> 0;
  if (p.json) {
    p.openArray('cache');
    for (const [bit, name] of RTCF_BITS) {
      if ((flags & bit) !== 0) p.field(null, name);
    }
    p.closeArray();
    return;
  }
  p.text('\n    cache ');
  if (flags === 0) return;
  p.text('<');
  for (const [bit, name] of RTCF_BITS) {
    if ((flags & bit) === 0) continue;
    flags = (flags & ~bit) >>> 0;
    p.text(`${name}${flags !== 0 ? ',' : '> '}`);
  }
  if (flags !== 0) p.text(`${flags.toString(16)}>`);
}

function printGateway(p: IpPrinter, family: Family, gateway: IpAddress): void {
  const text = formatIp(gateway);
  if (gateway.family === family) {
    p.field('gateway', text);
    p.text(`via ${familyColor(p, family, text)} `);
    return;
  }
  // an IPv4 route with an IPv6 next hop travels as RTA_VIA (print_rta_via())
  const familyWord = gateway.family === 4 ? 'inet' : 'inet6';
  p.openObject('via');
  p.field('family', familyWord);
  p.field('host', text);
  p.closeObject();
  p.text(`via ${familyWord} ${familyColor(p, gateway.family, text)} `);
}

function printIfname(p: IpPrinter, key: string, name: string): void {
  p.field(key, name);
  p.text(`${key} ${p.palette.ifname(name)} `);
}

// mirrors print_rta_flow(), ip/iproute.c (realm names from the rt_realms iproute2 installs: only 0 = "cosmos")
function printRealms(p: IpPrinter, realms: number): void {
  const from = realms >>> 16;
  const to = realms & 0xffff;
  const realmName = (id: number): string => (id === 0 ? 'cosmos' : String(id));
  if (p.json) {
    p.openObject('flow');
    if (from) p.field('from', realmName(from));
    p.field('to', realmName(to));
    p.closeObject();
    return;
  }
  p.text(`realm${from ? 's' : ''} `);
  if (from) p.text(`${realmName(from)}/`);
  p.text(`${realmName(to)} `);
}

// mirrors print_rta_metrics(), ip/iproute.c: metric names are iproute2's JSON keys; the text words differ for two
function printMetrics(p: IpPrinter, metrics: readonly RouteMetric[]): void {
  p.openArray('metrics');
  p.openObject();
  for (const m of metrics) {
    p.text(`${m.name === 'congestion' ? 'congctl' : m.name === 'ecn' ? 'features' : m.name} `);
    if (m.lock) p.text('lock ');
    if (m.name === 'rtt' || m.name === 'rttvar' || m.name === 'rto_min') {
      const ms = Number(m.value);
      p.field(m.name, ms);
      p.text(ms >= 1000 ? `${ms / 1000}s ` : `${ms}ms `);
    } else if (m.name === 'ecn') {
      p.any('ecn', 'ecn ', null);
    } else {
      p.any(m.name, `${m.value} `, m.value);
    }
  }
  p.closeObject();
  p.closeArray();
}

// the scope nh_fill_node() reports: groups and blackholes global, gateways link, device-only next hops host
function nexthopObjectScope(obj: NexthopObject): number {
  if (obj.group || obj.blackhole) return RT_SCOPE_UNIVERSE;
  return obj.gateway ? RT_SCOPE_LINK : RT_SCOPE_HOST;
}

// mirrors __print_nexthop_entry(), ip/ipnexthop.c, as print_cache_nexthop_id() calls it with -d
function printNexthopInfo(p: IpPrinter, obj: NexthopObject): void {
  p.text('\n\tnh_info ');
  p.openObject('nh_info');
  p.any('id', `id ${obj.id} `, obj.id);
  if (obj.group) {
    p.openArray('group');
    p.text('group ');
    obj.group.forEach((member, i) => {
      p.openObject();
      if (i) p.text('/');
      p.any('id', `${member.id}`, member.id);
      if (member.weight !== 1) p.any('weight', `,${member.weight}`, member.weight);
      p.closeObject();
    });
    p.text(' ');
    p.closeArray();
  }
  if (obj.groupType === 'resilient') p.any('type', 'type resilient ', 'resilient');
  if (obj.gateway) printGateway(p, obj.gateway.family, obj.gateway);
  if (obj.dev !== undefined) printIfname(p, 'dev', obj.dev);
  const scope = scopeName(nexthopObjectScope(obj));
  p.any('scope', `scope ${scope} `, scope);
  if (obj.blackhole) p.any('blackhole', 'blackhole ', null);
  const proto = protocolName(obj.protocol ?? 'unspec');
  p.any('protocol', `proto ${proto} `, proto);
  printRtFlags(p, (obj.dead ? 0x1 : 0) | (obj.onlink ? 0x4 : 0) | (obj.linkdown ? 0x10 : 0));
  if (obj.fdb) p.any('fdb', 'fdb', null);
  p.closeObject();
}

// mirrors print_rta_multipath(), ip/iproute.c
function printMultipath(p: IpPrinter, m: RouteMessage, nexthops: readonly RouteNexthopAttr[]): void {
  p.openArray('nexthops');
  for (const nh of nexthops) {
    p.openObject();
    p.text('\n\tnexthop ');
    if (nh.gateway) printGateway(p, m.family, nh.gateway);
    p.any('dev', `dev ${p.palette.ifname(nh.dev ?? '')} `, nh.dev ?? '');
    p.any('weight', `weight ${nh.weight} `, nh.weight);
    printRtFlags(p, nh.flags);
    p.closeObject();
  }
  p.closeArray();
}

function formatPrefixed(family: Family, addr: IpAddress, len: number): string {
  return len !== hostBits(family) ? `${formatIp(addr)}/${len}` : formatIp(addr);
}

// mirrors print_route(), ip/iproute.c (iproute2 6.1)
export function printRouteMessage(p: IpPrinter, m: RouteMessage, opts: PrintRouteOptions): void {
  p.openObject();
  printRouteFields(p, m, opts);
  p.closeObject();
}

/** The members of one route object (JSON) or its line(s) including the final newline (text). */
export function printRouteFields(p: IpPrinter, m: RouteMessage, opts: PrintRouteOptions): void {
  const cloned = (m.flags & RTM_F_CLONED) !== 0;
  if (m.type !== 'unicast' || opts.details) p.any('type', `${m.type} `, m.type);

  let dst: string;
  if (m.dst) dst = formatPrefixed(m.family, m.dst, m.dstLen);
  else if (m.dstLen) dst = `0/${m.dstLen} `;
  else dst = 'default';
  p.field('dst', dst);
  p.text(`${m.dst ? familyColor(p, m.family, dst) : dst} `);

  if (m.src) {
    const from = formatPrefixed(m.family, m.src, m.srcLen);
    p.field('from', from);
    p.text(`from ${familyColor(p, m.family, from)} `);
  } else if (m.srcLen) {
    p.any('src', `from 0/${m.srcLen} `, `0/${m.srcLen}`);
  }

  if (m.nhid !== undefined) p.any('nhid', `nhid ${m.nhid} `, m.nhid);
  if (m.tos) {
    const tos = dsfieldName(m.tos);
    p.any('tos', `tos ${tos} `, tos);
  }
  if (m.gateway) printGateway(p, m.family, m.gateway);
  if (m.dev !== undefined) printIfname(p, 'dev', m.dev);

  if (m.table && (m.table !== RT_TABLE_MAIN || opts.details) && !opts.filterTable) {
    const name = tableName(opts.tables, m.table);
    p.any('table', `table ${name} `, name);
  }
  if (!cloned) {
    if (protocolId(m.protocol) !== 3 || opts.details) {
      const proto = protocolName(m.protocol);
      p.any('protocol', `proto ${proto} `, proto);
    }
    if (m.scope !== RT_SCOPE_UNIVERSE || opts.details) {
      const scope = scopeName(m.scope);
      p.any('scope', `scope ${scope} `, scope);
    }
  }
  if (m.prefsrc) {
    const src = formatIp(m.prefsrc);
    p.field('prefsrc', src);
    p.text(`src ${familyColor(p, m.family, src)} `);
  }
  if (m.metric !== undefined) p.any('metric', `metric ${m.metric} `, m.metric);
  printRtFlags(p, m.flags);
  if (m.mark) {
    p.field('mark', m.mark);
    p.text(m.mark >= 16 ? `mark 0x${m.mark.toString(16)} ` : `mark ${m.mark} `);
  }
  if (m.realms !== undefined) printRealms(p, m.realms);
  if (m.uid !== undefined) p.any('uid', `uid ${m.uid} `, m.uid);

  if (m.family === 4 && cloned) printCacheFlags(p, m.flags);
  if (m.expires !== undefined && m.expires !== 0) p.any('expires', `expires ${m.expires}sec `, m.expires);
  if (m.metrics && m.metrics.length > 0) printMetrics(p, m.metrics);
  if (m.iif !== undefined) printIfname(p, 'iif', m.iif);
  if (m.pref !== undefined) p.any('pref', `pref ${m.pref}`, m.pref);
  const nhInfo = m.nhid !== undefined && opts.details ? opts.nexthopObjects?.get(m.nhid) : undefined;
  if (nhInfo) printNexthopInfo(p, nhInfo);
  if (m.multipath) printMultipath(p, m, m.multipath);
  p.text('\n');
}
