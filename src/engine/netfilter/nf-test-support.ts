// Small builders for hand-made rule sets and packets in the netfilter evaluator's tests.
import type { NfPacketState } from '../../model/journey.ts';
import type {
  NetfilterRuleset, NfBaseChain, NfChain, NfCtKey, NfElement, NfMetaKey, NfExpr, NfFamily, NfMatchOp, NfPattern, NfRule, NfSet, NfStatement, NfTable, NfVerdict,
} from '../../model/netfilter.ts';
import type { HookedChain } from './chain-branch.ts';

export function packet4(fields: Partial<NfPacketState> = {}): NfPacketState {
  return {
    family: 4,
    saddr: { family: 4, value: 0x0a000002 },
    daddr: { family: 4, value: 0xc6336401 },
    l4proto: 6,
    sport: 40000,
    dport: 22,
    dscp: 0,
    mark: 0,
    iifname: 'lan',
    ct: { state: 'new', direction: 'original', mark: 0, status: 0n },
    ...fields,
  };
}

export function packet6(fields: Partial<NfPacketState> = {}): NfPacketState {
  return packet4({ family: 6, saddr: { family: 6, value: 0x20010db8000000000000000000000002n }, daddr: { family: 6, value: 0x20010db8000100000000000000000001n }, ...fields });
}

export const meta = (key: NfMetaKey): NfExpr => ({ kind: 'meta', key });
export const ctExpr = (key: NfCtKey): NfExpr => ({ kind: 'ct', key });
export const konst = (value: bigint | string): NfExpr => ({ kind: 'const', value });
export const payload = (protocol: string, field: string): NfExpr => ({ kind: 'payload', protocol, field });
export const binop = (op: '&' | '|' | '^' | '<<' | '>>', left: NfExpr, right: NfExpr): NfExpr => ({ kind: 'binop', op, left, right });

export const value = (v: bigint | string): NfElement => ({ kind: 'value', value: v });
export const range = (low: bigint, high: bigint): NfElement => ({ kind: 'range', low, high });
export const prefix4 = (v: number, length: number): NfElement => ({ kind: 'prefix', value: BigInt(v), length, width: 32 });

export function match(left: NfExpr, right: NfPattern | NfElement, op: NfMatchOp = '=='): NfStatement {
  const pattern: NfPattern = right.kind === 'element' || right.kind === 'set' || right.kind === 'flags' ? right : { kind: 'element', element: right };
  return { kind: 'match', left, op, right: pattern };
}

export const verdict = (v: NfVerdict): NfStatement => ({ kind: 'verdict', verdict: v });
export const accept = verdict({ kind: 'accept' });
export const drop = verdict({ kind: 'drop' });
export const ret = verdict({ kind: 'return' });
export const jump = (chain: string): NfStatement => verdict({ kind: 'jump', chain });
export const goto = (chain: string): NfStatement => verdict({ kind: 'goto', chain });
export const setMark = (v: NfExpr): NfStatement => ({ kind: 'set', target: meta('mark'), value: v });
export const setCtMark = (v: NfExpr): NfStatement => ({ kind: 'set', target: ctExpr('mark'), value: v });

export function rule(text: string, ...statements: NfStatement[]): NfRule {
  return { text, statements };
}

/** A regular chain, reached only by jump or goto. */
export function chain(name: string, rules: NfRule[]): NfChain {
  return { name, rules };
}

/** A base chain; by default a filter chain on prerouting at mangle priority with policy accept. */
export function baseChain(name: string, rules: NfRule[], base: Partial<NfBaseChain> = {}): NfChain {
  return { name, rules, base: { hook: 'prerouting', type: 'filter', priority: -150, policy: 'accept', ...base } };
}

export function table(chains: NfChain[], fields: { family?: NfFamily; name?: string; sets?: readonly NfSet[]; origin?: NfTable['origin'] } = {}): NfTable {
  return { family: fields.family ?? 'ip', name: fields.name ?? 't', origin: fields.origin ?? 'nft', chains, sets: fields.sets ?? [] };
}

export function rulesetOf(...tables: NfTable[]): NetfilterRuleset {
  return { tables };
}

/** The table's first base chain, ready for runBaseChain. */
export function hookedOf(t: NfTable): HookedChain {
  const base = t.chains.find((c) => c.base);
  if (!base) throw new Error('table without a base chain');
  return { table: t, chain: base };
}
