// The policy routing rule walk shared by IPv4 and IPv6 (spec §3.1, §3.2).
import type { PortRange, Rule, RuleInterface } from '../model/network-state.ts';
import type { Errno } from '../model/route-query.ts';
import type { EngineContext } from './context.ts';
import type { ExplainSink } from './explain.ts';
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
  | { readonly kind: 'continue'; readonly why: string };

export interface RuleWalkHooks<R> {
  /** the family's selectors: from/to/tos/dscp/flowlabel (fib4_rule_match, fib6_rule_match) */
  matchFamily(rule: Rule): { readonly ok: boolean; readonly why: string };
  /** runs the rule's action: a table lookup, or the errno of an error action (fib4_rule_action) */
  action(rule: Rule): RuleActionOutcome<R>;
  /** reason text when the successful result is suppressed (fib4_rule_suppress), else undefined */
  suppress(rule: Rule, result: R): string | undefined;
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
): { ok: boolean; why: string } {
  const dev = sel.detached ? undefined : ctx.linkByName(sel.name);
  const what = fromOif ? 'oif' : 'iif';
  if (!dev) return { ok: false, why: `${what} ${sel.name} is detached (no such device)` };
  // 6.15+: an iif/oif naming an L3 master matches the flow's L3 domain (l3mdev_fib_rule_iif_match)
  if (dev.l3Master && kernelAtLeast(ctx.kernel, 6, 15)) {
    const ok = flow.l3mdev === dev.ifindex && flow.l3mdevFromOif === fromOif;
    return { ok, why: `${what} ${sel.name} (L3 master) ${ok ? 'is' : 'is not'} the flow's L3 domain` };
  }
  const ok = flowIfindex === dev.ifindex;
  const flowDev = flowIfindex === 0 ? 'none' : ctx.devName(flowIfindex);
  return { ok, why: `${what} ${sel.name} ${ok ? '=' : '≠'} flow ${what} ${flowDev}` };
}

// mirrors fib_rule_match(), net/core/fib_rules.c (plus the ipproto/port tests both families share)
function matchRule<R>(
  rule: Rule,
  flow: RuleFlowCommon,
  hooks: RuleWalkHooks<R>,
  ctx: EngineContext,
): { ok: boolean; why: string } {
  const verdict = matchSelectors(rule, flow, hooks, ctx);
  if (!rule.invert) return verdict;
  return { ok: !verdict.ok, why: `not (${verdict.why})` };
}

function matchSelectors<R>(
  rule: Rule,
  flow: RuleFlowCommon,
  hooks: RuleWalkHooks<R>,
  ctx: EngineContext,
): { ok: boolean; why: string } {
  const passed: string[] = [];
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
    return { ok: false, why: `mark 0x${flow.mark.toString(16)} & 0x${(rule.fwmask >>> 0).toString(16)} ≠ 0x${rule.fwmark.toString(16)}` };
  }
  if (rule.fwmask !== 0) passed.push(`mark 0x${flow.mark.toString(16)} matches`);
  if (rule.tunId !== undefined && rule.tunId !== 0n) return { ok: false, why: 'tun_id set, the lookup carries none' };
  if (rule.l3mdev && flow.l3mdev === 0) return { ok: false, why: 'l3mdev rule, the flow is in no L3 domain' };
  if (rule.uidRange && (flow.uid < rule.uidRange.start || flow.uid > rule.uidRange.end)) {
    return { ok: false, why: `uid ${flow.uid} outside ${rule.uidRange.start}-${rule.uidRange.end}` };
  }
  if (rule.uidRange) passed.push(`uid ${flow.uid} in range`);
  if (rule.ipProto !== undefined && rule.ipProto !== 0 && rule.ipProto !== flow.proto) {
    return { ok: false, why: `ipproto ${flow.proto} ≠ ${rule.ipProto}` };
  }
  const masks = kernelAtLeast(ctx.kernel, 6, 15);
  if (!portMatches(rule.sport, flow.sport, masks)) return { ok: false, why: `sport ${flow.sport} does not match` };
  if (!portMatches(rule.dport, flow.dport, masks)) return { ok: false, why: `dport ${flow.dport} does not match` };
  const fam = hooks.matchFamily(rule);
  if (!fam.ok) return fam;
  if (fam.why) passed.push(fam.why);
  return { ok: true, why: passed.length > 0 ? passed.join(', ') : 'matches every packet' };
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
  const name = (id: number) => ctx.tableName(id);
  let i = 0;
  let jumped = false;
  while (i < rules.length) {
    const rule = rules[i];
    if (!rule) break;
    const m = matchRule(rule, flow, hooks, ctx);
    const head = `${jumped ? 'goto → ' : ''}rule ${describeRule(rule, name)}`;
    jumped = false;
    if (!m.ok) {
      explain.add('rule', `${head}: no match (${m.why})`);
      i++;
      continue;
    }
    if (rule.action === 'goto') {
      const t = gotoTarget(rules, i);
      if (t < 0) {
        explain.add('rule', `${head}: matches (${m.why}); goto ${rule.gotoTarget ?? '?'} is unresolved, continuing`);
        i++;
      } else {
        explain.add('rule', `${head}: matches (${m.why}); jumping to the first rule with pref ${rule.gotoTarget ?? '?'}`);
        i = t;
        jumped = true;
      }
      continue;
    }
    if (rule.action === 'nop') {
      explain.add('rule', `${head}: matches (${m.why}); nop, continuing`);
      i++;
      continue;
    }
    explain.add('rule', `${head}: matches (${m.why})`);
    const outcome = explain.nest(() => hooks.action(rule));
    if (outcome.kind === 'error') return { kind: 'error', errno: outcome.errno, rule };
    if (outcome.kind === 'continue') {
      explain.nest(() => explain.add('rule', `continuing with the next rule: ${outcome.why}`));
      i++;
      continue;
    }
    const suppressed = hooks.suppress(rule, outcome.result);
    if (suppressed !== undefined) {
      explain.nest(() => explain.add('rule', `result suppressed (${suppressed}), continuing`));
      i++;
      continue;
    }
    return { kind: 'result', result: outcome.result, rule };
  }
  explain.add('rule', 'no rule produced a route');
  return { kind: 'none' };
}
