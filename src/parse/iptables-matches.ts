// iptables match modules (`-m NAME --opt …`, and the implicit protocol modules of `-p tcp --dport`) → model statements.
import type { NfCtKey, NfElement, NfExpr, NfMapEntry, NfStatement } from '../model/netfilter.ts';
import { CT_DIRECTION, CT_STATE_BITS, CT_STATUS_BITS } from '../model/netfilter.ts';
import {
  BadOption, CT_MARK, META_MARK, Unsupported, ipPayload, isFailure, match, maskedMatch, oneArg, pattern, payload, single,
  type OptionFailure, type Translation, type XtContext, type XtOption,
} from './iptables-exprs.ts';
import {
  MARK_ALL, addressValue, parseAddressSpec, parseDscpClass, parseIcmpType, parsePortSpec, parseTosSpec, parseValueMask, parseXtNumber, PORT_PROTOCOLS,
} from './iptables-values.ts';

type MatchTranslator = (options: readonly XtOption[], ctx: XtContext) => Translation;

/** Translates each option with `one`; an option that fails stays unknown on its own. */
function each(options: readonly XtOption[], one: (option: XtOption) => NfStatement[] | Unsupported | BadOption): Translation {
  const out: (NfStatement | OptionFailure)[] = [];
  for (const option of options) {
    const statements = one(option);
    if (isFailure(statements)) out.push({ option, failure: statements });
    else out.push(...statements);
  }
  return out;
}

const unknownOption = (option: XtOption, module: string): Unsupported => new Unsupported(`option --${option.name} of -m ${module}`);

function portField(option: XtOption): 'sport' | 'dport' | 'either' | undefined {
  switch (option.name) {
    case 'sport': case 'source-port': case 'sports': case 'source-ports': return 'sport';
    case 'dport': case 'destination-port': case 'dports': case 'destination-ports': return 'dport';
    case 'ports': return 'either';
    default: return undefined;
  }
}

/** mirrors tcp_mt()/udp_mt(), net/netfilter/xt_tcpudp.c: port ranges, inclusive */
function portModule(module: string): MatchTranslator {
  return (options) => each(options, (option) => {
    const field = portField(option);
    if (field === undefined || field === 'either' || option.name.endsWith('s')) {
      if (option.name === 'syn' || option.name === 'tcp-flags') return new Unsupported(`the TCP flags test --${option.name}`);
      return unknownOption(option, module);
    }
    const arg = oneArg(option);
    if (isFailure(arg)) return arg;
    const element = parsePortSpec(arg);
    if (element === undefined) return new BadOption(`bad port or port range "${arg}" after --${option.name}`, option.column);
    return [match(payload(module === 'dccp' || module === 'udplite' ? 'th' : module, field), option.negated, pattern(element))];
  });
}

/** mirrors ports_match_v1(), net/netfilter/xt_multiport.c: up to 15 ports or ranges; --ports is source OR destination */
const multiport: MatchTranslator = (options, ctx) => each(options, (option) => {
  const field = portField(option);
  if (field === undefined) return unknownOption(option, 'multiport');
  const arg = oneArg(option);
  if (isFailure(arg)) return arg;
  const elements: NfElement[] = [];
  for (const part of arg.split(',')) {
    const element = parsePortSpec(part);
    if (element === undefined) return new BadOption(`bad port or port range "${part}" after --${option.name}`, option.column);
    elements.push(element);
  }
  const protocol = (ctx.protocol === undefined ? undefined : PORT_PROTOCOLS.get(ctx.protocol)) ?? 'th';
  const header = protocol === 'dccp' || protocol === 'udplite' ? 'th' : protocol;
  if (field !== 'either') {
    const entries: NfMapEntry[] = elements.map((key) => ({ key }));
    return [match(payload(header, field), option.negated, { kind: 'set', set: { kind: 'anonymous', entries } })];
  }
  // source OR destination: the pairs (port, any) and (any, port) of a concatenation
  const any: NfElement = { kind: 'range', low: 0n, high: 65535n };
  const entries: NfMapEntry[] = elements.flatMap((e) => [
    { key: { kind: 'concat', parts: [e, any] } },
    { key: { kind: 'concat', parts: [any, e] } },
  ]);
  const left: NfExpr = { kind: 'concat', parts: [payload(header, 'sport'), payload(header, 'dport')] };
  return [match(left, option.negated, { kind: 'set', set: { kind: 'anonymous', entries } })];
});

