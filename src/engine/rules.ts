// The policy routing rule walk shared by IPv4 and IPv6 (spec §3.1, §3.2).
import { ipprotoName } from '../model/iproute2-names.ts';
import type { PortRange, Rule, RuleInterface } from '../model/network-state.ts';
import type { Errno } from '../model/route-query.ts';
import type { EngineContext } from './context.ts';
import { explainText, type ExplainSink, type ExplainText } from './explain.ts';
import { describeRule } from './format.ts';
import { kernelAtLeast } from './kernel-version.ts';

/** The family-independent part of a lookup key (struct flowi_common), as the rules see it. */
export interface RuleFlowCommon {
  /** input ifindex; 1 (lo) on the output path, 0 = none */
  readonly iif: number;
  /** output ifindex, 0 = none */
  readonly oif: number;
  readonly mark: number;
  readonly uid: number;
  /** L4 protocol number (0 = none), and ports in host order (0 = none) */
  readonly proto: number;
  readonly sport: number;
  readonly dport: number;
  /** ifindex of the flow's L3 master (VRF) device, 0 when not in an L3 domain */
  readonly l3mdev: number;
  /** the L3 domain was taken from the oif (FLOWI_FLAG_L3MDEV_OIF) */
  readonly l3mdevFromOif: boolean;
}

export type RuleActionOutcome<R> =
  /** the table lookup succeeded */
  | { readonly kind: 'result'; readonly result: R }
  /** stops the walk: an error route type, or a rule action unreachable/prohibit/blackhole */
  | { readonly kind: 'error'; readonly errno: Errno }
  /** EAGAIN: nothing matched, a throw route, or a missing table — the walk goes on */
  | { readonly kind: 'continue'; readonly why: ExplainText };

/** A selector test: whether it holds, and why (built only for --explain); an empty why adds nothing. */
export interface SelectorVerdict {
  readonly ok: boolean;
  readonly why: ExplainText;
}

export interface RuleWalkHooks<R> {
  /** the family's selectors: from/to/tos/dscp/flowlabel (fib4_rule_match, fib6_rule_match) */
  matchFamily(rule: Rule): SelectorVerdict;
  /** runs the rule's action: a table lookup, or the errno of an error action (fib4_rule_action) */
  action(rule: Rule): RuleActionOutcome<R>;
  /** reason when the successful result is suppressed (fib4_rule_suppress), else undefined */
  suppress(rule: Rule, result: R): ExplainText | undefined;
}

export type RuleWalkResult<R> =
  | { readonly kind: 'result'; readonly result: R; readonly rule: Rule }
  | { readonly kind: 'error'; readonly errno: Errno; readonly rule: Rule }
  /** ESRCH: no rule gave an answer (IPv4 reports ENETUNREACH) */
  | { readonly kind: 'none' };

function portRangeSet(range: PortRange | undefined): range is PortRange {
  return range !== undefined && range.start !== 0 && range.end !== 0;
}

// mirrors fib_rule_port_match(), include/net/fib_rules.h (masks from 6.15)
function portMatches(range: (PortRange & { readonly mask?: number }) | undefined, port: number, masksSupported: boolean): boolean {
  if (!portRangeSet(range)) return true;
  if (masksSupported && range.mask !== undefined && range.mask !== 0) return ((range.start ^ port) & range.mask) === 0;
  return port >= range.start && port <= range.end;
}

