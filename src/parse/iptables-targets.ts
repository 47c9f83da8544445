// iptables targets (`-j NAME --opt …`, `-g CHAIN`) → model statements.
import type { NfExpr, NfStatement } from '../model/netfilter.ts';
import {
  BadOption, CT_MARK, META_MARK, Unsupported, binop, constant, ipPayload, isFailure, noArgs, oneArg, xorMask,
  type Translation, type XtContext, type XtOption,
} from './iptables-exprs.ts';
import { MARK_ALL, addressValue, parseDscpClass, parsePortSpec, parseTosSpec, parseValueMask, parseXtNumber } from './iptables-values.ts';

type TargetTranslator = (options: readonly XtOption[], ctx: XtContext) => Translation;

/** Options by name; an unexpected or repeated one is a failure. */
function optionMap(options: readonly XtOption[], allowed: readonly string[], target: string): Map<string, XtOption> | Unsupported | BadOption {
  const map = new Map<string, XtOption>();
  for (const option of options) {
    if (!allowed.includes(option.name)) return new Unsupported(`option --${option.name} of -j ${target}`);
    if (map.has(option.name)) return new BadOption(`--${option.name} given twice`, option.column);
    if (option.negated) return new BadOption(`"!" cannot negate --${option.name}`, option.column);
    map.set(option.name, option);
  }
  return map;
}

const verdict = (kind: 'accept' | 'drop' | 'return' | 'queue'): TargetTranslator => (options) =>
  options.length > 0 ? new BadOption(`-j ${kind.toUpperCase()} takes no options`, options[0]?.column ?? 0) : [{ kind: 'verdict', verdict: { kind } }];

/**
 * The value/mask a MARK or CONNMARK option stands for, as libxt_MARK/libxt_CONNMARK encode it
 * (spec §9.2: --set-mark v/m → v/(v|m), --and-mark b → 0/~b, --or-mark b → b/b, --xor-mark b → b/0).
 */
function xmarkOf(option: XtOption): { value: bigint; mask: bigint } | BadOption {
  const arg = oneArg(option);
  if (isFailure(arg)) return arg;
  const twoPart = option.name === 'set-xmark' || option.name === 'set-mark';
  const vm = twoPart ? parseValueMask(arg, MARK_ALL) : parseValueMask(arg, 0n);
  if (vm === undefined || (!twoPart && arg.includes('/'))) return new BadOption(`bad mark "${arg}" after --${option.name}`, option.column);
  switch (option.name) {
    case 'set-mark': return { value: vm.value, mask: vm.value | vm.mask };
    case 'and-mark': return { value: 0n, mask: MARK_ALL & ~vm.value };
    case 'or-mark': return { value: vm.value, mask: vm.value };
    case 'xor-mark': return { value: vm.value, mask: 0n };
    default: return vm;
  }
}

const MARK_OPS = ['set-xmark', 'set-mark', 'and-mark', 'or-mark', 'xor-mark'];

/** mirrors mark_tg(), net/netfilter/xt_mark.c */
const mark: TargetTranslator = (options) => {
  const map = optionMap(options, MARK_OPS, 'MARK');
  if (isFailure(map)) return map;
  const [op, extra] = [...map.values()];
  if (op === undefined) return new BadOption('-j MARK needs one of --set-xmark, --set-mark, --and-mark, --or-mark, --xor-mark', 0);
  if (extra !== undefined) return new BadOption(`-j MARK takes one operation, not --${op.name} and --${extra.name}`, extra.column);
  const vm = xmarkOf(op);
  if (vm instanceof BadOption) return vm;
  return [{ kind: 'set', target: META_MARK, value: xorMask(META_MARK, vm.value, vm.mask, MARK_ALL) }];
};

/** revision 2's shift of the computed mark, truncated to 32 bits */
function shifted(expr: NfExpr, shift: { dir: '<<' | '>>'; bits: bigint } | undefined): NfExpr {
  if (shift === undefined || shift.bits === 0n) return expr;
  const moved = binop(shift.dir, expr, constant(shift.bits));
  return shift.dir === '<<' ? binop('&', moved, constant(MARK_ALL)) : moved;
}

function maskOption(map: Map<string, XtOption>, name: string, fallback: bigint): bigint | BadOption {
  const option = map.get(name);
  if (option === undefined) return fallback;
  const arg = oneArg(option);
  if (isFailure(arg)) return arg;
  const value = parseXtNumber(arg);
  if (value === undefined || value > MARK_ALL) return new BadOption(`bad mask "${arg}" after --${name}`, option.column);
  return value;
}