/** mirrors icmp_match(), net/netfilter/xt_tcpudp.c (and icmp6_match()): type 0xff = any; a code range */
function icmpModule(proto: 'icmp' | 'icmpv6', optionName: string): MatchTranslator {
  return (options, ctx) => each(options, (option) => {
    if (option.name !== optionName) return unknownOption(option, proto === 'icmp' ? 'icmp' : 'icmp6');
    const arg = oneArg(option);
    if (isFailure(arg)) return arg;
    const icmp = parseIcmpType(arg, ctx.family);
    if (icmp === undefined) return new BadOption(`unknown ICMP type "${arg}"`, option.column);
    // `! --icmp-type any` never matches: no type is in the empty set
    if (icmp === 'any') return option.negated ? [match(payload(proto, 'type'), false, { kind: 'set', set: { kind: 'anonymous', entries: [] } })] : [];
    if (icmp.codeLow === 0 && icmp.codeHigh === 255) return [match(payload(proto, 'type'), option.negated, single(BigInt(icmp.type)))];
    const code: NfElement = icmp.codeLow === icmp.codeHigh
      ? { kind: 'value', value: BigInt(icmp.codeLow) }
      : { kind: 'range', low: BigInt(icmp.codeLow), high: BigInt(icmp.codeHigh) };
    const left: NfExpr = { kind: 'concat', parts: [payload(proto, 'type'), payload(proto, 'code')] };
    return [match(left, option.negated, pattern({ kind: 'concat', parts: [{ kind: 'value', value: BigInt(icmp.type) }, code] }))];
  });
}

/** mirrors iprange_mt4()/iprange_mt6(), net/netfilter/xt_iprange.c */
const iprange: MatchTranslator = (options, ctx) => each(options, (option) => {
  const field = option.name === 'src-range' ? 'saddr' : option.name === 'dst-range' ? 'daddr' : undefined;
  if (field === undefined) return unknownOption(option, 'iprange');
  const arg = oneArg(option);
  if (isFailure(arg)) return arg;
  const [lowText = '', highText, extra] = arg.split('-');
  const low = addressValue(lowText, ctx.family);
  const high = highText === undefined ? low : addressValue(highText, ctx.family);
  if (low === undefined || high === undefined || extra !== undefined) return new BadOption(`bad address range "${arg}" after --${option.name}`, option.column);
  return [match(ipPayload(ctx.family, field), option.negated, pattern({ kind: 'range', low, high }))];
});

/** mirrors mark_mt(), net/netfilter/xt_mark.c and connmark_mt(), xt_connmark.c: `(mark & mask) == value` */
function markModule(left: NfExpr, module: string): MatchTranslator {
  return (options) => each(options, (option) => {
    if (option.name !== 'mark') return unknownOption(option, module);
    const arg = oneArg(option);
    if (isFailure(arg)) return arg;
    const vm = parseValueMask(arg, MARK_ALL);
    if (vm === undefined) return new BadOption(`bad mark "${arg}" (value[/mask], 32 bits)`, option.column);
    return [maskedMatch(left, vm.value, vm.mask, MARK_ALL, option.negated)];
  });
}

