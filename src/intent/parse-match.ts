// `match:` of a policy: protocol, addresses, ports, interface, DSCP, mark, uid, and a negated nested match.
import type { Node } from 'yaml';
import { formatPrefix, makePrefix, parsePrefixResult } from '../addr/prefix.ts';
import type { Family, IpPrefix } from '../addr/types.ts';
import type { IdRange, PolicyMatch, PortRange } from '../model/intent.ts';
import { IP_PROTOCOLS, ipprotoName } from '../model/iproute2-names.ts';
import { BUILTIN_SERVICES, indexServices, lookupServicePort } from '../model/services.ts';
import type { Mutable } from '../parse/mutable.ts';
import { formatHex32, readInteger, readInterfaceName, toInteger, toRange } from './intent-values.ts';
import { closestWord, suggestWord } from './suggest.ts';
import { describe, scalarValue, type YamlField, type YamlNode, type YamlReader } from './yaml-reader.ts';

const MATCH_KEYS = ['proto', 'src', 'dst', 'iif', 'sport', 'dport', 'dscp', 'mark', 'uid', 'not'] as const;

const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;
const IPPROTO_ICMPV6 = 58;
const IPPROTO_SCTP = 132;

/** The protocols whose ports the kernel's rules and nftables can match. */
const PORT_PROTOCOLS: ReadonlyMap<number, string> = new Map([[IPPROTO_TCP, 'tcp'], [IPPROTO_UDP, 'udp'], [IPPROTO_SCTP, 'sctp']]);

// the first name of each netbase protocol; netbase calls ICMPv6 ipv6-icmp, nftables and most people say icmpv6
const PROTO_BY_NAME: ReadonlyMap<string, number> = new Map([
  ...IP_PROTOCOLS.map(([id, name]) => [name, id] as const),
  ['icmpv6', IPPROTO_ICMPV6],
]);
export const PROTO_NAMES: readonly string[] = [...PROTO_BY_NAME.keys()];
const COMMON_PROTOS = ['tcp', 'udp', 'icmp', 'icmpv6', 'sctp', 'gre', 'esp'];

/** DSCP code point names (RFC 2474, 2597, 3246), lower case as nftables writes them. */
export const DSCP_NAMES: ReadonlyMap<string, number> = new Map([
  ...[0, 1, 2, 3, 4, 5, 6, 7].map((n) => [`cs${n}`, n * 8] as const),
  ...[1, 2, 3, 4].flatMap((c) => [1, 2, 3].map((d) => [`af${c}${d}`, c * 8 + d * 2] as const)),
  ['ef', 46],
]);

const SERVICES = indexServices(BUILTIN_SERVICES);
export const SERVICE_NAMES: readonly string[] = [...SERVICES.keys()];

const MAX_U32 = 0xffffffff;
/** (uid_t)-1 means "no uid" to the kernel and cannot be matched */
const MAX_UID = 0xfffffffe;

/** An address list of a match, for the policy's family check. */
export interface AddressList {
  readonly path: string;
  readonly node: Node;
  readonly families: ReadonlySet<Family>;
}

export interface MatchContext {
  /** the protocol of the enclosing match, for the ports of a `not` */
  readonly outerProto?: number;
  /** inside `not`: no further `not` */
  readonly negated: boolean;
  readonly addressLists: AddressList[];
}

export function parseMatch(r: YamlReader, node: YamlNode | undefined, at: Node, path: string, ctx: MatchContext): PolicyMatch | undefined {
  const map = r.map(node, at, path);
  if (!map) return undefined;
  const before = r.errorCount;
  const f = r.fields(map, path, MATCH_KEYS);
  const match: Mutable<PolicyMatch> = {};
  const proto = f.get('proto');
  if (proto) {
    const p = readProto(r, proto, `${path}.proto`);
    if (p !== undefined) match.proto = p;
  }
  for (const key of ['src', 'dst'] as const) {
    const x = f.get(key);
    if (!x) continue;
    const prefixes = readPrefixes(r, x, `${path}.${key}`);
    if (!prefixes) continue;
    match[key] = prefixes;
    ctx.addressLists.push({ path: `${path}.${key}`, node: x.at, families: new Set(prefixes.map((p) => p.address.family)) });
  }
  const iif = f.get('iif');
  if (iif) {
    const name = readInterfaceName(r, iif.value, iif.at, `${path}.iif`);
    if (name !== undefined) match.iif = name;
  }
  const effectiveProto = match.proto ?? ctx.outerProto;
  const protoFailed = proto !== undefined && match.proto === undefined;
  for (const key of ['sport', 'dport'] as const) {
    const x = f.get(key);
    if (!x) continue;
    const ports = readPorts(r, x, `${path}.${key}`, effectiveProto, protoFailed);
    if (ports) match[key] = ports;
  }
  const dscp = f.get('dscp');
  if (dscp) {
    const d = readDscp(r, dscp, `${path}.dscp`);
    if (d !== undefined) match.dscp = d;
  }
  const mark = f.get('mark');
  if (mark) {
    const m = readMatchMark(r, mark, `${path}.mark`);
    if (m) match.mark = m;
  }
  const uid = f.get('uid');
  if (uid) {
    const u = readUids(r, uid, `${path}.uid`);
    if (u) match.uid = u;
  }
  const not = f.get('not');
  if (not) {
    if (ctx.negated) {
      r.error(not.key, 'intent-nested-not', `${path}.not: a 'not' inside 'not' negates twice`, 'write the keys of the inner match directly in the outer one');
    } else {
      const inner = parseMatch(r, not.value, not.at, `${path}.not`, { ...withProto(effectiveProto), negated: true, addressLists: ctx.addressLists });
      if (inner && Object.keys(inner).length === 0) {
        r.error(not.at, 'intent-empty-not', `${path}.not is empty`, 'an empty match selects every packet, so its negation selects none; give it keys or leave it out');
      } else if (inner) match.not = inner;
    }
  }
  return r.errorCount === before ? match : undefined;
}