/** `(kept AND NOT mask) XOR moved`, written shortest: moved alone when the mask covers every bit */
function keepXor(kept: NfExpr, mask: bigint, moved: NfExpr): NfExpr {
  if (mask === MARK_ALL) return moved;
  return binop('^', mask === 0n ? kept : binop('&', kept, constant(MARK_ALL & ~mask)), moved);
}

/** mirrors connmark_tg_shift(), net/netfilter/xt_CONNMARK.c (spec §9.2) */
const connmark: TargetTranslator = (options) => {
  const map = optionMap(options, [...MARK_OPS, 'save-mark', 'restore-mark', 'mask', 'nfmask', 'ctmask', 'left-shift-mark', 'right-shift-mark'], 'CONNMARK');
  if (isFailure(map)) return map;
  const ops = [...map.values()].filter((o) => MARK_OPS.includes(o.name) || o.name === 'save-mark' || o.name === 'restore-mark');
  const [op, extra] = ops;
  if (op === undefined) return new BadOption('-j CONNMARK needs --set-xmark, --set-mark, --save-mark or --restore-mark', 0);
  if (extra !== undefined) return new BadOption(`-j CONNMARK takes one operation, not --${op.name} and --${extra.name}`, extra.column);
  let shift: { dir: '<<' | '>>'; bits: bigint } | undefined;
  for (const [name, dir] of [['left-shift-mark', '<<'], ['right-shift-mark', '>>']] as const) {
    const option = map.get(name);
    if (option === undefined) continue;
    const arg = oneArg(option);
    if (isFailure(arg)) return arg;
    const bits = parseXtNumber(arg);
    if (bits === undefined || bits > 31n || shift !== undefined) return new BadOption(`bad --${name} "${arg}" (0 to 31, one direction)`, option.column);
    shift = { dir, bits };
  }
  if (op.name === 'save-mark' || op.name === 'restore-mark') {
    const none = noArgs(op);
    if (none) return none;
    const both = maskOption(map, 'mask', MARK_ALL);
    if (both instanceof BadOption) return both;
    const nfmask = maskOption(map, 'nfmask', both);
    const ctmask = maskOption(map, 'ctmask', both);
    if (nfmask instanceof BadOption) return nfmask;
    if (ctmask instanceof BadOption) return ctmask;
    const masked = (expr: NfExpr, mask: bigint): NfExpr => (mask === MARK_ALL ? expr : binop('&', expr, constant(mask)));
    if (op.name === 'save-mark') {
      // ct = (ct & ~ctmask) ^ ((mark & nfmask) shifted)
      return [{ kind: 'set', target: CT_MARK, value: keepXor(CT_MARK, ctmask, shifted(masked(META_MARK, nfmask), shift)) }];
    }
    // mark = (mark & ~nfmask) ^ ((ct & ctmask) shifted)
    return [{ kind: 'set', target: META_MARK, value: keepXor(META_MARK, nfmask, shifted(masked(CT_MARK, ctmask), shift)) }];
  }
  for (const name of ['mask', 'nfmask', 'ctmask']) {
    const option = map.get(name);
    if (option !== undefined) return new BadOption(`--${name} goes with --save-mark or --restore-mark, not --${op.name}`, option.column);
  }
  const vm = xmarkOf(op);
  if (vm instanceof BadOption) return vm;
  // ct = ((ct & ~ctmask) ^ ctmark) shifted
  return [{ kind: 'set', target: CT_MARK, value: shifted(xorMask(CT_MARK, vm.value, vm.mask, MARK_ALL), shift) }];
};

const DEFAULT_REJECT: Readonly<Record<4 | 6, string>> = { 4: 'icmp-port-unreachable', 6: 'icmp6-port-unreachable' };

const reject: TargetTranslator = (options, ctx) => {
  const map = optionMap(options, ['reject-with'], 'REJECT');
  if (isFailure(map)) return map;
  const option = map.get('reject-with');
  const arg = option === undefined ? DEFAULT_REJECT[ctx.family] : oneArg(option);
  if (isFailure(arg)) return arg;
  return [{ kind: 'reject', with: arg }];
};

