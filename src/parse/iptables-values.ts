// Values on iptables command lines: numbers, value/mask pairs, addresses, ports, protocols, ICMP types, DSCP classes.
import { parseIp } from '../addr/ip.ts';
import type { Family } from '../addr/types.ts';
import type { NfElement } from '../model/netfilter.ts';

export const MARK_ALL = 0xffffffffn;

/** mirrors strtoul(…, 0), which xtables_strtoul() uses: 0x hex, leading 0 octal, else decimal */
export function parseXtNumber(text: string): bigint | undefined {
  if (/^0x[0-9a-f]+$/i.test(text)) return BigInt(text);
  if (/^0[0-7]*$/.test(text)) return BigInt(`0o${text.slice(1) || '0'}`);
  if (/^[1-9]\d*$/.test(text)) return BigInt(text);
  return undefined;
}

/** `value[/mask]` of at most `max`; the mask defaults to `defaultMask` */
export function parseValueMask(text: string, defaultMask: bigint, max = MARK_ALL): { value: bigint; mask: bigint } | undefined {
  const [valueText = '', maskText, extra] = text.split('/');
  if (extra !== undefined) return undefined;
  const value = parseXtNumber(valueText);
  const mask = maskText === undefined ? defaultMask : parseXtNumber(maskText);
  if (value === undefined || mask === undefined || value > max || mask > max) return undefined;
  return { value, mask };
}

/** An address selector of -s/-d: a prefix, a single address, or (dotted, non-contiguous) an address under a mask. */
export type AddressSpec =
  | { readonly kind: 'element'; readonly element: NfElement }
  | { readonly kind: 'masked'; readonly value: bigint; readonly mask: bigint; readonly width: number };

export function addressValue(text: string, family: Family): bigint | undefined {
  const addr = parseIp(text, 'strict', family);
  return addr === undefined ? undefined : BigInt(addr.value);
}

/** mirrors xtables_ipparse_multiple()/xtables_ip6parse_multiple() for one address: `addr[/len|/mask]` */
export function parseAddressSpec(text: string, family: Family): AddressSpec | undefined {
  const width = family === 4 ? 32 : 128;
  const all = (1n << BigInt(width)) - 1n;
  const [addrText = '', maskText, extra] = text.split('/');
  if (extra !== undefined) return undefined;
  const value = addressValue(addrText, family);
  if (value === undefined) return undefined;
  let length = width;
  if (maskText !== undefined) {
    if (/^\d+$/.test(maskText)) {
      length = Number(maskText);
      if (length > width) return undefined;
    } else {
      const mask = addressValue(maskText, family);
      if (mask === undefined) return undefined;
      const contiguous = prefixLengthOfMask(mask, width);
      if (contiguous === undefined) return { kind: 'masked', value: value & mask, mask, width };
      length = contiguous;
    }
  }
  const netmask = length === 0 ? 0n : (all >> BigInt(width - length)) << BigInt(width - length);
  if (length === width) return { kind: 'element', element: { kind: 'value', value } };
  return { kind: 'element', element: { kind: 'prefix', value: value & netmask, length, width } };
}

function prefixLengthOfMask(mask: bigint, width: number): number | undefined {
  for (let length = 0; length <= width; length++) {
    const all = (1n << BigInt(width)) - 1n;
    const netmask = length === 0 ? 0n : (all >> BigInt(width - length)) << BigInt(width - length);
    if (netmask === mask) return length;
  }
  return undefined;
}

/** `port`, `low:high`, `:high`, `low:` (xt_tcpudp, xt_multiport, MASQUERADE/REDIRECT use `-`) */
export function parsePortSpec(text: string, separator: ':' | '-' = ':'): NfElement | undefined {
  const parts = text.split(separator);
  if (parts.length > 2) return undefined;
  const port = (p: string, missing: bigint): bigint | undefined => {
    if (p === '') return parts.length === 2 ? missing : undefined;
    return /^\d+$/.test(p) && Number(p) <= 65535 ? BigInt(p) : undefined;
  };
  const low = port(parts[0] ?? '', 0n);
  if (parts.length === 1) return low === undefined ? undefined : { kind: 'value', value: low };
  const high = port(parts[1] ?? '', 65535n);
  if (low === undefined || high === undefined || low > high) return undefined;
  return low === high ? { kind: 'value', value: low } : { kind: 'range', low, high };
}

// netbase's /etc/protocols names and the aliases libxtables adds (xtables_chain_protos)
const PROTOCOLS: Readonly<Record<string, number>> = {
  all: 0,
  icmp: 1,
  igmp: 2,
  ipencap: 4,
  tcp: 6,
  egp: 8,
  udp: 17,
  dccp: 33,
  ipv6: 41,
  'ipv6-route': 43,
  'ipv6-frag': 44,
  rsvp: 46,
  gre: 47,
  esp: 50,
  ah: 51,
  'ipv6-icmp': 58,
  icmpv6: 58,
  'ipv6-nonxt': 59,
  'ipv6-opts': 60,
  ospf: 89,
  ipip: 94,
  pim: 103,
  vrrp: 112,
  l2tp: 115,
  sctp: 132,
  'ipv6-mh': 135,
  mh: 135,
  udplite: 136,
};