function interfaceMatches(
  sel: RuleInterface,
  flowIfindex: number,
  flow: RuleFlowCommon,
  fromOif: boolean,
  ctx: EngineContext,
): SelectorVerdict {
  const dev = sel.detached ? undefined : ctx.linkByName(sel.name);
  const what = fromOif ? 'oif' : 'iif';
  if (!dev) return { ok: false, why: () => `${what} ${sel.name} is detached (no such device)` };
  // 6.15+: an iif/oif naming an L3 master matches the flow's L3 domain (l3mdev_fib_rule_iif_match)
  if (dev.l3Master && kernelAtLeast(ctx.kernel, 6, 15)) {
    const ok = flow.l3mdev === dev.ifindex && flow.l3mdevFromOif === fromOif;
    return { ok, why: () => `${what} ${sel.name} (L3 master) ${ok ? 'is' : 'is not'} the flow's L3 domain` };
  }
  const ok = flowIfindex === dev.ifindex;
  return { ok, why: () => `${what} ${sel.name} ${ok ? '=' : '≠'} flow ${what} ${flowIfindex === 0 ? 'none' : ctx.devName(flowIfindex)}` };
}

// mirrors fib_rule_match(), net/core/fib_rules.c (plus the ipproto/port tests both families share)
function matchRule<R>(rule: Rule, flow: RuleFlowCommon, hooks: RuleWalkHooks<R>, ctx: EngineContext): SelectorVerdict {
  const verdict = matchSelectors(rule, flow, hooks, ctx);
  if (!rule.invert) return verdict;
  return { ok: !verdict.ok, why: () => `not (${explainText(verdict.why)})` };
}

function hex(n: number): string {
  return `0x${(n >>> 0).toString(16)}`;
}

/** Why a port passed or failed its selector, in the words of the rule ("dport 22", "sport 1500 in 1000-2000"). */
function portReason(word: string, range: PortRange & { readonly mask?: number }, port: number, ok: boolean): string {
  if (range.mask !== undefined) return `${word} ${port} ${ok ? 'matches' : 'does not match'} ${range.start}/${hex(range.mask)}`;
  if (range.start === range.end) return ok ? `${word} ${port}` : `${word} ${port} ≠ ${range.start}`;
  return `${word} ${port} ${ok ? 'in' : 'outside'} ${range.start}-${range.end}`;
}

function matchSelectors<R>(rule: Rule, flow: RuleFlowCommon, hooks: RuleWalkHooks<R>, ctx: EngineContext): SelectorVerdict {
  const passed: ExplainText[] = [];
  if (rule.iif) {
    const m = interfaceMatches(rule.iif, flow.iif, flow, false, ctx);
    if (!m.ok) return m;
    passed.push(m.why);
  }
  if (rule.oif) {
    const m = interfaceMatches(rule.oif, flow.oif, flow, true, ctx);
    if (!m.ok) return m;
    passed.push(m.why);
  }
  if (((rule.fwmark ^ flow.mark) & rule.fwmask) !== 0) {
    return { ok: false, why: () => `mark ${hex(flow.mark)} & ${hex(rule.fwmask)} ≠ ${hex(rule.fwmark)}` };
  }
  if (rule.fwmask !== 0) passed.push(() => `mark ${hex(flow.mark)} & ${hex(rule.fwmask)} = ${hex(rule.fwmark)}`);
  if (rule.tunId !== undefined && rule.tunId !== 0n) return { ok: false, why: 'tun_id set, the lookup carries none' };
  if (rule.l3mdev) {
    if (flow.l3mdev === 0) return { ok: false, why: 'l3mdev rule, the flow is in no L3 domain' };
    passed.push(() => `the flow is in the L3 domain of ${ctx.devName(flow.l3mdev)}`);
  }
  if (rule.uidRange) {
    const { start, end } = rule.uidRange;
    if (flow.uid < start || flow.uid > end) return { ok: false, why: () => `uid ${flow.uid} outside ${start}-${end}` };
    passed.push(() => `uid ${flow.uid} in ${start}-${end}`);
  }
  if (rule.ipProto !== undefined && rule.ipProto !== 0) {
    if (rule.ipProto !== flow.proto) return { ok: false, why: () => `ipproto ${ipprotoName(flow.proto)} ≠ ${ipprotoName(rule.ipProto ?? 0)}` };
    passed.push(() => `ipproto ${ipprotoName(flow.proto)}`);
  }
  if (portRangeSet(rule.sport) || portRangeSet(rule.dport)) {
    const masks = kernelAtLeast(ctx.kernel, 6, 15);
    for (const word of ['sport', 'dport'] as const) {
      const range = rule[word];
      const port = flow[word];
      if (!portRangeSet(range)) continue;
      if (!portMatches(range, port, masks)) return { ok: false, why: () => portReason(word, range, port, false) };
      passed.push(() => portReason(word, range, port, true));
    }
  }
  const fam = hooks.matchFamily(rule);
  if (!fam.ok) return fam;
  if (fam.why !== '') passed.push(fam.why);
  return { ok: true, why: () => (passed.length > 0 ? passed.map(explainText).filter((t) => t !== '').join(', ') : 'matches every packet') };
}

