// Runs the statements of one rule, in order, on one packet: every way the rule can end, with probabilities.
import type { IpAddress } from '../../addr/types.ts';
import type { NfPacketState } from '../../model/journey.ts';
import type { NfExpr, NfPattern, NfMatchOp, NfRule, NfStatement, NfTable, NfVerdict } from '../../model/netfilter.ts';
import type { NatRequest } from './chain-branch.ts';
import { describeSet, evalExpr, resolveSetEntries, type NfEvalContext } from './eval-expr.ts';
import { compareOrdered, findEntry, matchElement } from './match-element.ts';
import { describeExpr, formatNat, formatVerdict } from './nf-text.ts';
import { formatHex, unionAssumptions, type NfAlternative, type NfReading, type NfValue } from './nf-value.ts';

/** How a rule ended: a failed match (or a lookup without element) breaks it; a verdict, reject or nat ends the chain run. */
export type RuleEnd =
  | { readonly kind: 'break' }
  | { readonly kind: 'verdict'; readonly verdict: NfVerdict }
  | { readonly kind: 'reject'; readonly with?: string }
  /** nft nat statements are terminal: they set NF_ACCEPT (mirrors nft_nat_eval(), net/netfilter/nft_nat.c) */
  | { readonly kind: 'nat' };

/** One way through a rule. */
export interface RulePath {
  readonly probability: number;
  readonly assumptions: readonly string[];
  readonly packet: NfPacketState;
  /** what the statements did, in order ("mark 0x0 → 0x1", "counter", "jump sub") */
  readonly effects: readonly string[];
  /** an unknown expression or statement was met: the step's result is 'unknown' */
  readonly unknown: boolean;
  /** absent while the rule goes on; at the end absent means "matched, no verdict" */
  readonly end?: RuleEnd;
  readonly nat?: NatRequest;
  readonly notrack: boolean;
}

export interface RuleScope {
  readonly table: NfTable;
  /** conntrack's hook has run before this chain (see ctAttachedAt) */
  readonly ctAttached: boolean;
  readonly ruleLabel: string;
  readonly ruleText: string;
}

type Test = boolean | { readonly unknown: string };

function contextOf(path: RulePath, scope: RuleScope): NfEvalContext {
  return { table: scope.table, packet: path.packet, ctAttached: scope.ctAttached, ruleLabel: scope.ruleLabel };
}

function fork(path: RulePath, alt: Pick<NfAlternative, 'probability' | 'assumptions'>): RulePath {
  return { ...path, probability: path.probability * alt.probability, assumptions: unionAssumptions(path.assumptions, alt.assumptions) };
}

function withEffect(path: RulePath, effect: string, changes: Partial<RulePath> = {}): RulePath {
  return { ...path, ...changes, effects: [...path.effects, effect] };
}

function broken(path: RulePath): RulePath {
  return { ...path, end: { kind: 'break' } };
}

/** Something pbr does not model: the rule may go on or stop here; each branch says which it assumed. */
function splitUnknown(path: RulePath, why: string, scope: RuleScope): RulePath[] {
  const half = path.probability / 2;
  const assume = (what: string): readonly string[] => unionAssumptions(path.assumptions, [`${scope.ruleLabel}: pbr does not model ${why}; this branch assumes it ${what}`]);
  return [
    { ...path, probability: half, unknown: true, assumptions: assume('matched (and had no other effect)'), effects: [...path.effects, `assumed to match: ${why}`] },
    { ...path, probability: half, unknown: true, assumptions: assume('did not match'), effects: [...path.effects, `assumed not to match: ${why}`], end: { kind: 'break' } },
  ];
}

function testSet(value: NfValue, op: NfMatchOp, pattern: NfPattern & { kind: 'set' }, scope: RuleScope): Test {
  const entries = resolveSetEntries(pattern.set, scope.table);
  if (!entries) return { unknown: `set ${describeSet(pattern.set)} (not in table ${scope.table.name})` };
  const found = findEntry(value, entries, scope.table.origin) !== undefined;
  if (op === '==') return found;
  if (op === '!=') return !found;
  return { unknown: `${op} against a set` };
}

