// nft data types and the conversion of nft JSON constants (right-hand sides, set elements, map data) into model values.
import { parseIp } from '../addr/address.ts';
import { CT_DIRECTION, CT_STATE_BITS, type NfElement, type NfLiteral, type NfVerdict } from '../model/netfilter.ts';
import { IP_PROTOCOLS } from '../model/iproute2-names.ts';
import { isJsonObject } from './json-fields.ts';

/** A construct pbr does not model; caught per rule (or set) and turned into an `unknown` statement and a warning. */
export class NftUnsupported extends Error {}

/** The data type of an nft expression: decides how its constants are read. */
export type NftType =
  | { readonly kind: 'ipv4'; readonly name: string }
  | { readonly kind: 'ipv6'; readonly name: string }
  /** an integer, with the symbolic names nft prints for it; `bitmask` types take flag lists */
  | { readonly kind: 'int'; readonly name: string; readonly symbols?: ReadonlyMap<string, bigint>; readonly bitmask?: boolean }
  /** interface names: kept as written, a trailing `*` included */
  | { readonly kind: 'string'; readonly name: string }
  | { readonly kind: 'verdict'; readonly name: string }
  | { readonly kind: 'concat'; readonly name: string; readonly parts: readonly NftType[] }
  /** a type pbr cannot read constants of (ether_addr, time, …) */
  | { readonly kind: 'opaque'; readonly name: string };

const symbols = (entries: Record<string, number | bigint>): ReadonlyMap<string, bigint> =>
  new Map(Object.entries(entries).map(([k, v]) => [k, BigInt(v)]));

// the names `nft describe ip dscp` lists (nft 1.0.6)
const DSCP = symbols({
  cs0: 0x00, cs1: 0x08, cs2: 0x10, cs3: 0x18, cs4: 0x20, cs5: 0x28, cs6: 0x30, cs7: 0x38, df: 0x00, be: 0x00, lephb: 0x01,
  af11: 0x0a, af12: 0x0c, af13: 0x0e, af21: 0x12, af22: 0x14, af23: 0x16, af31: 0x1a, af32: 0x1c, af33: 0x1e,
  af41: 0x22, af42: 0x24, af43: 0x26, va: 0x2c, ef: 0x2e,
});
// `nft describe ct status`: nft prints seen-reply with a dash
const CT_STATUS = symbols({ expected: 0x1, 'seen-reply': 0x2, assured: 0x4, confirmed: 0x8, snat: 0x10, dnat: 0x20, dying: 0x200 });
const TCP_FLAGS = symbols({ fin: 0x01, syn: 0x02, rst: 0x04, psh: 0x08, ack: 0x10, urg: 0x20, ecn: 0x40, cwr: 0x80 });
const PKT_TYPE = symbols({ host: 0, unicast: 0, broadcast: 1, multicast: 2, other: 3 });
const NF_PROTO = symbols({ ipv4: 2, ipv6: 10 });
const ETHER_TYPE = symbols({ ip: 0x0800, arp: 0x0806, ip6: 0x86dd, '8021q': 0x8100, '8021ad': 0x88a8, vlan: 0x8100 });
const ICMP_TYPE = symbols({
  'echo-reply': 0, 'destination-unreachable': 3, 'source-quench': 4, redirect: 5, 'echo-request': 8, 'router-advertisement': 9,
  'router-solicitation': 10, 'time-exceeded': 11, 'parameter-problem': 12, 'timestamp-request': 13, 'timestamp-reply': 14,
  'info-request': 15, 'info-reply': 16, 'address-mask-request': 17, 'address-mask-reply': 18,
});
const ICMPV6_TYPE = symbols({
  'destination-unreachable': 1, 'packet-too-big': 2, 'time-exceeded': 3, 'parameter-problem': 4, 'echo-request': 128,
  'echo-reply': 129, 'mld-listener-query': 130, 'mld-listener-report': 131, 'mld-listener-done': 132, 'mld-listener-reduction': 132,
  'nd-router-solicit': 133, 'nd-router-advert': 134, 'nd-neighbor-solicit': 135, 'nd-neighbor-advert': 136, 'nd-redirect': 137,
  'router-renumbering': 138, 'ind-neighbor-solicit': 141, 'ind-neighbor-advert': 142, 'mld2-listener-report': 143,
});
const ICMP_CODE = symbols({
  'net-unreachable': 0, 'host-unreachable': 1, 'prot-unreachable': 2, 'port-unreachable': 3, 'frag-needed': 4,
  'net-prohibited': 9, 'host-prohibited': 10, 'admin-prohibited': 13,
});
const ICMPV6_CODE = symbols({
  'no-route': 0, 'admin-prohibited': 1, 'addr-unreachable': 3, 'port-unreachable': 4, 'policy-fail': 5, 'reject-route': 6,
});
// nft prints protocol numbers with the names of /etc/protocols; "icmpv6" is nft's own alias of 58
const INET_PROTO: ReadonlyMap<string, bigint> = new Map([
  ...IP_PROTOCOLS.flatMap(([id, ...names]) => names.map((n) => [n, BigInt(id)] as const)),
  ['icmpv6', 58n],
]);
// the services nft's JSON could name (it prints ports as numbers unless told otherwise)
const INET_SERVICE = symbols({ ftp: 21, ssh: 22, telnet: 23, smtp: 25, domain: 53, http: 80, ntp: 123, https: 443 });
const UID = symbols({ root: 0 });
const CT_STATE_SYMBOLS: ReadonlyMap<string, bigint> = new Map(Object.entries(CT_STATE_BITS));
const CT_DIR_SYMBOLS: ReadonlyMap<string, bigint> = new Map(Object.entries(CT_DIRECTION));

