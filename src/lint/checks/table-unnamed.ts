// table-unnamed: a routing table that rules look up or routes live in has no rt_tables name, only its id.
import type { LintCheck, LintFinding } from '../../model/lint.ts';
import type { NetworkState } from '../../model/network-state.ts';
import { RESERVED_TABLES, ruleObject } from '../rule-text.ts';

const ID = 'table-unnamed';

interface TableUse {
  readonly rules: string[];
  routes4: number;
  routes6: number;
}

function tableUses(state: NetworkState): Map<number, TableUse> {
  const uses = new Map<number, TableUse>();
  const use = (table: number): TableUse => {
    let entry = uses.get(table);
    if (!entry) uses.set(table, (entry = { rules: [], routes4: 0, routes6: 0 }));
    return entry;
  };
  for (const rule of [...state.rules4, ...state.rules6]) {
    if (rule.action === 'lookup' && !rule.l3mdev && rule.table !== 0 && !RESERVED_TABLES.has(rule.table)) use(rule.table).rules.push(ruleObject(rule));
  }
  for (const route of state.routes) {
    if (RESERVED_TABLES.has(route.table)) continue;
    const entry = use(route.table);
    if (route.family === 4) entry.routes4++;
    else entry.routes6++;
  }
  return uses;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export const check: LintCheck = {
  id: ID,
  severity: 'info',
  title: 'a table is used by id only, with no rt_tables name',
  run({ state }) {
    const findings: LintFinding[] = [];
    for (const [table, use] of [...tableUses(state)].sort(([a], [b]) => a - b)) {
      if (state.rtTables.names.has(table)) continue;
      const what = [
        ...(use.rules.length > 0 ? [`${use.rules.join(', ')} look${use.rules.length === 1 ? 's' : ''} it up`] : []),
        ...(use.routes4 > 0 ? [`it holds ${plural(use.routes4, 'IPv4 route')}`] : []),
        ...(use.routes6 > 0 ? [`it holds ${plural(use.routes6, 'IPv6 route')}`] : []),
      ];
      findings.push({
        id: ID,
        severity: 'info',
        message: `table ${table} has no rt_tables name (${what.join('; ')}): \`ip rule\` and \`ip route\` show only the number, and nothing says which uplink or purpose it is for`,
        hint: `name it in /etc/iproute2/rt_tables.d/<file>.conf with a line "${table} <name>" (e.g. "${table} isp2"); rules and routes then show the name, and \`table <name>\` works in ip commands`,
        objects: [`table ${table}`, ...use.rules],
      });
    }
    return findings;
  },
};
