// Mark-bit reasoning for the mark checks: which bits of skb->mark and ct mark netfilter rules and ip rules set and read.
import type { NetfilterRuleset, NfBaseChain, NfChain, NfExpr, NfMapEntry, NfPattern, NfRule, NfSetSource, NfStatement, NfTable } from '../model/netfilter.ts';
import type { NetworkState, Rule } from '../model/network-state.ts';

export type MarkKey = 'meta' | 'ct';

export const MARK_ALL = 0xffffffffn;

/** `(from AND mask)` moved by `shift` bits (left when positive, right when negative) into the result. */
export interface MarkTerm {
  readonly from: MarkKey;
  readonly mask: bigint;
  readonly shift: number;
}

/** One possible value: `xor XOR term₁ XOR term₂ …`. */
export interface MarkSym {
  readonly xor: bigint;
  readonly terms: readonly MarkTerm[];
}

/** Every value an expression may take, or 'any' when it depends on something pbr does not follow. */
export type MarkValue = readonly MarkSym[] | 'any';

/** Where a statement sits. */
export interface MarkPlace {
  readonly table: NfTable;
  readonly chain: NfChain;
  readonly rule: NfRule;
}

export interface MarkWrite {
  readonly target: MarkKey;
  readonly value: MarkValue;
  readonly place: MarkPlace;
  /** false for a statement pbr does not model that mentions a mark */
  readonly exact: boolean;
}

export interface MarkRead {
  readonly from: MarkKey;
  readonly bits: bigint;
  readonly place: MarkPlace;
  readonly exact: boolean;
  /** a match against values only: the bits set in any of them */
  readonly compared?: bigint;
}

const MAX_ALTERNATIVES = 256;

const constant = (value: bigint): MarkSym => ({ xor: value & MARK_ALL, terms: [] });

/** the result bits a term's source bits land on */
function placeBits(mask: bigint, shift: number): bigint {
  return shift >= 0 ? (mask << BigInt(shift)) & MARK_ALL : mask >> BigInt(-shift);
}

/** the source bits that land on `bits` of the result */
function unplaceBits(bits: bigint, shift: number): bigint {
  return shift >= 0 ? bits >> BigInt(shift) : (bits << BigInt(-shift)) & MARK_ALL;
}

function normalize(terms: readonly MarkTerm[]): MarkTerm[] {
  const out: MarkTerm[] = [];
  for (const t of terms) {
    const i = out.findIndex((o) => o.from === t.from && o.shift === t.shift);
    const prev = out[i];
    // (s & a) ^ (s & b) = s & (a ^ b)
    if (prev) out[i] = { ...prev, mask: prev.mask ^ t.mask };
    else out.push(t);
  }
  return out.filter((t) => t.mask !== 0n);
}

function andConst(s: MarkSym, c: bigint): MarkSym {
  return { xor: s.xor & c, terms: normalize(s.terms.map((t) => ({ ...t, mask: t.mask & unplaceBits(c, t.shift) }))) };
}

function xorSym(a: MarkSym, b: MarkSym): MarkSym {
  return { xor: a.xor ^ b.xor, terms: normalize([...a.terms, ...b.terms]) };
}

function shiftSym(s: MarkSym, n: number): MarkSym {
  const xor = n >= 0 ? (s.xor << BigInt(n)) & MARK_ALL : s.xor >> BigInt(-n);
  const terms = s.terms.map((t) => {
    const shift = t.shift + n;
    return { ...t, shift, mask: t.mask & unplaceBits(MARK_ALL, shift) };
  });
  return { xor, terms: normalize(terms) };
}

function constOf(s: MarkSym): bigint | undefined {
  return s.terms.length === 0 ? s.xor : undefined;
}

function combine(op: '&' | '|' | '^' | '<<' | '>>', a: MarkSym, b: MarkSym): MarkSym | undefined {
  const ca = constOf(a);
  const cb = constOf(b);
  switch (op) {
    case '^': return xorSym(a, b);
    case '&': return cb !== undefined ? andConst(a, cb) : ca !== undefined ? andConst(b, ca) : undefined;
    // x | c = (x & ~c) ^ c
    case '|': return cb !== undefined ? xorSym(andConst(a, MARK_ALL & ~cb), b) : ca !== undefined ? xorSym(andConst(b, MARK_ALL & ~ca), a) : undefined;
    case '<<': return cb !== undefined && cb < 32n ? shiftSym(a, Number(cb)) : undefined;
    case '>>': return cb !== undefined && cb < 32n ? shiftSym(a, -Number(cb)) : undefined;
  }
}

