// nft JSON expressions (meta, ct, payload, numgen, hashes, binops, concatenations, maps) → NfExpr with their data type.
import type { NfCtKey, NfExpr, NfFamily, NfMapEntry, NfMetaKey, NfSetSource } from '../model/netfilter.ts';
import { isJsonObject, type JsonObject } from './json-fields.ts';
import { convertElement, convertLiteral, convertVerdict, describe, nftTypeByName, NftUnsupported, type NftType } from './nft-literal.ts';
import { renderNftExpr } from './nft-render.ts';

/** A named set or map of the table, as rules see it. */
export interface NftSetInfo {
  readonly keyType: NftType;
  /** maps only */
  readonly dataType?: NftType;
  /** why pbr could not read some of its elements (rules using it become unknown) */
  readonly unreadable?: string;
}

/** What converting one rule needs to know about its table. */
export interface NftContext {
  readonly family: NfFamily;
  readonly sets: ReadonlyMap<string, NftSetInfo>;
}

export interface TypedExpr {
  readonly expr: NfExpr;
  readonly type: NftType;
}

const t = nftTypeByName;

// `meta iif`/`meta oif` are read as iifname/oifname: nft prints the device's name, and a snapshot names devices,
// so comparing names is what the index comparison amounts to unless a device was renamed after the rule was loaded
const META_KEYS: ReadonlyMap<string, readonly [NfMetaKey, string]> = new Map([
  ['mark', ['mark', 'mark']],
  ['iifname', ['iifname', 'ifname']],
  ['oifname', ['oifname', 'ifname']],
  ['iif', ['iifname', 'ifname']],
  ['oif', ['oifname', 'ifname']],
  ['l4proto', ['l4proto', 'inet_proto']],
  ['nfproto', ['nfproto', 'nf_proto']],
  ['protocol', ['protocol', 'ether_type']],
  ['skuid', ['skuid', 'uid']],
  ['skgid', ['skgid', 'gid']],
  ['pkttype', ['pkttype', 'pkt_type']],
  ['length', ['length', 'integer']],
  ['priority', ['priority', 'classid']],
  ['random', ['random', 'integer']],
]);

const CT_KEYS: ReadonlyMap<string, readonly [NfCtKey, string]> = new Map([
  ['mark', ['mark', 'mark']],
  ['state', ['state', 'ct_state']],
  ['direction', ['direction', 'ct_dir']],
  ['status', ['status', 'ct_status']],
  ['l3proto', ['l3proto', 'nf_proto']],
  ['protocol', ['protocol', 'inet_proto']],
  ['proto-src', ['proto-src', 'inet_service']],
  ['proto-dst', ['proto-dst', 'inet_service']],
  ['ip saddr', ['saddr', 'ipv4_addr']],
  ['ip daddr', ['daddr', 'ipv4_addr']],
  ['ip6 saddr', ['saddr', 'ipv6_addr']],
  ['ip6 daddr', ['daddr', 'ipv6_addr']],
]);

const TRANSPORT_FIELDS: Readonly<Record<string, string>> = { sport: 'inet_service', dport: 'inet_service' };

/** Header fields pbr reads, with their types; a protocol's other fields are integers. */
const PAYLOAD_FIELDS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  ip: { saddr: 'ipv4_addr', daddr: 'ipv4_addr', protocol: 'inet_proto', dscp: 'dscp' },
  ip6: { saddr: 'ipv6_addr', daddr: 'ipv6_addr', nexthdr: 'inet_proto', dscp: 'dscp' },
  tcp: { ...TRANSPORT_FIELDS, flags: 'tcp_flag' },
  udp: TRANSPORT_FIELDS,
  udplite: TRANSPORT_FIELDS,
  sctp: TRANSPORT_FIELDS,
  dccp: TRANSPORT_FIELDS,
  th: TRANSPORT_FIELDS,
  icmp: { type: 'icmp_type', code: 'icmp_code' },
  icmpv6: { type: 'icmpv6_type', code: 'icmpv6_code' },
};

const BINOPS = ['&', '|', '^', '<<', '>>'] as const;

/**
 * Converts an expression. `expected` is the type of the place its value goes (a mangle target, NAT address,
 * map data): it types bare constants and the data of anonymous maps.
 */
