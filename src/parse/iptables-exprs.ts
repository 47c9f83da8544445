// Building blocks shared by the iptables match and target translators: the options of one module and model expressions.
import type { Family } from '../addr/types.ts';
import type { NfElement, NfExpr, NfMatchOp, NfPattern, NfStatement } from '../model/netfilter.ts';

/** One `[!] --name [args…]` of a match or target. */
export interface XtOption {
  readonly name: string;
  readonly args: readonly string[];
  readonly negated: boolean;
  /** 1-based column of the option in the line */
  readonly column: number;
  /** 0-based index just past its last value */
  readonly end: number;
}

/** What a translator knows about the rule it is in. */
export interface XtContext {
  readonly family: Family;
  readonly table: string;
  /** `-p` of the rule, when given without `!` */
  readonly protocol?: number;
  /** user-defined chains of the table declared so far (jump targets) */
  readonly userChains: ReadonlySet<string>;
}

/** A module pbr does not model (or an option of it): the caller turns it into an `unknown` statement and a warning. */
export class Unsupported {
  constructor(readonly why: string) {}
}

/** A malformed option: the caller reports an error at `column` (0: the module or target as a whole) and keeps that part as `unknown`. */
export class BadOption {
  constructor(
    readonly message: string,
    readonly column: number,
  ) {}
}

/** One option's part of a module: its statements, or why it stays unknown (the module's other options still count). */
export interface OptionFailure {
  readonly option: XtOption;
  readonly failure: Unsupported | BadOption;
}

/** A module's or target's statements, each option failure in its place; or a failure of the whole. */
export type Translation = (NfStatement | OptionFailure)[] | Unsupported | BadOption;

export const META_MARK: NfExpr = { kind: 'meta', key: 'mark' };
export const CT_MARK: NfExpr = { kind: 'ct', key: 'mark' };

export const constant = (value: bigint | string): NfExpr => ({ kind: 'const', value });

export const binop = (op: '&' | '|' | '^' | '<<' | '>>', left: NfExpr, right: NfExpr): NfExpr => ({ kind: 'binop', op, left, right });

export const payload = (protocol: string, field: string): NfExpr => ({ kind: 'payload', protocol, field });

export const ipPayload = (family: Family, field: string): NfExpr => payload(family === 4 ? 'ip' : 'ip6', field);

export const single = (value: bigint | string): NfPattern => ({ kind: 'element', element: { kind: 'value', value } });

export const pattern = (element: NfElement): NfPattern => ({ kind: 'element', element });

export const match = (left: NfExpr, negated: boolean, right: NfPattern): NfStatement => ({
  kind: 'match',
  left,
  op: (negated ? '!=' : '==') satisfies NfMatchOp,
  right,
});

/**
 * `(left AND mask) == value`, without the AND when the mask covers every bit. The value is not masked: a value
 * with bits outside the mask never matches (mirrors mark_mt(), net/netfilter/xt_mark.c).
 */
export function maskedMatch(left: NfExpr, value: bigint, mask: bigint, all: bigint, negated: boolean): NfStatement {
  const masked = mask === all ? left : binop('&', left, constant(mask));
  return match(masked, negated, single(value));
}

/**
 * `(left AND NOT mask) XOR value` as nft writes it, in its shortest exact form.
 * mirrors mark_tg(), net/netfilter/xt_mark.c: `mark = (mark & ~info->mask) ^ info->mark`
 */
export function xorMask(left: NfExpr, value: bigint, mask: bigint, all: bigint): NfExpr {
  if (mask === all) return constant(value);
  if (mask === 0n) return value === 0n ? left : binop('^', left, constant(value));
  const kept = binop('&', left, constant(all & ~mask));
  if (value === 0n) return kept;
  if (value === mask) return binop('|', left, constant(value));
  return binop('^', kept, constant(value));
}

/** the single argument of an option, or a BadOption */
export function oneArg(option: XtOption): string | BadOption {
  const [arg, extra] = option.args;
  if (arg === undefined) return new BadOption(`--${option.name} needs a value`, option.column);
  if (extra !== undefined) return new BadOption(`--${option.name} takes one value, not "${option.args.join(' ')}"`, option.column);
  return arg;
}

export function noArgs(option: XtOption): BadOption | undefined {
  return option.args.length === 0 ? undefined : new BadOption(`--${option.name} takes no value, got "${option.args.join(' ')}"`, option.column);
}

export const isFailure = (value: unknown): value is Unsupported | BadOption => value instanceof Unsupported || value instanceof BadOption;
