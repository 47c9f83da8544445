// The statements of one nft rule ("expr" array of `nft -j list ruleset`) → NfStatement[], in evaluation order.
import type { NfElement, NfExpr, NfFamily, NfMatchOp, NfPattern, NfStatement } from '../model/netfilter.ts';
import { isJsonObject, type JsonObject } from './json-fields.ts';
import type { Mutable } from './mutable.ts';
import { convertAnonymousSet, convertExpr, namedSet, type NftContext, type TypedExpr } from './nft-expr.ts';
import { convertElement, convertLiteral, convertVerdict, nftTypeByName, NftUnsupported, type NftType } from './nft-literal.ts';
import { renderNftExpr, renderNftStatement } from './nft-render.ts';

export interface ConvertedRule {
  readonly statements: NfStatement[];
  /** one line per statement that became `unknown`: what it is and why */
  readonly unknown: string[];
}

const MATCH_OPS: ReadonlySet<string> = new Set(['==', '!=', '<', '>', '<=', '>=']);

/** Converts a rule's statements; what pbr does not model becomes an `unknown` statement, never an exception. */
export function convertRuleStatements(expr: readonly unknown[], ctx: NftContext): ConvertedRule {
  const statements: NfStatement[] = [];
  const unknown: string[] = [];
  const dependencies = new Set<string>();
  for (const json of expr) {
    try {
      const statement = convertStatement(json, ctx);
      for (const dep of payloadDependencies(json, ctx.family)) {
        if (dependencies.has(dep.key)) continue;
        dependencies.add(dep.key);
        statements.push(dep.statement);
      }
      statements.push(statement);
    } catch (error) {
      if (!(error instanceof NftUnsupported)) throw error;
      const text = renderNftStatement(json);
      const reason = error.message;
      statements.push({ kind: 'unknown', text });
      unknown.push(reason === text || reason === '' ? text : `${text} (${reason})`);
    }
  }
  return { statements, unknown };
}

function convertStatement(json: unknown, ctx: NftContext): NfStatement {
  if (!isJsonObject(json)) throw new NftUnsupported('a statement that is not an object');
  const key = Object.keys(json)[0] ?? '';
  const body = json[key];
  const o: JsonObject = isJsonObject(body) ? body : {};
  const verdict = convertVerdict(json);
  if (verdict !== undefined) return { kind: 'verdict', verdict };
  switch (key) {
    case 'match':
      return convertMatch(o, ctx);
    case 'mangle':
      return convertMangle(o, ctx);
    case 'vmap': {
      const left = convertExpr(o['key'], ctx);
      const data = o['data'];
      if (typeof data === 'string' && data.startsWith('@')) {
        if (namedSet(data, ctx).dataType?.kind !== 'verdict') throw new NftUnsupported(`${data} is not a verdict map`);
        return { kind: 'vmap', key: left.expr, map: { kind: 'named', name: data.slice(1) } };
      }
      return { kind: 'vmap', key: left.expr, map: convertAnonymousSet(data, left.type, nftTypeByName('verdict')) };
    }
    case 'queue':
      return { kind: 'verdict', verdict: { kind: 'queue' } };
    case 'reject': {
      if (body === null || o['type'] === undefined) return { kind: 'reject' };
      const type = String(o['type']);
      return { kind: 'reject', with: o['expr'] === undefined ? type : `${type} ${renderNftExpr(o['expr'])}` };
    }
    case 'snat':
    case 'dnat':
    case 'masquerade':
    case 'redirect':
      return convertNat(key, o, ctx);
    case 'notrack':
      return { kind: 'notrack' };
    case 'counter':
      return { kind: 'counter' };
    case 'log':
      return typeof o['prefix'] === 'string' ? { kind: 'log', prefix: o['prefix'] } : { kind: 'log' };
    case 'xt':
      throw new NftUnsupported(`iptables-nft ${String(o['type'])} ${String(o['name'])}, which nft shows without its options`);
    default:
      throw new NftUnsupported(`${key} is not modelled`);
  }
}