function constants(values: readonly bigint[]): MarkValue {
  return values.length > MAX_ALTERNATIVES ? 'any' : values.map(constant);
}

function spread(offset: number, mod: number): MarkValue {
  if (mod > MAX_ALTERNATIVES) return 'any';
  return constants(Array.from({ length: mod }, (_, i) => BigInt(offset + i)));
}

function entriesOf(source: NfSetSource, table: NfTable | undefined): readonly NfMapEntry[] | undefined {
  if (source.kind === 'anonymous') return source.entries;
  return table?.sets.find((s) => s.name === source.name)?.entries;
}

function mapData(source: NfSetSource, table: NfTable | undefined): MarkValue {
  const entries = entriesOf(source, table);
  if (entries === undefined) return 'any';
  const values: bigint[] = [];
  for (const e of entries) {
    if (typeof e.data !== 'bigint') return 'any';
    values.push(e.data);
  }
  return constants([...new Set(values)]);
}

/** Every value `expr` may take, in terms of the packet's meta mark and ct mark. */
export function evalMarkExpr(expr: NfExpr, table?: NfTable): MarkValue {
  switch (expr.kind) {
    case 'const': return typeof expr.value === 'bigint' ? [constant(expr.value)] : 'any';
    case 'meta': return expr.key === 'mark' ? [{ xor: 0n, terms: [{ from: 'meta', mask: MARK_ALL, shift: 0 }] }] : 'any';
    case 'ct': return expr.key === 'mark' && expr.dir === undefined ? [{ xor: 0n, terms: [{ from: 'ct', mask: MARK_ALL, shift: 0 }] }] : 'any';
    case 'numgen':
    case 'hash': return spread(expr.offset, expr.mod);
    case 'map': return mapData(expr.map, table);
    case 'binop': {
      const left = evalMarkExpr(expr.left, table);
      const right = evalMarkExpr(expr.right, table);
      if (left === 'any' || right === 'any' || left.length * right.length > MAX_ALTERNATIVES) return 'any';
      const out: MarkSym[] = [];
      for (const a of left) {
        for (const b of right) {
          const s = combine(expr.op, a, b);
          if (s === undefined) return 'any';
          out.push(s);
        }
      }
      return out;
    }
    default: return 'any';
  }
}

/** the mark (meta or ct) an expression names when it is one, as a `set` target */
export function markKeyOf(expr: NfExpr): MarkKey | undefined {
  if (expr.kind === 'meta' && expr.key === 'mark') return 'meta';
  if (expr.kind === 'ct' && expr.key === 'mark' && expr.dir === undefined) return 'ct';
  return undefined;
}

function mentions(expr: NfExpr, key: MarkKey): boolean {
  switch (expr.kind) {
    case 'meta':
    case 'ct': return markKeyOf(expr) === key;
    case 'binop': return mentions(expr.left, key) || mentions(expr.right, key);
    case 'concat': return expr.parts.some((p) => mentions(p, key));
    case 'map': return mentions(expr.key, key);
    default: return false;
  }
}

/** the bits of each mark an expression looks at; `self` terms (a `set`'s target kept in place) are not reads */
export function readBitsOf(expr: NfExpr, table?: NfTable, self?: MarkKey): Map<MarkKey, bigint> {
  const out = new Map<MarkKey, bigint>();
  const value = evalMarkExpr(expr, table);
  const add = (key: MarkKey, bits: bigint): void => {
    if (bits !== 0n) out.set(key, (out.get(key) ?? 0n) | bits);
  };
  if (value === 'any') {
    for (const key of ['meta', 'ct'] as const) if (mentions(expr, key)) add(key, MARK_ALL);
    if (expr.kind === 'map') for (const [k, bits] of readBitsOf(expr.key, table)) add(k, bits);
    return out;
  }
  for (const s of value) for (const t of s.terms) if (!(t.from === self && t.shift === 0)) add(t.from, t.mask);
  return out;
}

