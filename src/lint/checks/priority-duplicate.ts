// priority-duplicate: two rules of one family share a priority, so their order is whatever order they were added in.
import type { LintCheck, LintFinding } from '../../model/lint.ts';
import type { NetworkState, Rule } from '../../model/network-state.ts';
import { describeRule, familyLabel, ruleObject } from '../rule-text.ts';

const ID = 'priority-duplicate';

function groupByPriority(rules: readonly Rule[]): Map<number, Rule[]> {
  const groups = new Map<number, Rule[]>();
  for (const rule of [...rules].sort((a, b) => a.priority - b.priority || a.order - b.order)) {
    const group = groups.get(rule.priority);
    if (group) group.push(rule);
    else groups.set(rule.priority, [rule]);
  }
  return groups;
}

function findingOf(state: NetworkState, priority: number, rules: readonly Rule[]): LintFinding {
  const first = rules[0]!;
  const family = familyLabel(first.family);
  const ip = first.family === 4 ? 'ip' : 'ip -6';
  const used = new Set((first.family === 4 ? state.rules4 : state.rules6).map((r) => r.priority));
  let free = priority + 1;
  while (used.has(free)) free++;
  return {
    id: ID,
    severity: 'warning',
    message:
      `${rules.length} ${family} rules share priority ${priority}: ${rules.map((r) => describeRule(state, r).replace(/^(IPv6 )?rule /, '')).join(', ')}; ` +
      `the kernel tries them in the order they were added, which a reboot or a script run in another order changes, ` +
      `and \`${ip} rule del pref ${priority}\` deletes only the first`,
    hint: `give each rule its own priority: delete the later one with \`${ip} rule del\` and its selectors, and add it again with a free priority such as \`pref ${free}\``,
    objects: [ruleObject(first)],
  };
}

export const check: LintCheck = {
  id: ID,
  severity: 'warning',
  title: 'two rules of one family share a priority',
  run({ state }) {
    const findings: LintFinding[] = [];
    for (const rules of [state.rules4, state.rules6]) {
      for (const [priority, group] of groupByPriority(rules)) if (group.length > 1) findings.push(findingOf(state, priority, group));
    }
    return findings;
  },
};