export function convertExpr(json: unknown, ctx: NftContext, expected?: NftType): TypedExpr {
  if (!isJsonObject(json)) {
    if (expected === undefined) throw new NftUnsupported(`a constant ${describe(json)} where an expression was expected`);
    return { expr: { kind: 'const', value: convertLiteral(json, expected) }, type: expected };
  }
  const key = Object.keys(json)[0] ?? '';
  const body = json[key];
  const o: JsonObject = isJsonObject(body) ? body : {};
  switch (key) {
    case 'meta': {
      const k = META_KEYS.get(String(o['key']));
      if (k === undefined) throw new NftUnsupported(`meta ${String(o['key'])}`);
      return { expr: { kind: 'meta', key: k[0] }, type: t(k[1]) };
    }
    case 'ct':
      return convertCt(o, ctx.family);
    case 'payload':
      return convertPayload(o);
    case 'numgen': {
      const mode = o['mode'];
      if (mode !== 'random' && mode !== 'inc') throw new NftUnsupported(`numgen ${String(mode)}`);
      return { expr: { kind: 'numgen', mode, mod: uint(o['mod'], 'numgen mod'), offset: uint(o['offset'] ?? 0, 'numgen offset') }, type: t('integer') };
    }
    case 'jhash':
    case 'symhash':
      return {
        expr: { kind: 'hash', mode: key, mod: uint(o['mod'], `${key} mod`), offset: uint(o['offset'] ?? 0, `${key} offset`), text: renderNftExpr(json) },
        type: t('integer'),
      };
    case 'concat': {
      if (!Array.isArray(body)) break;
      const parts = body.map((part) => convertExpr(part, ctx));
      return {
        expr: { kind: 'concat', parts: parts.map((p) => p.expr) },
        type: { kind: 'concat', name: parts.map((p) => p.type.name).join(' . '), parts: parts.map((p) => p.type) },
      };
    }
    case 'map': {
      const mapKey = convertExpr(o['key'], ctx);
      const { source, dataType } = convertMapSource(o['data'], mapKey.type, ctx, expected);
      return { expr: { kind: 'map', key: mapKey.expr, map: source }, type: dataType };
    }
    default:
      if ((BINOPS as readonly string[]).includes(key) && Array.isArray(body) && body.length === 2) {
        const left = convertExpr(body[0], ctx, expected);
        // a shift count is a plain number; the other operand of a bitwise op has the left one's type
        const right = convertExpr(body[1], ctx, key === '<<' || key === '>>' ? t('integer') : left.type);
        return { expr: { kind: 'binop', op: key as (typeof BINOPS)[number], left: left.expr, right: right.expr }, type: left.type };
      }
  }
  throw new NftUnsupported(renderNftExpr(json));
}

function convertCt(o: JsonObject, family: NfFamily): TypedExpr {
  const name = String(o['key']);
  // in ip and ip6 tables nft 1.0.6 prints `ct original ip saddr` as the key "saddr": the table gives the family
  const qualified = (name === 'saddr' || name === 'daddr') && (family === 'ip' || family === 'ip6') ? `${family} ${name}` : name;
  const k = CT_KEYS.get(qualified);
  if (k === undefined) throw new NftUnsupported(`ct ${name}`);
  const dir = o['dir'];
  if (dir === 'original' || dir === 'reply') return { expr: { kind: 'ct', key: k[0], dir }, type: t(k[1]) };
  if (dir !== undefined) throw new NftUnsupported(`ct ${String(dir)} ${name}`);
  return { expr: { kind: 'ct', key: k[0] }, type: t(k[1]) };
}

function convertPayload(o: JsonObject): TypedExpr {
  const protocol = o['protocol'];
  const field = o['field'];
  if (typeof protocol !== 'string' || typeof field !== 'string') {
    throw new NftUnsupported(`raw payload @${String(o['base'])},${String(o['offset'])},${String(o['len'])}`);
  }
  const fields = PAYLOAD_FIELDS[protocol];
  if (fields === undefined) throw new NftUnsupported(`${protocol} ${field}`);
  return { expr: { kind: 'payload', protocol, field }, type: t(fields[field] ?? 'integer') };
}

function uint(v: unknown, what: string): number {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  throw new NftUnsupported(`${what} ${describe(v)}`);
}

/** The right-hand side of a map lookup: "@name" or {"set": [[key, data], …]}; with the type of the data. */
function convertMapSource(
  json: unknown,
  keyType: NftType,
  ctx: NftContext,
  expected: NftType | undefined,
): { source: NfSetSource; dataType: NftType } {
  if (typeof json === 'string' && json.startsWith('@')) {
    const info = namedSet(json, ctx);
    if (info.dataType === undefined) throw new NftUnsupported(`${json} is a set, not a map`);
    return { source: { kind: 'named', name: json.slice(1) }, dataType: info.dataType };
  }
  if (expected === undefined) throw new NftUnsupported(`map ${renderNftExpr(json)} whose data type is unknown`);
  return { source: convertAnonymousSet(json, keyType, expected), dataType: expected };
}

/** A named set or map by its "@name" reference; rules on a set pbr could not read become unknown. */
export function namedSet(ref: string, ctx: NftContext): NftSetInfo {
  const info = ctx.sets.get(ref.slice(1));
  if (info === undefined) throw new NftUnsupported(`${ref}, which is not in the table`);
  if (info.unreadable !== undefined) throw new NftUnsupported(`${ref} (${info.unreadable})`);
  return info;
}

/** {"set": [...]}: the elements of an anonymous set, or the entries of an anonymous map when `dataType` is given. */
export function convertAnonymousSet(json: unknown, keyType: NftType, dataType?: NftType): NfSetSource {
  if (!isJsonObject(json) || !('set' in json)) throw new NftUnsupported(`${renderNftExpr(json)} is not a set`);
  const body = json['set'];
  const items = Array.isArray(body) ? body : [body];
  return { kind: 'anonymous', entries: items.map((item) => convertEntry(item, keyType, dataType)) };
}

/** One element of a set (a value) or a map (a [key, data] pair). */
export function convertEntry(item: unknown, keyType: NftType, dataType?: NftType): NfMapEntry {
  if (dataType === undefined) return { key: convertElement(item, keyType) };
  if (!Array.isArray(item) || item.length !== 2) throw new NftUnsupported(`map element ${renderNftExpr(item)} is not a key : data pair`);
  const key = convertElement(item[0], keyType);
  if (dataType.kind === 'verdict') {
    const verdict = convertVerdict(item[1]);
    if (verdict === undefined) throw new NftUnsupported(`verdict ${renderNftExpr(item[1])}`);
    return { key, data: verdict };
  }
  return { key, data: convertLiteral(item[1], dataType) };
}