/** The bits a `set` may turn to 1, given the bits each mark may already hold. */
export function setBitsOf(value: MarkValue, possible: ReadonlyMap<MarkKey, bigint>): bigint {
  if (value === 'any') return MARK_ALL;
  let bits = 0n;
  for (const s of value) {
    bits |= s.xor;
    for (const t of s.terms) bits |= placeBits(t.mask & (possible.get(t.from) ?? 0n), t.shift);
  }
  return bits;
}

/** The bits a `set` of `target` may change (set or clear); bits only kept in place are not changed. */
export function changedBitsOf(target: MarkKey, value: MarkValue): bigint {
  if (value === 'any') return MARK_ALL;
  return value.reduce((acc, s) => acc | symChangedBits(target, s), 0n);
}

function symChangedBits(target: MarkKey, s: MarkSym): bigint {
  const isKeep = (t: MarkTerm): boolean => t.from === target && t.shift === 0;
  const kept = s.terms.filter(isKeep).reduce((acc, t) => acc | t.mask, 0n);
  const others = s.terms.filter((t) => !isKeep(t)).reduce((acc, t) => acc | placeBits(t.mask, t.shift), 0n);
  return (MARK_ALL & ~kept) | s.xor | others;
}

/**
 * The bits a write claims as its own: a statement that overwrites the whole mark (`meta mark set 0x1`) claims the
 * bits it may set; one that keeps some bits claims every bit it changes.
 */
export function claimedBitsOf(w: MarkWrite, possible: ReadonlyMap<MarkKey, bigint>): bigint {
  if (w.value === 'any') return MARK_ALL;
  return w.value.reduce((acc, s) => {
    const keeps = s.terms.some((t) => t.from === w.target && t.shift === 0);
    return acc | (keeps ? symChangedBits(w.target, s) : setBitsOf([s], possible));
  }, 0n);
}

/** Every mark write and mark read of a rule set, in order. */
export interface MarkUses {
  readonly writes: readonly MarkWrite[];
  readonly reads: readonly MarkRead[];
}

function statementUses(st: NfStatement, place: MarkPlace, writes: MarkWrite[], reads: MarkRead[]): void {
  const addReads = (bits: Map<MarkKey, bigint>, exact = true, compared?: bigint): void => {
    for (const [from, b] of bits) reads.push({ from, bits: b, place, exact, ...(compared !== undefined ? { compared } : {}) });
  };
  switch (st.kind) {
    case 'match': addReads(readBitsOf(st.left, place.table), true, comparedBits(st.right, place.table)); return;
    case 'vmap': addReads(readBitsOf(st.key, place.table)); return;
    case 'set': {
      const target = markKeyOf(st.target);
      addReads(readBitsOf(st.value, place.table, target));
      if (target !== undefined) writes.push({ target, value: evalMarkExpr(st.value, place.table), place, exact: true });
      return;
    }
    case 'unknown':
      if (/mark/i.test(st.text)) {
        addReads(new Map([['meta', MARK_ALL], ['ct', MARK_ALL]]), false);
        for (const target of ['meta', 'ct'] as const) writes.push({ target, value: 'any', place, exact: false });
      }
      return;
    default: return;
  }
}

/** the bits set in any value a match compares with; undefined for ranges, prefixes and bit tests */
function comparedBits(right: NfPattern, table: NfTable): bigint | undefined {
  const keys = right.kind === 'element' ? [right.element] : right.kind === 'set' ? entriesOf(right.set, table)?.map((e) => e.key) : undefined;
  let bits = 0n;
  for (const key of keys ?? []) {
    if (key.kind !== 'value' || typeof key.value !== 'bigint') return undefined;
    bits |= key.value;
  }
  return keys === undefined ? undefined : bits;
}

export function collectMarkUses(ruleset: NetfilterRuleset | undefined): MarkUses {
  const writes: MarkWrite[] = [];
  const reads: MarkRead[] = [];
  for (const table of ruleset?.tables ?? []) {
    for (const chain of table.chains) {
      for (const rule of chain.rules) {
        for (const st of rule.statements) statementUses(st, { table, chain, rule }, writes, reads);
      }
    }
  }
  return { writes, reads };
}

