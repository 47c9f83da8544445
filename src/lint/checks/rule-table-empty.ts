// rule-table-empty: a lookup rule's table has no route of the rule's family, so every packet it selects falls through.
import type { LintCheck, LintFinding } from '../../model/lint.ts';
import type { Rule } from '../../model/network-state.ts';
import { describeRule, familyLabel, isDefaultRule, ruleObject, tableObject } from '../rule-text.ts';
import { defaultRouteCommand, tableRoutes } from '../table-routes.ts';

const ID = 'rule-table-empty';

/** A rule that looks a table up and can match: not a VRF (l3mdev) rule, no interface that does not exist. */
function looksUp(rule: Rule): boolean {
  return rule.action === 'lookup' && !rule.l3mdev && rule.table !== 0 && !rule.iif?.detached && !rule.oif?.detached;
}

export const check: LintCheck = {
  id: ID,
  severity: 'warning',
  title: "a lookup rule's table has no routes, so packets fall through to later rules",
  run({ state }) {
    const findings: LintFinding[] = [];
    for (const rule of [...state.rules4, ...state.rules6]) {
      // the default rules look up tables that may well be empty (table default always is)
      if (!looksUp(rule) || isDefaultRule(rule) || tableRoutes(state, rule.family, rule.table).length > 0) continue;
      const family = familyLabel(rule.family);
      const table = tableObject(state, rule.table);
      findings.push({
        id: ID,
        severity: 'warning',
        message:
          `${describeRule(state, rule)} looks up ${table}, which has no ${family} routes: ` +
          `every packet the rule selects falls through to the next rule as if the rule were not there`,
        hint: `add the routes the table is for, e.g. \`${defaultRouteCommand(state, rule.family, rule.table)}\`, or delete the rule with \`ip${rule.family === 6 ? ' -6' : ''} rule del pref ${rule.priority}\``,
        objects: [ruleObject(rule), table],
      });
    }
    return findings;
  },
};
