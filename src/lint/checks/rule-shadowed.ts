// rule-shadowed: a rule can never match because an earlier rule takes every packet it would match and ends the walk.
import type { IpPrefix } from '../../addr/types.ts';
import { prefixContainsPrefix } from '../../addr/prefix.ts';
import type { LintCheck, LintFinding } from '../../model/lint.ts';
import type { NetworkState, PortRange, Route, Rule, RuleInterface } from '../../model/network-state.ts';
import { ruleWords } from '../../model/rule-words.ts';
import { describeRule, isDefaultRule, ruleObject, tableObject } from '../rule-text.ts';
import { tableRoutes } from '../table-routes.ts';

const ID = 'rule-shadowed';

type MaskedRange = PortRange & { readonly mask?: number };

function prefixSet(p: IpPrefix | undefined): p is IpPrefix {
  return p !== undefined && p.length > 0;
}

function portSet(r: MaskedRange | undefined): r is MaskedRange {
  return r !== undefined && r.start !== 0 && r.end !== 0;
}

/** Every address `inner` selects, `outer` selects too (no prefix = every address). */
function prefixCovers(outer: IpPrefix | undefined, inner: IpPrefix | undefined): boolean {
  if (!prefixSet(outer)) return true;
  return prefixSet(inner) && prefixContainsPrefix(outer, inner);
}

/** Port selectors with a mask (6.15+) only count as covering when they are identical. */
function portCovers(outer: MaskedRange | undefined, inner: MaskedRange | undefined): boolean {
  if (!portSet(outer)) return true;
  if (!portSet(inner)) return false;
  if (outer.mask !== undefined || inner.mask !== undefined) return outer.start === inner.start && outer.end === inner.end && outer.mask === inner.mask;
  return outer.start <= inner.start && inner.end <= outer.end;
}

function interfaceCovers(outer: RuleInterface | undefined, inner: RuleInterface | undefined): boolean {
  return outer === undefined || (inner !== undefined && !outer.detached && outer.name === inner.name);
}

/** Every mark `inner` accepts, `outer` accepts: outer tests no bit inner leaves free, and wants the same values there. */
// mirrors the fwmark test of fib_rule_match(), net/core/fib_rules.c: ((rule.mark ^ mark) & rule.mask) == 0
function markCovers(outer: Rule, inner: Rule): boolean {
  const outerMask = outer.fwmask >>> 0;
  return (outerMask & ~inner.fwmask) >>> 0 === 0 && ((outer.fwmark ^ inner.fwmark) & outerMask) >>> 0 === 0;
}

function sameValueOrNone<T>(outer: T | undefined, inner: T | undefined, same: (a: T, b: T) => boolean): boolean {
  return outer === undefined || (inner !== undefined && same(outer, inner));
}

const sameMasked = (a: { value: number; mask: number }, b: { value: number; mask: number }): boolean => a.value === b.value && a.mask === b.mask;

/** Every packet the selectors of `inner` match, those of `outer` match too (the `not` flag aside). */
function selectorsCover(outer: Rule, inner: Rule): boolean {
  const uid = inner.uidRange ?? { start: 0, end: 0xffffffff };
  return (
    interfaceCovers(outer.iif, inner.iif) &&
    interfaceCovers(outer.oif, inner.oif) &&
    markCovers(outer, inner) &&
    (outer.uidRange === undefined || (outer.uidRange.start <= uid.start && uid.end <= outer.uidRange.end)) &&
    (!outer.ipProto || outer.ipProto === inner.ipProto) &&
    portCovers(outer.sport, inner.sport) &&
    portCovers(outer.dport, inner.dport) &&
    prefixCovers(outer.src, inner.src) &&
    prefixCovers(outer.dst, inner.dst) &&
    (outer.tos === 0 || outer.tos === inner.tos) &&
    sameValueOrNone(outer.dscp, inner.dscp, sameMasked) &&
    sameValueOrNone(outer.flowlabel, inner.flowlabel, sameMasked)
  );
}

/** `outer` matches every packet `inner` matches. A `not` rule counts only against an identical `not` rule. */
function ruleCovers(outer: Rule, inner: Rule): boolean {
  if (outer.invert || inner.invert) {
    return outer.invert && inner.invert && selectorsCover(outer, inner) && selectorsCover(inner, outer);
  }
  return selectorsCover(outer, inner);
}

/** A rule that can match some packet at all: no missing device, no tun_id (lookups carry none), not VRF-bound. */
function canMatch(rule: Rule): boolean {
  return !rule.iif?.detached && !rule.oif?.detached && (rule.tunId === undefined || rule.tunId === 0n) && !rule.l3mdev;
}