/** mirrors xtables_parse_protocol(): a number or a name, case-insensitive */
export function parseProtocol(text: string): number | undefined {
  if (/^\d+$/.test(text)) return Number(text) <= 255 ? Number(text) : undefined;
  const number = PROTOCOLS[text.toLowerCase()];
  return number;
}

/** Protocols whose header carries the ports xt_tcpudp/xt_multiport read, by name as nft's payload calls them. */
export const PORT_PROTOCOLS: ReadonlyMap<number, string> = new Map([[6, 'tcp'], [17, 'udp'], [33, 'dccp'], [132, 'sctp'], [136, 'udplite']]);

export interface IcmpType {
  readonly type: number;
  /** inclusive code range; 0–255 means any code */
  readonly codeLow: number;
  readonly codeHigh: number;
}

// mirrors icmp_codes[] of libxt_icmp.c / icmpv6_codes[] of libip6t_icmp6.c (the names policy rules use)
const ICMP_NAMES: Readonly<Record<string, readonly [number, number?]>> = {
  'echo-reply': [0],
  pong: [0],
  'destination-unreachable': [3],
  'network-unreachable': [3, 0],
  'host-unreachable': [3, 1],
  'protocol-unreachable': [3, 2],
  'port-unreachable': [3, 3],
  'fragmentation-needed': [3, 4],
  'source-route-failed': [3, 5],
  'network-prohibited': [3, 9],
  'host-prohibited': [3, 10],
  'communication-prohibited': [3, 13],
  'source-quench': [4],
  redirect: [5],
  'echo-request': [8],
  ping: [8],
  'router-advertisement': [9],
  'router-solicitation': [10],
  'time-exceeded': [11],
  'ttl-zero-during-transit': [11, 0],
  'ttl-zero-during-reassembly': [11, 1],
  'parameter-problem': [12],
  'timestamp-request': [13],
  'timestamp-reply': [14],
};

const ICMPV6_NAMES: Readonly<Record<string, readonly [number, number?]>> = {
  'destination-unreachable': [1],
  'no-route': [1, 0],
  'communication-prohibited': [1, 1],
  'address-unreachable': [1, 3],
  'port-unreachable': [1, 4],
  'packet-too-big': [2],
  'time-exceeded': [3],
  'ttl-zero-during-transit': [3, 0],
  'parameter-problem': [4],
  'echo-request': [128],
  ping: [128],
  'echo-reply': [129],
  pong: [129],
  'router-solicitation': [133],
  'router-advertisement': [134],
  'neighbour-solicitation': [135],
  'neighbor-solicitation': [135],
  'neighbour-advertisement': [136],
  'neighbor-advertisement': [136],
  redirect: [137],
};

/** `type[/code]` or a name; `any` (IPv4 only) is every type. */
export function parseIcmpType(text: string, family: Family): IcmpType | 'any' | undefined {
  if (family === 4 && text === 'any') return 'any';
  const named = (family === 4 ? ICMP_NAMES : ICMPV6_NAMES)[text];
  if (named !== undefined) {
    const [type, code] = named;
    return code === undefined ? { type, codeLow: 0, codeHigh: 255 } : { type, codeLow: code, codeHigh: code };
  }
  const match = /^(\d+)(?:\/(\d+))?$/.exec(text);
  if (!match) return undefined;
  const type = Number(match[1]);
  const code = match[2] === undefined ? undefined : Number(match[2]);
  if (type > 255 || (code !== undefined && code > 255)) return undefined;
  return code === undefined ? { type, codeLow: 0, codeHigh: 255 } : { type, codeLow: code, codeHigh: code };
}

// mirrors ds_classes[] of libxt_dscp_helper.c
const DSCP_CLASSES: Readonly<Record<string, number>> = {
  CS0: 0x00, CS1: 0x08, CS2: 0x10, CS3: 0x18, CS4: 0x20, CS5: 0x28, CS6: 0x30, CS7: 0x38, BE: 0x00,
  AF11: 0x0a, AF12: 0x0c, AF13: 0x0e, AF21: 0x12, AF22: 0x14, AF23: 0x16,
  AF31: 0x1a, AF32: 0x1c, AF33: 0x1e, AF41: 0x22, AF42: 0x24, AF43: 0x26, EF: 0x2e,
};

export function parseDscpClass(text: string): number | undefined {
  return DSCP_CLASSES[text.toUpperCase()];
}

// mirrors tos_symbol_names[] of libxt_tos.c
const TOS_NAMES: Readonly<Record<string, number>> = {
  'minimize-delay': 0x10,
  'maximize-throughput': 0x08,
  'maximize-reliability': 0x04,
  'minimize-cost': 0x02,
  'normal-service': 0x00,
};

/** `value[/mask]` or a symbolic name (mask 0x3f, as libxt_tos gives names) */
export function parseTosSpec(text: string): { value: bigint; mask: bigint } | undefined {
  const named = TOS_NAMES[text.toLowerCase()];
  if (named !== undefined) return { value: BigInt(named), mask: 0x3fn };
  return parseValueMask(text, 0xffn, 0xffn);
}
