// The packet `pbr trace` follows: route get's selectors plus proto/port names, icmp-type, --from-local, --uid/--gid.
import { parseIp } from '../addr/address.ts';
import type { Family, IpAddress } from '../addr/types.ts';
import { UsageError } from '../model/errors.ts';
import type { TraceRequest } from '../model/journey.ts';
import { lookupServicePort, type ServiceIndex } from '../model/services.ts';
import { ipprotoName } from '../model/iproute2-names.ts';
import { parseDsfield, parseIpproto } from '../render/iproute2-names.ts';
import { parseCUnsigned } from '../render/strtoul.ts';
import { classifyKeyword, invalidAddress, matches } from './route-get-args.ts';

/** What the options (not the selector words) say about the packet. */
export interface TraceArgContext {
  readonly family?: Family;
  readonly fromLocal: boolean;
  readonly reply: boolean;
  /** --uid / --gid as given */
  readonly uid?: string;
  readonly gid?: string;
  readonly services: ServiceIndex;
}

export type TraceArgs = { readonly kind: 'request'; readonly request: TraceRequest } | { readonly kind: 'help' };

type TraceKeyword =
  | 'tos' | 'from' | 'iif' | 'mark' | 'oif' | 'uid' | 'gid' | 'sport' | 'dport' | 'proto' | 'icmp-type' | 'unsupported';

/** Route get's words with their abbreviations first (so `i` stays `iif`), then trace's own. */
function classifyTraceKeyword(word: string): TraceKeyword | undefined {
  const k = classifyKeyword(word);
  switch (k) {
    case 'ipproto':
      return 'proto';
    case 'notify':
    case 'connected':
    case 'vrf':
    case 'fibmatch':
    case 'as':
      return 'unsupported';
    case undefined:
      break;
    default:
      return k;
  }
  if (matches(word, 'proto')) return 'proto';
  if (word === 'icmp-type' || word === 'icmptype') return 'icmp-type';
  if (word === 'gid') return 'gid';
  return undefined;
}

/** Whether `word`, in keyword position, consumes the next argument as its value. */
export function traceTakesValue(word: string): boolean {
  const k = classifyTraceKeyword(word);
  return k === undefined ? word === 'to' : k !== 'unsupported';
}

const NUMBER_HINT = 'decimal, 0x… hexadecimal or 0… octal';
const IPPROTO = { icmp: 1, tcp: 6, udp: 17, dccp: 33, icmpv6: 58, sctp: 132, udplite: 136 } as const;
const PORT_PROTOCOLS: ReadonlySet<number> = new Set([IPPROTO.tcp, IPPROTO.udp, IPPROTO.dccp, IPPROTO.sctp, IPPROTO.udplite]);
const ICMP_ECHO_REQUEST = { 4: 8, 6: 128 } as const;
const ICMP_TYPE_NAMES: Readonly<Record<Family, Readonly<Record<string, number>>>> = {
  4: { 'echo-reply': 0, 'destination-unreachable': 3, 'echo-request': 8, 'time-exceeded': 11 },
  6: { 'destination-unreachable': 1, 'packet-too-big': 2, 'time-exceeded': 3, 'echo-request': 128, 'echo-reply': 129 },
};

function numberArg(keyword: string, text: string, max: number, hint: string): number {
  const n = parseCUnsigned(text, 0, max);
  if (n === undefined) throw new UsageError(`invalid ${keyword} "${text}"`, hint);
  return n;
}

function addressArg(text: string, family: Family | undefined): IpAddress {
  if (text.includes('/')) {
    throw new UsageError(`"${text}" is a prefix`, 'pbr trace follows one packet: give an address without /LENGTH');
  }
  const f: Family = text.includes(':') ? 6 : 4;
  const keyword = text === 'default' || text === 'all' || text === 'any';
  const address = keyword || (family !== undefined && family !== f) ? undefined : parseIp(text, 'iproute2', f);
  if (!address) throw invalidAddress(text, family);
  return address;
}