function convertMatch(o: JsonObject, ctx: NftContext): NfStatement {
  const op = o['op'];
  const left = convertExpr(o['left'], ctx);
  const right = o['right'];
  if (op === 'in') {
    // the implicit operator of a bitmask type: a bit test, LHS & RHS != 0 (nft's relational "in")
    const mask = convertLiteral(right, left.type);
    if (typeof mask !== 'bigint') throw new NftUnsupported(`a flag test against ${renderNftExpr(right)}`);
    return match(left.expr, '==', { kind: 'flags', mask });
  }
  if (typeof op !== 'string' || !MATCH_OPS.has(op)) throw new NftUnsupported(`match operator ${String(op)}`);
  const pattern = convertPattern(right, left, ctx);
  if (isTruncatedCtAddress(o['left'], left.type, pattern)) {
    throw new NftUnsupported('nft 1.0.6 prints a byte-aligned prefix of `ct saddr`/`ct daddr` as a shorter address (10.0.0.0/8 as 0.0.0.10), so the prefix is unknown');
  }
  return match(left.expr, op as NfMatchOp, pattern);
}

/**
 * `ct original saddr 10.0.0.0/8` (the key without ip/ip6) compiles to a 1-byte compare that nft 1.0.6 prints back as
 * 0.0.0.10: an address whose first byte is zero stands for such a truncated compare (::1 and :: excepted).
 */
function isTruncatedCtAddress(left: unknown, type: NftType, pattern: NfPattern): boolean {
  const ct = isJsonObject(left) ? left['ct'] : undefined;
  if (!isJsonObject(ct) || (ct['key'] !== 'saddr' && ct['key'] !== 'daddr')) return false;
  if (pattern.kind !== 'element' || pattern.element.kind !== 'value' || typeof pattern.element.value !== 'bigint') return false;
  const v = pattern.element.value;
  return v > 1n && v >> (type.kind === 'ipv6' ? 120n : 24n) === 0n;
}

function match(left: NfExpr, op: NfMatchOp, right: NfPattern): NfStatement {
  return { kind: 'match', left, op, right };
}

/** The right-hand side of a match: a set reference, an anonymous set, or one element. */
function convertPattern(json: unknown, left: TypedExpr, ctx: NftContext): NfPattern {
  if (typeof json === 'string' && json.startsWith('@')) {
    const info = namedSet(json, ctx);
    if (info.dataType !== undefined) throw new NftUnsupported(`${json} is a map, not a set`);
    return { kind: 'set', set: { kind: 'named', name: json.slice(1) } };
  }
  if (isJsonObject(json) && 'set' in json) return { kind: 'set', set: convertAnonymousSet(json, left.type) };
  if (typeof json === 'boolean') throw new NftUnsupported(`an existence test (${json ? 'exists' : 'missing'})`);
  return { kind: 'element', element: convertElement(json, left.type) };
}

// the fields a `set` statement may change: marks (meta, ct) and the DSCP of the IP header
function isModelledTarget(expr: NfExpr): boolean {
  if (expr.kind === 'meta') return expr.key === 'mark';
  if (expr.kind === 'ct') return expr.key === 'mark' && expr.dir === undefined;
  return expr.kind === 'payload' && (expr.protocol === 'ip' || expr.protocol === 'ip6') && expr.field === 'dscp';
}

function convertMangle(o: JsonObject, ctx: NftContext): NfStatement {
  const target = convertExpr(o['key'], ctx);
  if (!isModelledTarget(target.expr)) throw new NftUnsupported(`${renderNftExpr(o['key'])} set is not modelled`);
  const value = convertExpr(o['value'], ctx, target.type);
  return { kind: 'set', target: target.expr, value: value.expr };
}

function convertNat(type: 'snat' | 'dnat' | 'masquerade' | 'redirect', o: JsonObject, ctx: NftContext): NfStatement {
  const flags = Array.isArray(o['flags']) ? o['flags'] : o['flags'] === undefined ? [] : [o['flags']];
  if (flags.includes('netmap')) throw new NftUnsupported(`${type} with the netmap flag`);
  const statement: Mutable<Extract<NfStatement, { kind: 'nat' }>> = { kind: 'nat', type };
  if (o['addr'] !== undefined) {
    const [low, high] = convertNatValue(o['addr'], natAddressType(o, ctx.family), ctx);
    statement.addr = low;
    if (high !== undefined) statement.addrHigh = high;
  }
  if (o['port'] !== undefined) {
    const [low, high] = convertNatValue(o['port'], nftTypeByName('inet_service'), ctx);
    statement.port = low;
    if (high !== undefined) statement.portHigh = high;
  }
  return statement;
}

