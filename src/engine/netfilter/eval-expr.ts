// Evaluates a netfilter expression on one packet into its possible readings and their probabilities.
import type { NfPacketState } from '../../model/journey.ts';
import { CT_DIRECTION, CT_STATE_BITS, CT_STATUS_BITS, type NfExpr, type NfLiteral, type NfMapEntry, type NfSetSource, type NfTable } from '../../model/netfilter.ts';
import { findEntry } from './match-element.ts';
import {
  ABSENT, certain, combineAlternatives, groupAlternatives, valueOf,
  type NfAlternative, type NfReading, type NfValue,
} from './nf-value.ts';

/** More values than this (numgen/hash `mod`) are not enumerated: the reading becomes unknown. */
const MAX_ENUMERATED_VALUES = 4096;

export interface NfEvalContext {
  readonly table: NfTable;
  readonly packet: NfPacketState;
  /** conntrack has already attached its entry at this hook and priority (false in raw before conntrack, in ingress) */
  readonly ctAttached: boolean;
  /** the rule being evaluated, quoted, for assumptions */
  readonly ruleLabel: string;
}

const IPPROTO = { icmp: 1, tcp: 6, udp: 17, dccp: 33, icmpv6: 58, sctp: 132, udplite: 136 } as const;
const PORT_PROTOCOLS: Readonly<Record<string, number>> = { tcp: IPPROTO.tcp, udp: IPPROTO.udp, sctp: IPPROTO.sctp, udplite: IPPROTO.udplite, dccp: IPPROTO.dccp };

function unknown(why: string): NfReading {
  return { kind: 'unknown', why };
}

function big(n: number): bigint {
  return BigInt(n);
}

function optional(n: number | undefined, why: string): NfReading {
  return n === undefined ? unknown(why) : valueOf(big(n));
}

function addressValue(packet: NfPacketState, which: 'saddr' | 'daddr'): bigint {
  const addr = packet[which];
  return addr.family === 4 ? big(addr.value) : addr.value;
}

// mirrors nft_meta_get_eval(), net/netfilter/nft_meta.c
function readMeta(expr: NfExpr & { kind: 'meta' }, packet: NfPacketState): NfReading {
  switch (expr.key) {
    case 'mark': return valueOf(big(packet.mark >>> 0));
    // no device: nft_meta_store_ifname() stores "", nft_meta_store_ifindex() 0 — neither equals a real device
    case 'iifname': case 'iif': return valueOf(packet.iifname ?? '');
    case 'oifname': case 'oif': return valueOf(packet.oifname ?? '');
    case 'l4proto': return valueOf(big(packet.l4proto));
    case 'nfproto': return valueOf(packet.family === 4 ? 2n : 10n);
    case 'protocol': return valueOf(packet.family === 4 ? 0x0800n : 0x86ddn);
    // no socket (received or forwarded packets): the kernel breaks the rule
    case 'skuid': return packet.skuid === undefined ? ABSENT : valueOf(big(packet.skuid));
    case 'skgid': return packet.skgid === undefined ? ABSENT : valueOf(big(packet.skgid));
    case 'pkttype': case 'length': case 'priority': case 'random':
      return unknown(`meta ${expr.key}`);
  }
}

function ctStateBits(packet: NfPacketState, ctAttached: boolean): bigint {
  // mirrors nft_ct_get_eval(), net/netfilter/nft_ct.c: no entry yet reads as invalid, notrack as untracked
  if (packet.ct.state === 'untracked') return CT_STATE_BITS.untracked;
  if (!ctAttached) return CT_STATE_BITS.invalid;
  return CT_STATE_BITS[packet.ct.state];
}

/** A tuple field of the entry, derived from the packet when the connection is not NATed. */
function readCtTuple(expr: NfExpr & { kind: 'ct' }, packet: NfPacketState): NfReading {
  if ((packet.ct.status & (CT_STATUS_BITS.snat | CT_STATUS_BITS.dnat)) !== 0n) return unknown(`ct ${expr.dir ?? 'original'} ${expr.key} of a NATed connection`);
  const packetIsOriginal = packet.ct.direction === 'original';
  const tupleIsOriginal = (expr.dir ?? 'original') === 'original';
  const same = packetIsOriginal === tupleIsOriginal;
  switch (expr.key) {
    case 'saddr': return valueOf(addressValue(packet, same ? 'saddr' : 'daddr'));
    case 'daddr': return valueOf(addressValue(packet, same ? 'daddr' : 'saddr'));
    case 'proto-src': return packet.sport === undefined || packet.dport === undefined ? unknown('ct proto-src without ports') : valueOf(big(same ? packet.sport : packet.dport));
    default: return packet.sport === undefined || packet.dport === undefined ? unknown('ct proto-dst without ports') : valueOf(big(same ? packet.dport : packet.sport));
  }
}