function portArg(keyword: string, text: string, services: ServiceIndex, proto: number): number {
  if (/^[0-9]/.test(text)) return numberArg(keyword, text, 0xffff, `a port is a number 0..65535 (${NUMBER_HINT}) or a service name`);
  const port = lookupServicePort(services, text, ipprotoName(proto));
  if (port === undefined) {
    throw new UsageError(`unknown service "${text}" for ${keyword}`, 'give a port number or a name from /etc/services (ssh, http, https, domain, …)');
  }
  return port;
}

function icmpTypeArg(text: string, family: Family): number {
  const named = ICMP_TYPE_NAMES[family][text];
  if (named !== undefined) return named;
  const names = Object.keys(ICMP_TYPE_NAMES[family]).join(', ');
  return numberArg('icmp-type', text, 0xff, `a number 0..255 or one of ${names}`);
}

interface Collected {
  family: Family | undefined;
  dst?: IpAddress;
  src?: IpAddress;
  iif?: string;
  oif?: string;
  mark?: number;
  tos?: number;
  uid?: number;
  gid?: number;
  proto?: { readonly value: number; readonly text: string };
  sport?: string;
  dport?: string;
  icmpType?: string;
}

function idArg(keyword: string, text: string): number {
  return numberArg(keyword, text, 0xffffffff, `a ${keyword} is a number 0..4294967295, ${NUMBER_HINT}`);
}

/** Reads the words; returns undefined for `help`. */
function collect(args: readonly string[], ctx: TraceArgContext): Collected | undefined {
  const c: Collected = { family: ctx.family };
  if (ctx.uid !== undefined) c.uid = idArg('uid', ctx.uid);
  if (ctx.gid !== undefined) c.gid = idArg('gid', ctx.gid);
  let i = 0;
  const next = (word: string): string => {
    i++;
    const value = args[i];
    if (value === undefined) throw new UsageError(`"${word}" needs a value`, 'see `pbr trace --help`');
    return value;
  };
  for (; i < args.length; i++) {
    const word = args[i]!;
    const keyword = classifyTraceKeyword(word);
    switch (keyword) {
      case 'tos': {
        const value = next(word);
        const tos = parseDsfield(value);
        if (tos === undefined) throw new UsageError(`invalid tos "${value}"`, 'tos is hexadecimal (10 means 0x10) or an rt_dsfield name such as CS1, AF11, EF');
        c.tos = tos;
        break;
      }
      case 'from': {
        const value = next(word);
        if (matches(value, 'help')) return undefined;
        c.src = addressArg(value, c.family);
        c.family ??= c.src.family;
        break;
      }
      case 'iif':
        c.iif = next(word);
        break;
      case 'oif':
        c.oif = next(word);
        break;
      case 'mark':
        c.mark = numberArg('mark', next(word), 0xffffffff, `a mark is a number 0..4294967295, ${NUMBER_HINT}`);
        break;
      case 'uid':
      case 'gid':
        c[keyword] = idArg(keyword, next(word));
        break;
      case 'sport':
      case 'dport':
        c[keyword] = next(word);
        break;
      case 'icmp-type':
        c.icmpType = next(word);
        break;
      case 'proto': {
        const value = next(word);
        const proto = parseIpproto(value);
        if (proto === undefined) throw new UsageError(`invalid protocol "${value}"`, 'a protocol name (tcp, udp, icmp, ipv6-icmp, sctp, …) or a decimal number 0..255');
        c.proto = { value: proto, text: value };
        break;
      }
      case 'unsupported':
        throw new UsageError(`"${word}" is not supported by pbr trace`, 'supported: to, from, iif, oif, mark, tos/dsfield, proto/ipproto, sport, dport, icmp-type, uid, gid');
      case undefined: {
        const value = word === 'to' ? next(word) : word;
        if (matches(value, 'help')) return undefined;
        if (c.dst !== undefined) throw new UsageError(`a second destination "${value}"`, 'pbr trace follows one packet to one destination');
        c.dst = addressArg(value, c.family);
        c.family ??= c.dst.family;
        break;
      }
    }
  }
  return c;
}