/** The address family of a snat/dnat: its "family" field, else the table's, else the address's own form. */
function natAddressType(o: JsonObject, family: NfFamily): NftType {
  const f = o['family'] ?? (family === 'ip' || family === 'ip6' ? family : undefined);
  if (f === 'ip') return nftTypeByName('ipv4_addr');
  if (f === 'ip6') return nftTypeByName('ipv6_addr');
  const text = JSON.stringify(o['addr']);
  return nftTypeByName(text.includes(':') ? 'ipv6_addr' : 'ipv4_addr');
}

/** A NAT address or port: a constant, a range, a prefix (the range it covers), or a map lookup. */
function convertNatValue(json: unknown, type: NftType, ctx: NftContext): [NfExpr, NfExpr | undefined] {
  if (isJsonObject(json) && ('range' in json || 'prefix' in json)) {
    const element = convertElement(json, type);
    const [low, high] = elementBounds(element);
    return [{ kind: 'const', value: low }, { kind: 'const', value: high }];
  }
  return [convertExpr(json, ctx, type).expr, undefined];
}

function elementBounds(element: NfElement): [bigint, bigint] {
  if (element.kind === 'range') return [element.low, element.high];
  if (element.kind === 'prefix') {
    const host = (1n << BigInt(element.width - element.length)) - 1n;
    return [element.value & ~host, element.value | host];
  }
  throw new NftUnsupported('a NAT range that is neither a range nor a prefix');
}

interface Dependency {
  readonly key: string;
  readonly statement: NfStatement;
}

const NFPROTO = { ip: 2n, ip6: 10n } as const;
const ETHERTYPE = { ip: 0x0800n, ip6: 0x86ddn } as const;
const L4PROTO: Readonly<Record<string, readonly [bigint, 'ip' | 'ip6' | undefined]>> = {
  tcp: [6n, undefined], udp: [17n, undefined], udplite: [136n, undefined], sctp: [132n, undefined], dccp: [33n, undefined],
  icmp: [1n, 'ip'], icmpv6: [58n, 'ip6'],
};

// mirrors payload_gen_dependency(), nftables src/payload.c: the implicit matches nft adds before a header field
// (meta nfproto in inet tables, meta protocol in bridge/netdev tables, meta l4proto before a transport header; none for th)
function payloadDependencies(json: unknown, family: NfFamily): Dependency[] {
  const deps: Dependency[] = [];
  const network = (proto: 'ip' | 'ip6'): void => {
    if (family === 'inet') deps.push(metaDep('nfproto', NFPROTO[proto]));
    else if (family === 'bridge' || family === 'netdev') deps.push(metaDep('protocol', ETHERTYPE[proto]));
  };
  for (const protocol of payloadProtocols(json)) {
    if (protocol === 'ip' || protocol === 'ip6') network(protocol);
    const l4 = L4PROTO[protocol];
    if (l4 === undefined) continue;
    if (l4[1] !== undefined) network(l4[1]);
    deps.push(metaDep('l4proto', l4[0]));
  }
  return deps;
}

function metaDep(key: 'nfproto' | 'protocol' | 'l4proto', value: bigint): Dependency {
  return {
    key: `${key}=${value}`,
    statement: { kind: 'match', left: { kind: 'meta', key }, op: '==', right: { kind: 'element', element: { kind: 'value', value } } },
  };
}

/** The header protocols of every payload expression inside a statement, in order of appearance. */
function payloadProtocols(json: unknown): string[] {
  const found: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (isJsonObject(v)) {
      const payload = v['payload'];
      if (isJsonObject(payload) && typeof payload['protocol'] === 'string') found.push(payload['protocol']);
      else Object.values(v).forEach(walk);
    }
  };
  walk(json);
  return found;
}