/** `addr[-addr][:port[-port]]`, IPv6 addresses in brackets when a port follows (mirrors parse_to(), libxt_DNAT.c) */
function natRange(arg: string, ctx: XtContext, column: number): Omit<Extract<NfStatement, { kind: 'nat' }>, 'kind' | 'type'> | BadOption | Unsupported {
  if (arg.includes('/')) return new Unsupported(`a shifted NAT range "${arg}"`);
  let addrPart = arg;
  let portPart: string | undefined;
  if (ctx.family === 6) {
    const bracket = /^\[([^\]]*)\](?::(.*))?$/.exec(arg);
    if (bracket) {
      addrPart = bracket[1] ?? '';
      portPart = bracket[2];
    } else if (arg.startsWith(':') && !arg.startsWith('::')) {
      addrPart = '';
      portPart = arg.slice(1);
    }
  } else {
    const colon = arg.indexOf(':');
    if (colon >= 0) {
      addrPart = arg.slice(0, colon);
      portPart = arg.slice(colon + 1);
    }
  }
  const out: { addr?: NfExpr; addrHigh?: NfExpr; port?: NfExpr; portHigh?: NfExpr } = {};
  if (addrPart !== '') {
    const dash = addrPart.indexOf('-');
    const lowText = dash >= 0 ? addrPart.slice(0, dash) : addrPart;
    const low = addressValue(lowText, ctx.family);
    const high = dash >= 0 ? addressValue(addrPart.slice(dash + 1), ctx.family) : low;
    if (low === undefined || high === undefined || high < low) return new BadOption(`bad NAT address or range "${addrPart}"`, column);
    out.addr = constant(low);
    if (high !== low) out.addrHigh = constant(high);
  }
  if (portPart !== undefined) {
    const ports = parsePortSpec(portPart, '-');
    if (ports === undefined || ports.kind === 'prefix' || ports.kind === 'concat') return new BadOption(`bad NAT port or range "${portPart}"`, column);
    if (ports.kind === 'value') out.port = constant(ports.value as bigint);
    else {
      out.port = constant(ports.low);
      out.portHigh = constant(ports.high);
    }
  }
  return out;
}

const NAT_FLAGS = ['random', 'random-fully', 'persistent'];

function natTarget(type: 'snat' | 'dnat', optionName: string, target: string): TargetTranslator {
  return (options, ctx) => {
    const map = optionMap(options, [optionName, ...NAT_FLAGS], target);
    if (isFailure(map)) return map;
    const option = map.get(optionName);
    if (option === undefined) return new BadOption(`-j ${target} needs --${optionName}`, 0);
    const arg = oneArg(option);
    if (isFailure(arg)) return arg;
    const range = natRange(arg, ctx, option.column);
    if (isFailure(range)) return range;
    return [{ kind: 'nat', type, ...range }];
  };
}

function portTarget(type: 'masquerade' | 'redirect', target: string): TargetTranslator {
  return (options) => {
    const map = optionMap(options, ['to-ports', ...NAT_FLAGS], target);
    if (isFailure(map)) return map;
    const option = map.get('to-ports');
    if (option === undefined) return [{ kind: 'nat', type }];
    const arg = oneArg(option);
    if (isFailure(arg)) return arg;
    const ports = parsePortSpec(arg, '-');
    if (ports === undefined || (ports.kind !== 'value' && ports.kind !== 'range')) return new BadOption(`bad port or range "${arg}" after --to-ports`, option.column);
    return ports.kind === 'value'
      ? [{ kind: 'nat', type, port: constant(ports.value as bigint) }]
      : [{ kind: 'nat', type, port: constant(ports.low), portHigh: constant(ports.high) }];
  };
}

const LOG_OPTIONS = ['log-prefix', 'log-level', 'log-tcp-sequence', 'log-tcp-options', 'log-ip-options', 'log-uid', 'log-macdecode'];
const NFLOG_OPTIONS = ['nflog-prefix', 'nflog-group', 'nflog-range', 'nflog-size', 'nflog-threshold'];

function logTarget(prefixOption: string, allowed: readonly string[], target: string): TargetTranslator {
  return (options) => {
    const map = optionMap(options, allowed, target);
    if (isFailure(map)) return map;
    const option = map.get(prefixOption);
    if (option === undefined) return [{ kind: 'log' }];
    const prefix = oneArg(option);
    if (isFailure(prefix)) return prefix;
    return [{ kind: 'log', prefix }];
  };
}

