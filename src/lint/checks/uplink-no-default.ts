// uplink-no-default: a policy table (one a non-default rule looks up) has routes but no default entry, so packets
// for destinations outside its routes fall through to later rules (usually main, the wrong uplink).
import { formatPrefix, prefixContainsPrefix } from '../../addr/prefix.ts';
import type { Family } from '../../addr/types.ts';
import type { LintCheck, LintFinding } from '../../model/lint.ts';
import type { NetworkState, Route, Rule } from '../../model/network-state.ts';
import { familyLabel, isDefaultRule, RESERVED_TABLES, ruleObject, tableObject } from '../rule-text.ts';
import { defaultRouteCommand, tableRoutes } from '../table-routes.ts';

const ID = 'uplink-no-default';
const SHOWN_ROUTES = 3;

/** A rule that sends packets to a policy table: lookup of a table of its own, default route not suppressed. */
function isPolicyRule(rule: Rule): boolean {
  return (
    rule.action === 'lookup' && !rule.l3mdev && rule.table !== 0 && !RESERVED_TABLES.has(rule.table) && !isDefaultRule(rule) &&
    rule.suppressPrefixlen === -1 && !rule.iif?.detached && !rule.oif?.detached
  );
}

/** The rule selects only destinations inside one route of the table (`to 10.1.0.0/16 lookup 100` with 10.1.0.0/16 in 100). */
function coveredByRoutes(rule: Rule, routes: readonly Route[]): boolean {
  const dst = rule.dst;
  if (rule.invert || dst === undefined || dst.length === 0) return false;
  return routes.some((r) => r.type !== 'throw' && r.src === undefined && r.tos === 0 && prefixContainsPrefix(r.dst, dst));
}

function findingOf(state: NetworkState, family: Family, table: number, rules: readonly Rule[], routes: readonly Route[]): LintFinding {
  const name = tableObject(state, table);
  const prefixes = [...new Set(routes.map((r) => formatPrefix(r.dst)))];
  const shown = prefixes.slice(0, SHOWN_ROUTES).join(', ') + (prefixes.length > SHOWN_ROUTES ? `, … (${prefixes.length} in all)` : '');
  const ruleNames = rules.map(ruleObject);
  const ip = family === 6 ? 'ip -6' : 'ip';
  return {
    id: ID,
    severity: 'warning',
    message:
      `${familyLabel(family)} ${name} has no default route (only ${shown}): packets that ${ruleNames.join(', ')} send${rules.length === 1 ? 's' : ''} there ` +
      `for any other destination fall through to the later rules and leave by main's route instead`,
    hint: `add a default route to the table: \`${defaultRouteCommand(state, family, table)}\`; if those packets must not leave at all, \`${ip} route add unreachable default table ${name.slice('table '.length)}\``,
    objects: [name, ...ruleNames],
  };
}

export const check: LintCheck = {
  id: ID,
  severity: 'warning',
  title: 'a policy table has no default route',
  run({ state }) {
    const findings: LintFinding[] = [];
    for (const rules of [state.rules4, state.rules6]) {
      const byTable = new Map<number, Rule[]>();
      for (const rule of rules) {
        if (!isPolicyRule(rule)) continue;
        const routes = tableRoutes(state, rule.family, rule.table);
        // an empty table is rule-table-empty's finding; a table with any default entry (even unreachable) is deliberate
        if (routes.length === 0 || routes.some((r) => r.dst.length === 0) || coveredByRoutes(rule, routes)) continue;
        byTable.set(rule.table, [...(byTable.get(rule.table) ?? []), rule]);
      }
      for (const [table, tableRules] of [...byTable].sort(([a], [b]) => a - b)) {
        const family = tableRules[0]!.family;
        findings.push(findingOf(state, family, table, tableRules, tableRoutes(state, family, table)));
      }
    }
    return findings;
  },
};