/** The first rule in list order whose pref equals the goto target (fib_nl_newrule's ctarget). */
function gotoTarget(rules: readonly Rule[], from: number): number {
  const target = rules[from]?.gotoTarget;
  if (target === undefined) return -1;
  for (let i = from + 1; i < rules.length; i++) {
    if (rules[i]?.priority === target) return i;
  }
  return -1;
}

/**
 * Walks `rules` (kernel order: ctx.rules(family)) for `flow` and returns the first answer.
 * Selectors: iif/oif (by name, detached never matches), fwmark/mask, tun_id, l3mdev, uidrange,
 * ipproto, sport/dport, then `hooks.matchFamily`; `not` inverts all of them. Actions: goto jumps to
 * the first rule with pref == target and tests its selectors (unresolved goto = no-op), nop goes on,
 * anything else calls `hooks.action`; a 'continue' outcome or a suppressed result (`hooks.suppress`,
 * only asked on success) goes on with the next rule, 'result' and 'error' end the walk.
 */
// mirrors fib_rules_lookup(), net/core/fib_rules.c
export function walkRules<R>(
  rules: readonly Rule[],
  flow: RuleFlowCommon,
  hooks: RuleWalkHooks<R>,
  ctx: EngineContext,
  explain: ExplainSink,
): RuleWalkResult<R> {
  let i = 0;
  let jumped = false;
  while (i < rules.length) {
    const rule = rules[i];
    if (!rule) break;
    const m = matchRule(rule, flow, hooks, ctx);
    const via = jumped ? 'goto → ' : '';
    const head = (): string => `${via}rule ${describeRule(ctx, rule)}`;
    jumped = false;
    if (!m.ok) {
      explain.add('rule', () => `${head()}: no match (${explainText(m.why)})`);
      i++;
      continue;
    }
    const matched = (): string => `${head()}: matches (${explainText(m.why)})`;
    if (rule.action === 'goto') {
      const t = gotoTarget(rules, i);
      if (t < 0) {
        explain.add('rule', () => `${matched()}; goto ${rule.gotoTarget ?? '?'} is unresolved, continuing`);
        i++;
      } else {
        explain.add('rule', () => `${matched()}; jumping to the first rule with pref ${rule.gotoTarget ?? '?'}`);
        i = t;
        jumped = true;
      }
      continue;
    }
    if (rule.action === 'nop') {
      explain.add('rule', () => `${matched()}; nop, continuing`);
      i++;
      continue;
    }
    explain.add('rule', matched);
    const outcome = explain.nest(() => hooks.action(rule));
    if (outcome.kind === 'error') return { kind: 'error', errno: outcome.errno, rule };
    if (outcome.kind === 'continue') {
      explain.nest(() => explain.add('rule', () => `continuing with the next rule: ${explainText(outcome.why)}`));
      i++;
      continue;
    }
    const suppressed = hooks.suppress(rule, outcome.result);
    if (suppressed !== undefined) {
      explain.nest(() => explain.add('rule', () => `result suppressed (${explainText(suppressed)}), continuing`));
      i++;
      continue;
    }
    return { kind: 'result', result: outcome.result, rule };
  }
  explain.add('rule', 'no rule produced a route');
  return { kind: 'none' };
}