function int(name: string, symbolTable?: ReadonlyMap<string, bigint>, bitmask?: true): NftType {
  if (symbolTable === undefined) return { kind: 'int', name };
  return bitmask ? { kind: 'int', name, symbols: symbolTable, bitmask } : { kind: 'int', name, symbols: symbolTable };
}

/** nft's data types by the name it prints in set declarations and `nft describe`. */
const TYPES: ReadonlyMap<string, NftType> = new Map<string, NftType>([
  ['ipv4_addr', { kind: 'ipv4', name: 'ipv4_addr' }],
  ['ipv6_addr', { kind: 'ipv6', name: 'ipv6_addr' }],
  ['ifname', { kind: 'string', name: 'ifname' }],
  // `meta iif` sets: nft prints the device names, read as names like ifname
  ['iface_index', { kind: 'string', name: 'iface_index' }],
  ['verdict', { kind: 'verdict', name: 'verdict' }],
  ['mark', int('mark')],
  ['integer', int('integer')],
  ['inet_service', int('inet_service', INET_SERVICE)],
  ['inet_proto', int('inet_proto', INET_PROTO)],
  ['ether_type', int('ether_type', ETHER_TYPE)],
  ['nf_proto', int('nf_proto', NF_PROTO)],
  ['ct_state', int('ct_state', CT_STATE_SYMBOLS, true)],
  ['ct_status', int('ct_status', CT_STATUS, true)],
  ['ct_dir', int('ct_dir', CT_DIR_SYMBOLS)],
  ['dscp', int('dscp', DSCP)],
  ['pkt_type', int('pkt_type', PKT_TYPE)],
  ['tcp_flag', int('tcp_flag', TCP_FLAGS, true)],
  ['icmp_type', int('icmp_type', ICMP_TYPE)],
  ['icmpv6_type', int('icmpv6_type', ICMPV6_TYPE)],
  ['icmp_code', int('icmp_code', ICMP_CODE)],
  ['icmpv6_code', int('icmpv6_code', ICMPV6_CODE)],
  ['uid', int('uid', UID)],
  ['gid', int('gid', UID)],
  ['classid', int('classid')],
]);

/** The type of an nft type name; names pbr cannot read constants of are `opaque`. */
export function nftTypeByName(name: string): NftType {
  return TYPES.get(name) ?? { kind: 'opaque', name };
}

/** A set's key type from its JSON "type" (one name, or an array for a concatenation). */
export function nftKeyType(names: readonly string[]): NftType {
  if (names.length === 1) return nftTypeByName(names[0] ?? '');
  return { kind: 'concat', name: names.join(' . '), parts: names.map(nftTypeByName) };
}

// nft prints `mark and 0xfffffffc == 0x0` as the prefix `0x0/30`: integer types need their width too
const INT_WIDTH: ReadonlyMap<string, number> = new Map([
  ['mark', 32], ['uid', 32], ['gid', 32], ['ct_state', 32], ['ct_status', 32], ['classid', 32], ['inet_service', 16], ['inet_proto', 8],
]);

/** The bit width of a type, for prefixes. */
function prefixWidth(type: NftType): number | undefined {
  if (type.kind === 'int') return INT_WIDTH.get(type.name);
  return type.kind === 'ipv4' ? 32 : type.kind === 'ipv6' ? 128 : undefined;
}