// mirrors nft_cmp_eval(), nft_range_eval(), nft_lookup_eval() and the bitwise+cmp pair nft emits for flags
function testPattern(reading: NfReading, op: NfMatchOp, pattern: NfPattern, scope: RuleScope, ifAbsent?: 'match'): Test {
  if (reading.kind === 'absent') return ifAbsent === 'match';
  if (reading.kind === 'unknown') return { unknown: reading.why };
  const value = reading.value;
  switch (pattern.kind) {
    case 'element': {
      if (op === '==') return matchElement(value, pattern.element, scope.table.origin);
      if (op === '!=') return !matchElement(value, pattern.element, scope.table.origin);
      return compareOrdered(value, op, pattern.element) ?? { unknown: `${op} on a non-numeric value` };
    }
    case 'set': return testSet(value, op, pattern, scope);
    case 'flags': {
      if (typeof value !== 'bigint') return { unknown: 'a bit test on a non-numeric value' };
      const any = (value & pattern.mask) !== 0n;
      if (op === '==') return any;
      if (op === '!=') return !any;
      return { unknown: `${op} on flags` };
    }
  }
}

function runMatch(path: RulePath, stmt: NfStatement & { kind: 'match' }, scope: RuleScope): RulePath[] {
  // many readings (numgen, hash) share few outcomes: group them before forking
  const outcomes = new Map<string, { test: Test; probability: number; assumptions: readonly string[] }>();
  for (const alt of evalExpr(stmt.left, contextOf(path, scope))) {
    const test = testPattern(alt.reading, stmt.op, stmt.right, scope, stmt.ifAbsent);
    const key = typeof test === 'boolean' ? String(test) : `unknown:${test.unknown}`;
    const seen = outcomes.get(key);
    outcomes.set(key, seen
      ? { test, probability: seen.probability + alt.probability, assumptions: unionAssumptions(seen.assumptions, alt.assumptions) }
      : { test, probability: alt.probability, assumptions: alt.assumptions });
  }
  return [...outcomes.values()].flatMap(({ test, probability, assumptions }) => {
    const next = fork(path, { probability, assumptions });
    if (test === true) return [next];
    if (test === false) return [broken(next)];
    const what = describeExpr(stmt.left);
    return splitUnknown(next, test.unknown === what ? what : `${what} (${test.unknown})`, scope);
  });
}

function hasCtEntry(path: RulePath, scope: RuleScope): boolean {
  return scope.ctAttached && path.packet.ct.state !== 'untracked' && path.packet.ct.state !== 'invalid';
}

const MARK_MASK = 0xffffffffn;

function applySet(path: RulePath, target: NfExpr, value: bigint, scope: RuleScope): RulePath[] {
  const packet = path.packet;
  if (target.kind === 'meta' && target.key === 'mark') {
    const mark = Number(value & MARK_MASK);
    return [withEffect(path, `mark ${formatHex(packet.mark)} → ${formatHex(mark)}`, { packet: { ...packet, mark } })];
  }
  if (target.kind === 'ct' && target.key === 'mark') {
    // mirrors nft_ct_set_eval(), net/netfilter/nft_ct.c: without an entry nothing happens
    if (!hasCtEntry(path, scope)) return [withEffect(path, 'ct mark unchanged (no conntrack entry)')];
    const mark = Number(value & MARK_MASK);
    return [withEffect(path, `ct mark ${formatHex(packet.ct.mark)} → ${formatHex(mark)}`, { packet: { ...packet, ct: { ...packet.ct, mark } } })];
  }
  if (target.kind === 'payload' && target.field === 'dscp' && (target.protocol === 'ip' || target.protocol === 'ip6')) {
    // nft's implicit `meta nfproto` dependency breaks the rule on the other family
    if (packet.family !== (target.protocol === 'ip' ? 4 : 6)) return [broken(path)];
    const dscp = Number(value & 0x3fn);
    return [withEffect(path, `dscp ${formatHex(packet.dscp)} → ${formatHex(dscp)}`, { packet: { ...packet, dscp } })];
  }
  const what = describeExpr(target);
  return [withEffect(path, `${what} set to ${formatHex(value)} (not followed by pbr)`, {
    unknown: true,
    assumptions: unionAssumptions(path.assumptions, [`${scope.ruleLabel}: pbr does not follow ${what}; assumed it changes nothing pbr models`]),
  })];
}