// mirrors nft_ct_get_eval(), net/netfilter/nft_ct.c
function readCt(expr: NfExpr & { kind: 'ct' }, context: NfEvalContext): NfReading {
  const { packet, ctAttached } = context;
  if (expr.key === 'state') return valueOf(ctStateBits(packet, ctAttached));
  const hasEntry = ctAttached && packet.ct.state !== 'untracked' && packet.ct.state !== 'invalid';
  if (!hasEntry) return ABSENT;
  switch (expr.key) {
    case 'mark': return valueOf(big(packet.ct.mark >>> 0));
    case 'direction': return valueOf(CT_DIRECTION[packet.ct.direction]);
    case 'status': return valueOf(packet.ct.status);
    case 'l3proto': return valueOf(packet.family === 4 ? 2n : 10n);
    case 'protocol': return valueOf(big(packet.l4proto));
    default: return readCtTuple(expr, packet);
  }
}

// mirrors nft_payload_eval() with nft's implicit protocol dependencies (a field of another protocol breaks the rule)
function readPayload(protocol: string, field: string, packet: NfPacketState): NfReading {
  const name = `${protocol} ${field}`;
  if (protocol === 'ip' || protocol === 'ip6') {
    if (packet.family !== (protocol === 'ip' ? 4 : 6)) return ABSENT;
    switch (field) {
      case 'saddr': case 'daddr': return valueOf(addressValue(packet, field));
      case 'protocol': case 'nexthdr': return valueOf(big(packet.l4proto));
      case 'dscp': return valueOf(big(packet.dscp));
      case 'version': return valueOf(big(packet.family));
      default: return unknown(name);
    }
  }
  const portProtocol = PORT_PROTOCOLS[protocol];
  if (portProtocol !== undefined || protocol === 'th') {
    if (portProtocol !== undefined && packet.l4proto !== portProtocol) return ABSENT;
    if (portProtocol === undefined && !Object.values(PORT_PROTOCOLS).includes(packet.l4proto)) return unknown(`${name} of protocol ${packet.l4proto}`);
    if (field === 'sport') return optional(packet.sport, `${name} (source port not given)`);
    if (field === 'dport') return optional(packet.dport, `${name} (destination port not given)`);
    return unknown(name);
  }
  if (protocol === 'icmp' || protocol === 'icmpv6') {
    const wanted = protocol === 'icmp' ? { family: 4, proto: IPPROTO.icmp } : { family: 6, proto: IPPROTO.icmpv6 };
    if (packet.family !== wanted.family || packet.l4proto !== wanted.proto) return ABSENT;
    return field === 'type' ? optional(packet.icmpType, `${name} (not given)`) : unknown(name);
  }
  return unknown(name);
}

/** Bit width of what an expression loads, for masking shifts and `set` values. */
export function exprWidth(expr: NfExpr): number | undefined {
  switch (expr.kind) {
    case 'payload':
      if (expr.field === 'saddr' || expr.field === 'daddr') return expr.protocol === 'ip6' ? 128 : 32;
      if (expr.field === 'sport' || expr.field === 'dport') return 16;
      return 32;
    case 'binop': return exprWidth(expr.left) ?? exprWidth(expr.right);
    case 'const': case 'concat': case 'map': case 'unknown': return undefined;
    default: return 32;
  }
}

function mask(width: number): bigint {
  return (1n << BigInt(width)) - 1n;
}

// mirrors nft_bitwise_eval(), net/netfilter/nft_bitwise.c: unsigned, within the register width
function applyBinop(op: '&' | '|' | '^' | '<<' | '>>', width: number, a: NfValue, b: NfValue): NfReading {
  if (typeof a !== 'bigint' || typeof b !== 'bigint') return unknown(`${op} on a non-numeric value`);
  const m = mask(width);
  switch (op) {
    case '&': return valueOf(a & b & m);
    case '|': return valueOf((a | b) & m);
    case '^': return valueOf((a ^ b) & m);
    case '<<': return valueOf((a << b) & m);
    case '>>': return valueOf((a & m) >> b);
  }
}

function uniformValues(mod: number, offset: number, assumptions: readonly string[], why: string): NfAlternative[] {
  if (!Number.isInteger(mod) || mod < 1 || mod > MAX_ENUMERATED_VALUES) return certain(unknown(why));
  return Array.from({ length: mod }, (_, i) => ({ reading: valueOf(big(offset + i)), probability: 1 / mod, assumptions }));
}