/** A route the table lookup can return: not a throw, not dead. */
function usable(state: NetworkState, route: Route): boolean {
  if (route.type === 'throw') return false;
  if (route.nhid !== undefined) {
    const nh = state.nexthopObjects.find((o) => o.id === route.nhid);
    return nh !== undefined && !nh.dead && !nh.linkdown;
  }
  return route.nexthops.length === 0 || route.nexthops.some((nh) => !nh.dead && !nh.linkdown);
}

/** A route of the table that answers every destination: a default route for every tos and (IPv6) every source. */
function catchAllRoute(state: NetworkState, rule: Rule): Route | undefined {
  return tableRoutes(state, rule.family, rule.table).find((r) => r.dst.length === 0 && r.tos === 0 && r.src === undefined && usable(state, r));
}

/** Why a matching packet never gets past `rule`, or undefined when it may (the walk can go on after it). */
// mirrors fib_rules_lookup(), net/core/fib_rules.c: error actions end the walk, a table lookup ends it unless it finds
// nothing or a throw route (EAGAIN) or the result is suppressed; a goto skips every rule before its target
function whyTerminal(state: NetworkState, rule: Rule, targetIndex: number | undefined): string | undefined {
  switch (rule.action) {
    case 'blackhole':
    case 'unreachable':
    case 'prohibit':
      return `its action is ${rule.action}`;
    case 'goto':
      return targetIndex === undefined ? undefined : `it jumps to pref ${rule.gotoTarget ?? '?'}`;
    case 'nop':
      return undefined;
    case 'lookup': {
      if (rule.suppressPrefixlen !== -1 || rule.suppressIfgroup !== -1 || rule.table === 0) return undefined;
      return catchAllRoute(state, rule) ? `${tableObject(state, rule.table)} has a default route, so every lookup there ends` : undefined;
    }
  }
}

/** `ip rule del pref N`, with the rule's selectors and action when another rule shares the pref (del takes the first match). */
function deleteCommand(state: NetworkState, rules: readonly Rule[], rule: Rule): string {
  const head = `ip${rule.family === 6 ? ' -6' : ''} rule del pref ${rule.priority}`;
  if (rules.filter((r) => r.priority === rule.priority).length < 2) return head;
  const words = ruleWords(rule, { tables: state.rtTables, details: false, hasPref: (pref) => rules.some((r) => r.priority === pref) });
  // the bracketed notes ([unresolved]) are ip's comments, not arguments
  return `${head} ${words.filter((w) => !w.text.startsWith(' [')).map((w) => w.text).join('')}`;
}

/** For each goto rule, the index of its target: the first later rule whose pref is the target (unresolved: none). */
function gotoTargets(rules: readonly Rule[]): Map<number, number> {
  const targets = new Map<number, number>();
  rules.forEach((rule, i) => {
    if (rule.action !== 'goto' || rule.gotoTarget === undefined) return;
    const t = rules.findIndex((r, j) => j > i && r.priority === rule.gotoTarget);
    if (t >= 0) targets.set(i, t);
  });
  return targets;
}

function shadowsIn(state: NetworkState, rules: readonly Rule[]): LintFinding[] {
  const findings: LintFinding[] = [];
  const targets = gotoTargets(rules);
  // a goto before `earlier` that lands after it and at or before `later` lets packets skip `earlier`
  const bypassed = (earlier: number, later: number): boolean =>
    [...targets].some(([from, to]) => from < earlier && to > earlier && to <= later);
  rules.forEach((later, j) => {
    if (isDefaultRule(later) || !canMatch(later)) return;
    for (let i = 0; i < j; i++) {
      const earlier = rules[i];
      if (!earlier || !canMatch(earlier) || !ruleCovers(earlier, later)) continue;
      const target = targets.get(i);
      if (earlier.action === 'goto' && (target === undefined || target <= j)) continue;
      const why = whyTerminal(state, earlier, target);
      if (why === undefined || bypassed(i, j)) continue;
      findings.push({
        id: ID,
        severity: 'warning',
        message:
          `${describeRule(state, later)} can never match: ${describeRule(state, earlier)} comes first, ` +
          `selects every packet it would select, and ${why}`,
        hint:
          `if rule ${later.priority} should win, re-add it with a pref below ${earlier.priority} or narrow rule ${earlier.priority}'s selectors; ` +
          `if it is left over, delete it with \`${deleteCommand(state, rules, later)}\``,
        objects: [ruleObject(later), ruleObject(earlier)],
      });
      return;
    }
  });
  return findings;
}

export const check: LintCheck = {
  id: ID,
  severity: 'warning',
  title: 'a rule can never match because earlier rules take every packet it would match',
  run({ state }) {
    const kernelOrder = (rules: readonly Rule[]): Rule[] => [...rules].sort((a, b) => a.priority - b.priority || a.order - b.order);
    return [...shadowsIn(state, kernelOrder(state.rules4)), ...shadowsIn(state, kernelOrder(state.rules6))];
  },
};