const notrack: TargetTranslator = (options) => (options.length > 0 ? new BadOption('-j NOTRACK takes no options', options[0]?.column ?? 0) : [{ kind: 'notrack' }]);

const ct: TargetTranslator = (options) => {
  const [first, extra] = options;
  if (first?.name === 'notrack' && extra === undefined && first.args.length === 0 && !first.negated) return [{ kind: 'notrack' }];
  return new Unsupported(`-j CT ${options.map((o) => `--${o.name}`).join(' ')} (only --notrack is modelled)`);
};

/** mirrors dscp_tg(), net/netfilter/xt_DSCP.c */
const dscpTarget: TargetTranslator = (options, ctx) => {
  const map = optionMap(options, ['set-dscp', 'set-dscp-class'], 'DSCP');
  if (isFailure(map)) return map;
  const [option, extra] = [...map.values()];
  if (option === undefined || extra !== undefined) return new BadOption('-j DSCP takes one of --set-dscp, --set-dscp-class', option?.column ?? 0);
  const arg = oneArg(option);
  if (isFailure(arg)) return arg;
  const cls = option.name === 'set-dscp-class' ? parseDscpClass(arg) : undefined;
  const value = option.name === 'set-dscp' ? parseXtNumber(arg) : cls === undefined ? undefined : BigInt(cls);
  if (value === undefined || value > 0x3fn) return new BadOption(`bad DSCP "${arg}" (0 to 0x3f or a class)`, option.column);
  return [{ kind: 'set', target: ipPayload(ctx.family, 'dscp'), value: constant(value) }];
};

/**
 * mirrors tos_tg(), net/netfilter/xt_DSCP.c: `tos = (tos & ~mask) ^ value` on the whole DS field; the ECN bits
 * do not reach the DSCP bits, so this is the same operation on `dscp` with value and mask shifted right by two.
 */
const tosTarget: TargetTranslator = (options, ctx) => {
  const map = optionMap(options, ['set-tos', 'and-tos', 'or-tos', 'xor-tos'], 'TOS');
  if (isFailure(map)) return map;
  const [option, extra] = [...map.values()];
  if (option === undefined || extra !== undefined) return new BadOption('-j TOS takes one of --set-tos, --and-tos, --or-tos, --xor-tos', option?.column ?? 0);
  const arg = oneArg(option);
  if (isFailure(arg)) return arg;
  const spec = option.name === 'set-tos' ? parseTosSpec(arg) : parseValueMask(arg, 0n, 0xffn);
  if (spec === undefined || (option.name !== 'set-tos' && arg.includes('/'))) return new BadOption(`bad TOS "${arg}" after --${option.name}`, option.column);
  const { value, mask } = option.name === 'and-tos' ? { value: 0n, mask: 0xffn & ~spec.value }
    : option.name === 'or-tos' ? { value: spec.value, mask: spec.value }
    : option.name === 'xor-tos' ? { value: spec.value, mask: 0n }
    : spec;
  const field = ipPayload(ctx.family, 'dscp');
  return [{ kind: 'set', target: field, value: xorMask(field, value >> 2n, mask >> 2n, 0x3fn) }];
};

const nfqueue: TargetTranslator = (options) => {
  if (options.some((o) => o.name === 'queue-bypass' || o.name === 'fail-open')) {
    return new Unsupported('NFQUEUE --queue-bypass (accepted when no program listens)');
  }
  return [{ kind: 'verdict', verdict: { kind: 'queue' } }];
};

export const TARGETS: Readonly<Record<string, TargetTranslator>> = {
  ACCEPT: verdict('accept'),
  DROP: verdict('drop'),
  RETURN: verdict('return'),
  QUEUE: verdict('queue'),
  NFQUEUE: nfqueue,
  REJECT: reject,
  MARK: mark,
  CONNMARK: connmark,
  SNAT: natTarget('snat', 'to-source', 'SNAT'),
  DNAT: natTarget('dnat', 'to-destination', 'DNAT'),
  MASQUERADE: portTarget('masquerade', 'MASQUERADE'),
  REDIRECT: portTarget('redirect', 'REDIRECT'),
  LOG: logTarget('log-prefix', LOG_OPTIONS, 'LOG'),
  NFLOG: logTarget('nflog-prefix', NFLOG_OPTIONS, 'NFLOG'),
  NOTRACK: notrack,
  CT: ct,
  DSCP: dscpTarget,
  TOS: tosTarget,
};