/** One constant of `type` (a JSON number or string) as a model literal. */
export function convertLiteral(json: unknown, type: NftType): NfLiteral {
  switch (type.kind) {
    case 'ipv4':
    case 'ipv6': {
      const addr = typeof json === 'string' ? parseIp(json, 'strict', type.kind === 'ipv4' ? 4 : 6) : undefined;
      if (addr === undefined) throw new NftUnsupported(`${describe(json)} is not an ${type.kind === 'ipv4' ? 'IPv4' : 'IPv6'} address`);
      return BigInt(addr.value);
    }
    case 'string':
      if (typeof json === 'string' && !/^\d+$/.test(json)) return json;
      // nft prints the index of a device that no longer exists
      throw new NftUnsupported(`interface ${describe(json)} is an index without a device`);
    case 'int':
      return convertInteger(json, type);
    case 'verdict':
    case 'concat':
    case 'opaque':
      throw new NftUnsupported(`cannot read ${describe(json)} as ${type.name}`);
  }
}

function convertInteger(json: unknown, type: NftType & { kind: 'int' }): bigint {
  if (typeof json === 'number' && Number.isSafeInteger(json) && json >= 0) return BigInt(json);
  if (typeof json === 'string') {
    if (/^\d+$/.test(json)) return BigInt(json);
    if (/^0x[0-9a-f]+$/i.test(json)) return BigInt(json);
    const symbol = type.symbols?.get(json);
    if (symbol !== undefined) return symbol;
    // meta priority / tc classid "major:minor" (hex parts)
    const classid = type.name === 'classid' ? /^([0-9a-f]+):([0-9a-f]+)$/i.exec(json) : null;
    if (classid) return (BigInt(`0x${classid[1]}`) << 16n) | BigInt(`0x${classid[2]}`);
  }
  // a flag list of a bitmask type: ["established", "related"] or {"|": [a, b]}
  if (type.bitmask && Array.isArray(json)) return json.reduce<bigint>((acc, v) => acc | convertInteger(v, type), 0n);
  if (type.bitmask && isJsonObject(json) && Array.isArray(json['|']) && json['|'].length === 2) {
    return json['|'].reduce<bigint>((acc, v) => acc | convertInteger(v, type), 0n);
  }
  throw new NftUnsupported(`cannot read ${describe(json)} as ${type.name}`);
}

/** One element of a set or a pattern: a value, {"prefix"}, {"range"}, {"concat"}, or an {"elem"} wrapper of one. */
export function convertElement(json: unknown, type: NftType): NfElement {
  if (isJsonObject(json)) {
    if (isJsonObject(json['elem'])) return convertElement(json['elem']['val'], type);
    const prefix = json['prefix'];
    if (isJsonObject(prefix)) {
      const width = prefixWidth(type);
      const length = prefix['len'];
      if (width === undefined || typeof length !== 'number' || !Number.isInteger(length) || length < 0 || length > width) {
        throw new NftUnsupported(`cannot read the prefix ${JSON.stringify(prefix)} as ${type.name}`);
      }
      const value = convertLiteral(prefix['addr'], type);
      if (typeof value !== 'bigint') throw new NftUnsupported(`cannot read the prefix ${JSON.stringify(prefix)}`);
      return { kind: 'prefix', value, length, width };
    }
    const range = json['range'];
    if (Array.isArray(range) && range.length === 2) {
      const low = convertLiteral(range[0], type);
      const high = convertLiteral(range[1], type);
      if (typeof low !== 'bigint' || typeof high !== 'bigint') throw new NftUnsupported(`cannot read the range ${JSON.stringify(range)} as ${type.name}`);
      return { kind: 'range', low, high };
    }
    const concat = json['concat'];
    if (Array.isArray(concat)) {
      if (type.kind !== 'concat' || type.parts.length !== concat.length) {
        throw new NftUnsupported(`the concatenation ${JSON.stringify(concat)} does not fit ${type.name}`);
      }
      return { kind: 'concat', parts: concat.map((part, i) => convertElement(part, type.parts[i] ?? type)) };
    }
  }
  return { kind: 'value', value: convertLiteral(json, type) };
}

/** A verdict written as JSON: {"accept": null}, {"jump": {"target": "x"}}, … */
export function convertVerdict(json: unknown): NfVerdict | undefined {
  if (!isJsonObject(json)) return undefined;
  const keys = Object.keys(json);
  if (keys.length !== 1) return undefined;
  const key = keys[0];
  switch (key) {
    case 'accept':
    case 'drop':
    case 'continue':
    case 'return':
    case 'queue':
      return { kind: key };
    case 'jump':
    case 'goto': {
      const target = json[key];
      if (isJsonObject(target) && typeof target['target'] === 'string') return { kind: key, chain: target['target'] };
      return undefined;
    }
    default:
      return undefined;
  }
}

/** A short description of a JSON value for messages. */
export function describe(json: unknown): string {
  return typeof json === 'string' ? `"${json}"` : JSON.stringify(json) ?? String(json);
}