function runSet(path: RulePath, stmt: NfStatement & { kind: 'set' }, scope: RuleScope): RulePath[] {
  return evalExpr(stmt.value, contextOf(path, scope)).flatMap((alt) => {
    const next = fork(path, alt);
    const reading = alt.reading;
    if (reading.kind === 'absent') return [broken(next)];
    if (reading.kind === 'value' && typeof reading.value === 'bigint') return applySet(next, stmt.target, reading.value, scope);
    const why = reading.kind === 'unknown' ? reading.why : 'a non-numeric value';
    const what = describeExpr(stmt.target);
    return [withEffect(next, `${what} set to an unknown value`, {
      unknown: true,
      assumptions: unionAssumptions(next.assumptions, [`${scope.ruleLabel}: the value of ${what} (${why}) is unknown; assumed ${what} unchanged`]),
    })];
  });
}

function endWithVerdict(path: RulePath, verdict: NfVerdict): RulePath {
  const jumpText = verdict.kind === 'jump' || verdict.kind === 'goto' ? [formatVerdict(verdict)] : [];
  return { ...path, effects: [...path.effects, ...jumpText], end: { kind: 'verdict', verdict } };
}

function isVerdict(data: unknown): data is NfVerdict {
  return typeof data === 'object' && data !== null && 'kind' in data;
}

// mirrors nft_lookup_eval() with a verdict map, net/netfilter/nft_lookup.c: no element breaks the rule
function runVmap(path: RulePath, stmt: NfStatement & { kind: 'vmap' }, scope: RuleScope): RulePath[] {
  const mapName = describeSet(stmt.map);
  const entries = resolveSetEntries(stmt.map, scope.table);
  if (!entries) return splitUnknown(path, `vmap ${mapName} (not in table ${scope.table.name})`, scope);
  return evalExpr(stmt.key, contextOf(path, scope)).flatMap((alt) => {
    const next = fork(path, alt);
    const reading = alt.reading;
    if (reading.kind === 'absent') return [broken(next)];
    if (reading.kind === 'value') {
      const entry = findEntry(reading.value, entries, scope.table.origin);
      if (!entry) return [broken(next)];
      return isVerdict(entry.data) ? [endWithVerdict(next, entry.data)] : splitUnknown(next, `vmap ${mapName} element without a verdict`, scope);
    }
    const verdicts = [...new Map(entries.filter((e) => isVerdict(e.data)).map((e) => [formatVerdict(e.data as NfVerdict), e.data as NfVerdict])).values()];
    const share = 1 / (verdicts.length + 1);
    const assumptions = unionAssumptions(next.assumptions, [`${scope.ruleLabel}: the key of vmap ${mapName} (${reading.why}) is unknown; each of its ${verdicts.length + 1} results is taken as equally likely`]);
    const base: RulePath = { ...next, probability: next.probability * share, assumptions, unknown: true };
    return [...verdicts.map((v) => endWithVerdict(base, v)), broken(base)];
  });
}

function toAddress(value: bigint, family: 4 | 6): IpAddress | undefined {
  if (family === 4) return value <= 0xffffffffn ? { family: 4, value: Number(value) } : undefined;
  return value < 1n << 128n ? { family: 6, value } : undefined;
}

type NatField = 'addr' | 'addrHigh' | 'port' | 'portHigh';
const NAT_FIELDS: readonly NatField[] = ['addr', 'addrHigh', 'port', 'portHigh'];

function setNatField(nat: NatRequest, field: NatField, value: bigint, family: 4 | 6): NatRequest | undefined {
  if (field === 'port' || field === 'portHigh') return value <= 0xffffn ? { ...nat, [field]: Number(value) } : undefined;
  const addr = toAddress(value, family);
  return addr ? { ...nat, [field]: addr } : undefined;
}