export function resolveSetEntries(source: NfSetSource, table: NfTable): readonly NfMapEntry[] | undefined {
  if (source.kind === 'anonymous') return source.entries;
  return table.sets.find((set) => set.name === source.name)?.entries;
}

export function describeSet(source: NfSetSource): string {
  return source.kind === 'named' ? `@${source.name}` : 'an anonymous set';
}

function mapData(entry: NfMapEntry | undefined, mapName: string): NfReading {
  if (!entry) return ABSENT;
  const data = entry.data;
  if (data === undefined) return unknown(`lookup of data in set ${mapName}, which has none`);
  if (typeof data === 'bigint' || typeof data === 'string') return valueOf(data);
  return unknown(`map ${mapName} holds verdicts, not values`);
}

/** Every result a map lookup can give for a key pbr cannot compute: each distinct data, or no element. */
function unknownKeyLookup(entries: readonly NfMapEntry[], mapName: string, why: string, ruleLabel: string): NfAlternative[] {
  const readings = groupAlternatives([...entries.map((e) => mapData(e, mapName)), ABSENT].map((reading) => ({ reading, probability: 1, assumptions: [] })));
  const assumption = `${ruleLabel}: the key of ${mapName} (${why}) is unknown; each of its ${readings.length} results is taken as equally likely`;
  return readings.map((alt) => ({ reading: alt.reading, probability: 1 / readings.length, assumptions: [assumption] }));
}

// mirrors nft_lookup_eval(), net/netfilter/nft_lookup.c: no element breaks the rule
function evalMapLookup(expr: NfExpr & { kind: 'map' }, context: NfEvalContext): NfAlternative[] {
  const mapName = describeSet(expr.map);
  const entries = resolveSetEntries(expr.map, context.table);
  if (!entries) return certain(unknown(`map ${mapName} (not in table ${context.table.name})`));
  const out: NfAlternative[] = [];
  for (const key of evalExpr(expr.key, context)) {
    const { reading } = key;
    if (reading.kind === 'value') {
      out.push({ ...key, reading: mapData(findEntry(reading.value, entries, context.table.origin), mapName) });
    } else if (reading.kind === 'absent') {
      out.push(key);
    } else {
      for (const alt of unknownKeyLookup(entries, mapName, reading.why, context.ruleLabel)) {
        out.push({ reading: alt.reading, probability: key.probability * alt.probability, assumptions: [...key.assumptions, ...alt.assumptions] });
      }
    }
  }
  return groupAlternatives(out);
}

function flatten(value: NfValue): NfLiteral[] {
  return Array.isArray(value) ? [...(value as readonly NfLiteral[])] : [value as NfLiteral];
}

function evalConcat(parts: readonly NfExpr[], context: NfEvalContext): NfAlternative[] {
  let acc: NfAlternative[] = certain(valueOf([]));
  for (const part of parts) {
    acc = combineAlternatives(acc, evalExpr(part, context), (a, b) => valueOf([...flatten(a), ...flatten(b)]));
  }
  return acc;
}

export function evalExpr(expr: NfExpr, context: NfEvalContext): NfAlternative[] {
  switch (expr.kind) {
    case 'const': return certain(valueOf(expr.value));
    case 'meta': return certain(readMeta(expr, context.packet));
    case 'ct': return certain(readCt(expr, context));
    case 'payload': return certain(readPayload(expr.protocol, expr.field, context.packet));
    case 'numgen': {
      const text = `numgen ${expr.mode} mod ${expr.mod}`;
      // mirrors nft_ng_inc_eval() / nft_ng_random_eval(), net/netfilter/nft_numgen.c
      const assumptions = expr.mode === 'inc'
        ? [`${context.ruleLabel}: ${text} follows a packet counter pbr cannot see; its ${expr.mod} values are taken as equally likely`]
        : [];
      return uniformValues(expr.mod, expr.offset, assumptions, text);
    }
    case 'hash':
      return uniformValues(expr.mod, expr.offset, [`${context.ruleLabel}: ${expr.text} depends on a hash pbr does not reproduce; its ${expr.mod} values are taken as equally likely`], expr.text);
    case 'binop': {
      const width = exprWidth(expr) ?? 32;
      return combineAlternatives(evalExpr(expr.left, context), evalExpr(expr.right, context), (a, b) => applyBinop(expr.op, width, a, b));
    }
    case 'concat': return evalConcat(expr.parts, context);
    case 'map': return evalMapLookup(expr, context);
    case 'unknown': return certain(unknown(expr.text));
  }
}