function withProto(proto: number | undefined): { outerProto?: number } {
  return proto === undefined ? {} : { outerProto: proto };
}

function readProto(r: YamlReader, f: YamlField, path: string): number | undefined {
  const v = scalarValue(f.value);
  const id = typeof v === 'string' ? (PROTO_BY_NAME.get(v) ?? toInteger(v)) : toInteger(v);
  if (id !== undefined && id <= 255) return id;
  const close = typeof v === 'string' ? closestWord(v, PROTO_NAMES) : undefined;
  r.error(f.at, 'intent-bad-proto', `${path} must be an IP protocol name or a number from 0 to 255, not ${describe(f.value)}`,
    close !== undefined ? `did you mean '${close}'?` : `e.g. ${COMMON_PROTOS.join(', ')}, or the number from /etc/protocols`);
  return undefined;
}

function readPrefixes(r: YamlReader, f: YamlField, path: string): IpPrefix[] | undefined {
  if (f.value === undefined) {
    r.error(f.at, 'intent-wrong-type', `${path} must be a prefix or a list of prefixes, not empty`);
    return undefined;
  }
  const items = r.oneOrMany(f.value, path);
  if (!items) return undefined;
  const out: IpPrefix[] = [];
  let ok = true;
  for (const item of items) {
    const text = scalarValue(item.node);
    const parsed = typeof text === 'string' ? parsePrefixResult(text.trim()) : undefined;
    if (parsed?.kind === 'ok') {
      out.push(parsed.prefix);
      continue;
    }
    ok = false;
    if (parsed?.kind === 'error' && parsed.reason === 'host-bits' && typeof text === 'string') {
      const [addrText = '', lenText = ''] = text.trim().split('/');
      const loose = parsePrefixResult(addrText, undefined, 'strict', 'keep');
      const fixed = loose.kind === 'ok' ? formatPrefix(makePrefix(loose.prefix.address, Number(lenText))) : undefined;
      r.error(item.at, 'intent-bad-prefix', `${item.path} '${text}' has host bits set`, fixed ? `did you mean ${fixed}?` : undefined);
    } else {
      r.error(item.at, 'intent-bad-prefix', `${item.path} must be an address or prefix such as 10.0.0.0/24 or 2001:db8::/32, not ${describe(item.node)}`,
        'a bare address means that one host (/32 or /128)');
    }
  }
  return ok ? out : undefined;
}

function readPorts(r: YamlReader, f: YamlField, path: string, proto: number | undefined, protoFailed: boolean): PortRange[] | undefined {
  const protoName = proto === undefined ? undefined : PORT_PROTOCOLS.get(proto);
  if (protoName === undefined) {
    if (!protoFailed) {
      const what = proto === undefined ? 'no proto' : `proto ${ipprotoName(proto)}`;
      r.error(f.key, 'intent-ports-need-proto', `${path} needs proto tcp, udp or sctp; this match has ${what}`,
        'ports exist only in TCP, UDP and SCTP, and the kernel matches them only with the protocol; for both TCP and UDP write two policies');
    }
    return undefined;
  }
  if (f.value === undefined) {
    r.error(f.at, 'intent-bad-port', `${path} must be a port, a range "8000-8100" or a list of them, not empty`);
    return undefined;
  }
  const items = r.oneOrMany(f.value, path);
  if (!items) return undefined;
  const out: PortRange[] = [];
  let ok = true;
  for (const item of items) {
    const port = readPort(r, item.node, item.at, item.path, protoName);
    if (port) out.push(port);
    else ok = false;
  }
  return ok ? out : undefined;
}