const STATE_BITS: Readonly<Record<string, bigint>> = {
  INVALID: CT_STATE_BITS.invalid,
  ESTABLISHED: CT_STATE_BITS.established,
  RELATED: CT_STATE_BITS.related,
  NEW: CT_STATE_BITS.new,
  UNTRACKED: CT_STATE_BITS.untracked,
};
const NAT_STATE_BITS: Readonly<Record<string, bigint>> = { SNAT: CT_STATUS_BITS.snat, DNAT: CT_STATUS_BITS.dnat };
const STATUS_BITS: Readonly<Record<string, bigint>> = {
  NONE: 0n,
  EXPECTED: CT_STATUS_BITS.expected,
  SEEN_REPLY: CT_STATUS_BITS.seen_reply,
  ASSURED: CT_STATUS_BITS.assured,
  CONFIRMED: CT_STATUS_BITS.confirmed,
};

function bitList(option: XtOption, arg: string, bits: Readonly<Record<string, bigint>>): bigint | BadOption {
  let mask = 0n;
  for (const word of arg.split(',')) {
    const bit = Object.hasOwn(bits, word.toUpperCase()) ? bits[word.toUpperCase()] : undefined;
    if (bit === undefined) return new BadOption(`unknown value "${word}" after --${option.name}`, option.column);
    mask |= bit;
  }
  return mask;
}

/** --ctstate/--state: a bit test on ct state; SNAT/DNAT are ct status bits (mirrors conntrack_mt(), xt_conntrack.c) */
function ctStateMatch(option: XtOption, withNat: boolean): NfStatement[] | Unsupported | BadOption {
  const arg = oneArg(option);
  if (isFailure(arg)) return arg;
  const words = arg.split(',').map((w) => w.toUpperCase());
  const nat = withNat ? words.filter((w) => Object.hasOwn(NAT_STATE_BITS, w)) : [];
  if (nat.length > 0 && nat.length < words.length) return new Unsupported(`--ctstate mixing SNAT/DNAT with connection states`);
  const [key, bits] = nat.length > 0 ? ['status', NAT_STATE_BITS] as const : ['state', STATE_BITS] as const;
  const mask = bitList(option, arg, bits);
  if (mask instanceof BadOption) return mask;
  return [{ kind: 'match', left: { kind: 'ct', key }, op: option.negated ? '!=' : '==', right: { kind: 'flags', mask } }];
}

const CT_TUPLE: Readonly<Record<string, readonly [NfCtKey, 'original' | 'reply']>> = {
  ctorigsrc: ['saddr', 'original'],
  ctorigdst: ['daddr', 'original'],
  ctreplsrc: ['saddr', 'reply'],
  ctrepldst: ['daddr', 'reply'],
  ctorigsrcport: ['proto-src', 'original'],
  ctorigdstport: ['proto-dst', 'original'],
  ctreplsrcport: ['proto-src', 'reply'],
  ctrepldstport: ['proto-dst', 'reply'],
};