function bindNatFields(path: RulePath, stmt: NfStatement & { kind: 'nat' }, scope: RuleScope, index: number, nat: NatRequest): RulePath[] {
  const field = NAT_FIELDS[index];
  if (field === undefined) {
    return [withEffect(path, formatNat(nat), { nat, end: { kind: 'nat' } })];
  }
  const expr = stmt[field];
  if (!expr) return bindNatFields(path, stmt, scope, index + 1, nat);
  return evalExpr(expr, contextOf(path, scope)).flatMap((alt) => {
    const next = fork(path, alt);
    const reading = alt.reading;
    if (reading.kind === 'absent') return [broken(next)];
    const updated = reading.kind === 'value' && typeof reading.value === 'bigint' ? setNatField(nat, field, reading.value, path.packet.family) : undefined;
    if (updated) return bindNatFields(next, stmt, scope, index + 1, updated);
    const why = reading.kind === 'unknown' ? reading.why : 'a value of the wrong kind';
    const unsure: RulePath = { ...next, unknown: true, assumptions: unionAssumptions(next.assumptions, [`${scope.ruleLabel}: the ${field} of ${stmt.type} (${why}) is unknown; the kernel picks or the rule fails`]) };
    return bindNatFields(unsure, stmt, scope, index + 1, nat);
  });
}

function runNotrack(path: RulePath, scope: RuleScope): RulePath[] {
  // mirrors nft_notrack_eval(), net/netfilter/nft_ct.c: only a packet without conntrack entry becomes untracked
  if (scope.ctAttached || path.packet.ct.state === 'untracked') return [withEffect(path, 'notrack (no effect: conntrack already ran)')];
  return [withEffect(path, 'notrack', { notrack: true, packet: { ...path.packet, ct: { ...path.packet.ct, state: 'untracked' } } })];
}

function runChance(path: RulePath, probability: number, assumptions: readonly string[]): RulePath[] {
  const p = Math.min(1, Math.max(0, probability));
  const carry = unionAssumptions(path.assumptions, assumptions);
  const hit: RulePath = { ...path, probability: path.probability * p, assumptions: carry };
  const miss: RulePath = { ...path, probability: path.probability * (1 - p), assumptions: carry, end: { kind: 'break' } };
  return [hit, miss].filter((branch) => branch.probability > 0);
}

function runStatement(path: RulePath, stmt: NfStatement, scope: RuleScope): RulePath[] {
  switch (stmt.kind) {
    case 'match': return runMatch(path, stmt, scope);
    case 'chance': return runChance(path, stmt.probability, []);
    case 'nth':
      // mirrors xt_statistic nth mode, net/netfilter/xt_statistic.c: a shared counter decides
      return runChance(path, 1 / stmt.every, [`${scope.ruleLabel}: "statistic nth every ${stmt.every}" follows a packet counter pbr cannot see; taken as a 1 in ${stmt.every} chance`]);
    case 'set': return runSet(path, stmt, scope);
    case 'verdict': return [endWithVerdict(path, stmt.verdict)];
    case 'reject': return [{ ...path, end: stmt.with !== undefined ? { kind: 'reject', with: stmt.with } : { kind: 'reject' } }];
    case 'vmap': return runVmap(path, stmt, scope);
    case 'nat': return bindNatFields(path, stmt, scope, 0, { type: stmt.type, ruleText: scope.ruleText });
    case 'notrack': return runNotrack(path, scope);
    case 'counter': return [withEffect(path, 'counter')];
    case 'log': return [withEffect(path, stmt.prefix !== undefined ? `log prefix "${stmt.prefix}"` : 'log')];
    case 'unknown': return splitUnknown(path, stmt.text, scope);
  }
}

function pathKey(path: RulePath): string {
  return JSON.stringify([path.packet, path.effects, path.unknown, path.end, path.nat, path.notrack], (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
}

/** Paths that ended the same way become one, their probabilities summed. */
function mergePaths(paths: RulePath[]): RulePath[] {
  if (paths.length <= 1) return paths;
  const byKey = new Map<string, RulePath>();
  for (const path of paths) {
    const key = pathKey(path);
    const seen = byKey.get(key);
    byKey.set(key, seen ? { ...seen, probability: seen.probability + path.probability, assumptions: unionAssumptions(seen.assumptions, path.assumptions) } : path);
  }
  return [...byKey.values()];
}

/** Every way `rule` can end for `packet`; the probabilities add up to 1. */
export function evalRule(rule: NfRule, scope: RuleScope, packet: NfPacketState): RulePath[] {
  let paths: RulePath[] = [{ probability: 1, assumptions: [], packet, effects: [], unknown: false, notrack: false }];
  for (const stmt of rule.statements) {
    paths = mergePaths(paths.flatMap((path) => (path.end ? [path] : runStatement(path, stmt, scope))));
  }
  return paths;
}