/** The bits each mark may hold after netfilter ran (SO_MARK left aside): a fixed point over every write. */
export function possibleMarkBits(writes: readonly MarkWrite[]): Map<MarkKey, bigint> {
  const possible = new Map<MarkKey, bigint>([['meta', 0n], ['ct', 0n]]);
  for (let changed = true; changed;) {
    changed = false;
    for (const w of writes) {
      const before = possible.get(w.target) ?? 0n;
      const after = before | setBitsOf(w.value, possible);
      if (after !== before) {
        possible.set(w.target, after);
        changed = true;
      }
    }
  }
  return possible;
}

/**
 * Whether a write may leave the mark with `(mark & mask) == value`: every bit of `mask` is either fixed to
 * the wanted value or taken from a source bit that may be set. A write that only keeps those bits does not count.
 */
export function canProduce(w: MarkWrite, value: bigint, mask: bigint, possible: ReadonlyMap<MarkKey, bigint>): boolean {
  if (w.value === 'any') return true;
  return w.value.some((s) => {
    if ((symChangedBits(w.target, s) & mask) === 0n) return false;
    // a bit is free when a source bit that may be 1 lands on it; every other bit is the constant's
    const free = s.terms.reduce((acc, t) => acc | placeBits(t.mask & (possible.get(t.from) ?? 0n), t.shift), 0n);
    return ((s.xor ^ value) & mask & ~free) === 0n;
  });
}

/** an ip rule's mark selector, when it has one */
export function ruleMarkSelector(rule: Rule): { readonly value: bigint; readonly mask: bigint } | undefined {
  if (rule.fwmask === 0 && rule.fwmark === 0) return undefined;
  return { value: BigInt(rule.fwmark >>> 0), mask: BigInt(rule.fwmask >>> 0) };
}

/** the meta mark bits the ip rules (both families) look at */
export function ruleReadBits(state: NetworkState): bigint {
  let bits = 0n;
  for (const rule of [...state.rules4, ...state.rules6]) bits |= ruleMarkSelector(rule)?.mask ?? 0n;
  return bits;
}

/** The base chains from which a chain of `table` is reached (itself, for a base chain), through jump and goto. */
export function reachingBaseChains(table: NfTable): Map<string, NfChain[]> {
  const byName = new Map(table.chains.map((c) => [c.name, c]));
  const out = new Map<string, NfChain[]>();
  for (const base of table.chains.filter((c) => c.base !== undefined)) {
    const seen = new Set<string>();
    const stack = [base.name];
    while (stack.length > 0) {
      const name = stack.pop();
      if (name === undefined || seen.has(name)) continue;
      seen.add(name);
      out.set(name, [...(out.get(name) ?? []), base]);
      const chain = byName.get(name);
      for (const rule of chain?.rules ?? []) for (const target of jumpTargets(rule, table)) stack.push(target);
    }
  }
  return out;
}

/** the chains a rule jumps or goes to, also through a verdict map */
export function jumpTargets(rule: NfRule, table: NfTable): string[] {
  const out: string[] = [];
  for (const st of rule.statements) {
    if (st.kind === 'verdict' && (st.verdict.kind === 'jump' || st.verdict.kind === 'goto')) out.push(st.verdict.chain);
    if (st.kind === 'vmap') {
      for (const e of entriesOf(st.map, table) ?? []) {
        if (typeof e.data === 'object' && (e.data.kind === 'jump' || e.data.kind === 'goto')) out.push(e.data.chain);
      }
    }
  }
  return out;
}

/** "nft inet pbr prerouting handle 4" / "iptables mangle OUTPUT line 7": how findings name a rule */
export function describePlace(place: MarkPlace): string {
  const { table, chain, rule } = place;
  const where = rule.handle !== undefined ? ` handle ${rule.handle}` : rule.source?.line !== undefined ? ` line ${rule.source.line}` : '';
  if (table.origin === 'nft') return `nft ${table.family} ${table.name} ${chain.name}${where}`;
  return `${table.origin} ${table.name} ${chain.name}${where}`;
}

export function hex(bits: bigint): string {
  return `0x${bits.toString(16)}`;
}

/** a base chain as findings name it: "type filter hook output" */
export function describeBase(base: NfBaseChain): string {
  return `type ${base.type} hook ${base.hook}`;
}