/** mirrors conntrack_mt(), net/netfilter/xt_conntrack.c */
const conntrack: MatchTranslator = (options, ctx) => each(options, (option) => {
  if (option.name === 'ctstate') return ctStateMatch(option, true);
  const arg = oneArg(option);
  if (isFailure(arg)) return arg;
  if (option.name === 'ctstatus') {
    const mask = bitList(option, arg, STATUS_BITS);
    if (mask instanceof BadOption) return mask;
    return [{ kind: 'match', left: { kind: 'ct', key: 'status' }, op: option.negated ? '!=' : '==', right: { kind: 'flags', mask } }];
  }
  if (option.name === 'ctdir') {
    const dir = arg.toUpperCase() === 'ORIGINAL' ? CT_DIRECTION.original : arg.toUpperCase() === 'REPLY' ? CT_DIRECTION.reply : undefined;
    if (dir === undefined) return new BadOption(`--ctdir takes ORIGINAL or REPLY, not "${arg}"`, option.column);
    return [match({ kind: 'ct', key: 'direction' }, option.negated, single(dir))];
  }
  if (option.name === 'ctproto') {
    const proto = parseXtNumber(arg);
    if (proto === undefined || proto > 255n) return new Unsupported(`--ctproto ${arg} (only numbers are read)`);
    return [match({ kind: 'ct', key: 'protocol', dir: 'original' }, option.negated, single(proto))];
  }
  const tuple = Object.hasOwn(CT_TUPLE, option.name) ? CT_TUPLE[option.name] : undefined;
  if (tuple === undefined) return unknownOption(option, 'conntrack');
  const [key, dir] = tuple;
  const left: NfExpr = { kind: 'ct', key, dir };
  if (key === 'proto-src' || key === 'proto-dst') {
    const element = parsePortSpec(arg);
    if (element === undefined) return new BadOption(`bad port or port range "${arg}" after --${option.name}`, option.column);
    return [match(left, option.negated, pattern(element))];
  }
  const spec = parseAddressSpec(arg, ctx.family);
  if (spec === undefined) return new BadOption(`bad address "${arg}" after --${option.name}`, option.column);
  if (spec.kind === 'masked') return [maskedMatch(left, spec.value, spec.mask, (1n << BigInt(spec.width)) - 1n, option.negated)];
  return [match(left, option.negated, pattern(spec.element))];
});

const state: MatchTranslator = (options) => each(options, (option) => (option.name === 'state' ? ctStateMatch(option, false) : unknownOption(option, 'state')));

/**
 * mirrors owner_mt(), net/netfilter/xt_owner.c: uid/gid ranges on the socket's file credentials; without a socket
 * (or a file) the module matches when every option given is inverted (verified: `! --uid-owner 0` counts the kernel's
 * ICMP errors, nft `meta skuid != 0` does not). A name was resolved by iptables at insert time; a dump never holds one.
 */
const owner: MatchTranslator = (options) => each(options, (option) => {
  const key = option.name === 'uid-owner' ? 'skuid' : option.name === 'gid-owner' ? 'skgid' : undefined;
  if (key === undefined) return unknownOption(option, 'owner');
  const arg = oneArg(option);
  if (isFailure(arg)) return arg;
  const range = /^(\d+)(?:-(\d+))?$/.exec(arg);
  if (!range) return new Unsupported(`user or group name "${arg}" (only numeric ids can be read; iptables-save writes numbers)`);
  const low = BigInt(range[1] ?? '0');
  const high = range[2] === undefined ? low : BigInt(range[2]);
  if (high < low || high > MARK_ALL) return new BadOption(`bad id range "${arg}" after --${option.name}`, option.column);
  const statement = match({ kind: 'meta', key }, option.negated, pattern(low === high ? { kind: 'value', value: low } : { kind: 'range', low, high }));
  // a packet without a socket passes every inverted owner test (and fails every plain one, as nft's break does)
  return [option.negated ? { ...statement, ifAbsent: 'match' } : statement];
});