function readPort(r: YamlReader, node: YamlNode | undefined, at: Node, path: string, protoName: string): PortRange | undefined {
  const v = scalarValue(node);
  const range = toRange(v);
  if (range !== undefined) {
    if (range.start < 1 || range.end > 65535) {
      r.error(node ?? at, 'intent-bad-port', `${path} must be a port from 1 to 65535, not ${describe(node)}`);
      return undefined;
    }
    if (range.start > range.end) {
      r.error(node ?? at, 'intent-bad-port', `${path}: the range ${range.start}-${range.end} runs backwards`, `write it as "${range.end}-${range.start}"`);
      return undefined;
    }
    return range;
  }
  if (typeof v === 'string' && /^[a-z][a-z0-9-]*$/i.test(v)) {
    const port = lookupServicePort(SERVICES, v, protoName);
    if (port !== undefined) return { start: port, end: port };
    r.error(node ?? at, 'intent-unknown-service', `${path}: unknown service '${v}'`, `${suggestWord(v, SERVICE_NAMES, 'known services')} (or give the port number)`);
    return undefined;
  }
  r.error(node ?? at, 'intent-bad-port', `${path} must be a port, a service name or a range "8000-8100", not ${describe(node)}`);
  return undefined;
}

function readDscp(r: YamlReader, f: YamlField, path: string): number | undefined {
  const v = scalarValue(f.value);
  if (typeof v === 'string' && toInteger(v) === undefined) {
    const named = DSCP_NAMES.get(v);
    if (named !== undefined) return named;
    r.error(f.at, 'intent-bad-dscp', `${path}: unknown DSCP name '${v}'`, `${suggestWord(v.toLowerCase(), [...DSCP_NAMES.keys()], 'names')} (names are lower case: cs0-cs7, af11-af43, ef; or a number 0-63)`);
    return undefined;
  }
  return readInteger(r, f.value, f.at, path, { min: 0, max: 63, code: 'intent-bad-dscp', what: 'a DSCP value', hint: 'DSCP is the upper 6 bits of the TOS byte: ef is 46, not 0xb8' });
}

function readMatchMark(r: YamlReader, f: YamlField, path: string): { value: number; mask: number } | undefined {
  const v = scalarValue(f.value);
  let value: number | undefined;
  let mask: number | undefined = MAX_U32;
  if (typeof v === 'string' && v.includes('/')) {
    const [valueText, maskText] = v.split('/');
    value = toInteger(valueText);
    mask = toInteger(maskText);
  } else value = toInteger(v);
  if (value === undefined || mask === undefined || value > MAX_U32 || mask > MAX_U32 || mask === 0) {
    r.error(f.at, 'intent-bad-mark', `${path} must be a mark such as 0x10 or "0x10/0xff" (value/mask), not ${describe(f.value)}`,
      'a mark without a mask compares all 32 bits; mark: 0 selects unmarked packets');
    return undefined;
  }
  if ((value & ~mask) >>> 0 !== 0) {
    r.error(f.at, 'intent-bad-mark', `${path} value ${formatHex32(value)} has bits outside its mask ${formatHex32(mask)}`,
      `such a match can never be true; did you mean ${formatHex32((value & mask) >>> 0)}/${formatHex32(mask)}?`);
    return undefined;
  }
  return { value, mask };
}

function readUids(r: YamlReader, f: YamlField, path: string): IdRange[] | undefined {
  if (f.value === undefined) {
    r.error(f.at, 'intent-bad-uid', `${path} must be a uid, a range "1000-2000" or a list of them, not empty`);
    return undefined;
  }
  const items = r.oneOrMany(f.value, path);
  if (!items) return undefined;
  const out: IdRange[] = [];
  let ok = true;
  for (const item of items) {
    const range = toRange(scalarValue(item.node));
    if (range === undefined || range.end > MAX_UID || range.start > range.end) {
      const backwards = range !== undefined && range.start > range.end;
      r.error(item.node ?? item.at, 'intent-bad-uid', backwards ? `${item.path}: the range ${range.start}-${range.end} runs backwards` : `${item.path} must be a uid from 0 to ${MAX_UID} or a range "1000-2000", not ${describe(item.node)}`,
        backwards ? `write it as "${range.end}-${range.start}"` : 'user names are not resolved: give the numeric uid (id -u NAME)');
      ok = false;
    } else out.push(range);
  }
  return ok ? out : undefined;
}