function protocolOf(c: Collected, family: Family): number {
  if (c.proto) {
    // `proto icmp` of an IPv6 packet means ICMPv6, as nft's `meta l4proto icmp` would not match it
    return family === 6 && c.proto.text.toLowerCase() === 'icmp' ? IPPROTO.icmpv6 : c.proto.value;
  }
  if (c.sport !== undefined || c.dport !== undefined) return IPPROTO.tcp;
  return family === 4 ? IPPROTO.icmp : IPPROTO.icmpv6;
}

function checkOrigin(c: Collected, ctx: TraceArgContext): void {
  if (ctx.fromLocal && c.iif !== undefined) {
    throw new UsageError('--from-local and iif exclude each other', 'a locally generated packet has no input device: drop iif, or drop --from-local to trace a received packet');
  }
  if (!ctx.fromLocal && c.iif === undefined) {
    throw new UsageError(
      'where does the packet come from? give iif DEV (received on DEV) or --from-local (sent by this host)',
      'e.g. pbr trace 203.0.113.10 from 10.0.0.50 iif lan0 proto tcp dport ssh, or pbr trace --from-local 203.0.113.10',
    );
  }
  if (ctx.fromLocal) return;
  if (c.src === undefined) throw new UsageError(`a packet received on ${c.iif} needs its source address`, 'add from ADDR (the address the packet carries)');
  for (const [what, given] of [['oif', c.oif], ['uid', c.uid], ['gid', c.gid]] as const) {
    if (given !== undefined) {
      throw new UsageError(`${what} describes the sending socket of a locally generated packet`, `add --from-local, or drop ${what} for a packet received on ${c.iif}`);
    }
  }
}

/** Parses the words after `trace` (and the options that describe the packet); throws UsageError for bad input. */
export function parseTraceArgs(args: readonly string[], ctx: TraceArgContext): TraceArgs {
  const c = collect(args, ctx);
  if (c === undefined) return { kind: 'help' };
  if (c.dst === undefined) throw new UsageError('pbr trace needs a destination address', 'e.g. pbr trace --from-local 203.0.113.10 proto tcp dport 443');
  checkOrigin(c, ctx);
  const family = c.family ?? c.dst.family;
  const proto = protocolOf(c, family);
  const name = ipprotoName(proto);
  const hasPorts = c.sport !== undefined || c.dport !== undefined;
  if (hasPorts && !PORT_PROTOCOLS.has(proto)) {
    throw new UsageError(`${name} has no ports`, 'sport/dport apply to tcp, udp, sctp, dccp and udplite');
  }
  const icmp = family === 4 ? IPPROTO.icmp : IPPROTO.icmpv6;
  if (c.icmpType !== undefined && proto !== icmp) {
    throw new UsageError(`icmp-type needs an ${family === 4 ? 'icmp' : 'ipv6-icmp'} packet, not ${name}`, `add proto ${family === 4 ? 'icmp' : 'ipv6-icmp'}, or drop icmp-type`);
  }
  const icmpType = proto !== icmp ? undefined : c.icmpType !== undefined ? icmpTypeArg(c.icmpType, family) : ICMP_ECHO_REQUEST[family];
  const request: TraceRequest = {
    family,
    dst: c.dst,
    ...(c.src ? { src: c.src } : {}),
    ...(c.iif !== undefined ? { iif: c.iif } : {}),
    fromLocal: ctx.fromLocal,
    ...(c.oif !== undefined ? { oif: c.oif } : {}),
    ...(c.mark !== undefined ? { mark: c.mark } : {}),
    ...(c.tos !== undefined ? { tos: c.tos } : {}),
    ...(c.uid !== undefined ? { uid: c.uid } : {}),
    ...(c.gid !== undefined ? { gid: c.gid } : {}),
    proto,
    ...(c.sport !== undefined ? { sport: portArg('sport', c.sport, ctx.services, proto) } : {}),
    ...(c.dport !== undefined ? { dport: portArg('dport', c.dport, ctx.services, proto) } : {}),
    ...(icmpType !== undefined ? { icmpType } : {}),
    reply: ctx.reply,
  };
  return { kind: 'request', request };
}