/** mirrors statistic_mt(), net/netfilter/xt_statistic.c: random compares against round(p·2³¹) */
const statistic: MatchTranslator = (options) => {
  const byName = new Map(options.map((o) => [o.name, o]));
  const mode = byName.get('mode');
  for (const o of options) {
    if (!['mode', 'probability', 'every', 'packet'].includes(o.name)) return unknownOption(o, 'statistic');
  }
  const modeArg = mode === undefined ? undefined : oneArg(mode);
  if (isFailure(modeArg)) return modeArg;
  if (modeArg === 'random') {
    const option = byName.get('probability');
    if (option === undefined) return new BadOption('--mode random needs --probability', mode?.column ?? 0);
    const arg = oneArg(option);
    if (isFailure(arg)) return arg;
    const p = Number(arg);
    if (!/^[\d.]+(e-?\d+)?$/.test(arg) || !(p >= 0 && p <= 1)) return new BadOption(`bad probability "${arg}" (0 to 1)`, option.column);
    const threshold = Math.round(p * 0x80000000);
    const probability = threshold / 0x80000000;
    return [{ kind: 'chance', probability: option.negated ? 1 - probability : probability }];
  }
  if (modeArg === 'nth') {
    const every = byName.get('every');
    if (every === undefined) return new BadOption('--mode nth needs --every', mode?.column ?? 0);
    if (every.negated) return new Unsupported('! --every (an inverted nth match)');
    const everyArg = oneArg(every);
    if (isFailure(everyArg)) return everyArg;
    const packetOption = byName.get('packet');
    const packetArg = packetOption === undefined ? '0' : oneArg(packetOption);
    if (isFailure(packetArg)) return packetArg;
    const n = Number(everyArg);
    const packet = Number(packetArg);
    if (!/^\d+$/.test(everyArg) || n < 1 || !/^\d+$/.test(packetArg) || packet >= n) {
      return new BadOption(`bad --every ${everyArg} --packet ${packetArg} (packet below every)`, every.column);
    }
    return [{ kind: 'nth', every: n, packet }];
  }
  return new BadOption(`--mode takes random or nth, not "${modeArg ?? ''}"`, mode?.column ?? 0);
};

/** mirrors dscp_mt(), net/netfilter/xt_dscp.c: the DS field's upper six bits */
const dscp: MatchTranslator = (options, ctx) => each(options, (option) => {
  const arg = oneArg(option);
  if (isFailure(arg)) return arg;
  let value: bigint | undefined;
  if (option.name === 'dscp') value = parseXtNumber(arg);
  else if (option.name === 'dscp-class') {
    const cls = parseDscpClass(arg);
    value = cls === undefined ? undefined : BigInt(cls);
  } else return unknownOption(option, 'dscp');
  if (value === undefined || value > 0x3fn) return new BadOption(`bad DSCP "${arg}" (0 to 0x3f or a class)`, option.column);
  return [match(ipPayload(ctx.family, 'dscp'), option.negated, single(value))];
});

/** mirrors tos_mt(), net/netfilter/xt_dscp.c: `(tos & mask) == value` on the whole DS field, here on its DSCP bits */
const tos: MatchTranslator = (options, ctx) => each(options, (option) => {
  if (option.name !== 'tos') return unknownOption(option, 'tos');
  const arg = oneArg(option);
  if (isFailure(arg)) return arg;
  const spec = parseTosSpec(arg);
  if (spec === undefined) return new BadOption(`bad TOS "${arg}" (value[/mask] or a name)`, option.column);
  if ((spec.mask & 0x3n) !== 0n && (spec.value & spec.mask & 0x3n) !== 0n) return new Unsupported(`--tos ${arg} tests the ECN bits, which pbr does not model`);
  return [maskedMatch(ipPayload(ctx.family, 'dscp'), spec.value >> 2n, spec.mask >> 2n, 0x3fn, option.negated)];
});

const ipset: MatchTranslator = (options) => {
  const set = options.find((o) => o.name === 'match-set');
  return new Unsupported(`ipset ${set?.args[0] === undefined ? '' : `"${set.args[0]}" `}(a snapshot holds no ipset contents)`);
};

export const MATCH_MODULES: Readonly<Record<string, MatchTranslator>> = {
  tcp: portModule('tcp'),
  udp: portModule('udp'),
  sctp: portModule('sctp'),
  dccp: portModule('dccp'),
  udplite: portModule('udplite'),
  multiport: multiport,
  icmp: icmpModule('icmp', 'icmp-type'),
  icmp6: icmpModule('icmpv6', 'icmpv6-type'),
  iprange: iprange,
  mark: markModule(META_MARK, 'mark'),
  connmark: markModule(CT_MARK, 'connmark'),
  conntrack: conntrack,
  state: state,
  owner: owner,
  statistic: statistic,
  dscp: dscp,
  tos: tos,
  set: ipset,
};
