// How lint names rules and tables in its messages: the words `ip rule show` prints, table names from rt_tables.
import type { Family } from '../addr/types.ts';
import { RT_TABLE_DEFAULT, RT_TABLE_LOCAL, RT_TABLE_MAIN, type NetworkState, type Rule } from '../model/network-state.ts';
import { tableName } from '../model/rt-tables.ts';
import { ruleWords } from '../model/rule-words.ts';

/** Tables every host has, named by iproute2 without any rt_tables file. */
export const RESERVED_TABLES: ReadonlySet<number> = new Set([RT_TABLE_DEFAULT, RT_TABLE_MAIN, RT_TABLE_LOCAL]);

export function familyLabel(family: Family): string {
  return family === 4 ? 'IPv4' : 'IPv6';
}

/** "rule 100" or "IPv6 rule 100": the object name of a rule in LintFinding.objects. */
export function ruleObject(rule: Rule): string {
  return rule.family === 4 ? `rule ${rule.priority}` : `IPv6 rule ${rule.priority}`;
}

/** "table isp2" or "table 100". */
export function tableObject(state: NetworkState, table: number): string {
  return `table ${tableName(state.rtTables, table)}`;
}

/** `rule "100: from all fwmark 0x1 lookup isp2"` (`IPv6 rule "…"`): the line `ip rule show` prints for it. */
export function describeRule(state: NetworkState, rule: Rule): string {
  const rules = rule.family === 4 ? state.rules4 : state.rules6;
  const words = ruleWords(rule, { tables: state.rtTables, details: false, hasPref: (pref) => rules.some((r) => r.priority === pref) });
  return `${rule.family === 4 ? '' : 'IPv6 '}rule "${rule.priority}: ${words.map((w) => w.text).join('').trim()}"`;
}

/** Whether a rule selects nothing: `from all` with no other selector. */
export function selectsAll(rule: Rule): boolean {
  return (
    !rule.invert && (rule.src === undefined || rule.src.length === 0) && (rule.dst === undefined || rule.dst.length === 0) &&
    rule.tos === 0 && rule.dscp === undefined && rule.fwmark === 0 && rule.fwmask === 0 && rule.iif === undefined &&
    rule.oif === undefined && rule.uidRange === undefined && rule.ipProto === undefined && rule.sport === undefined &&
    rule.dport === undefined && !rule.l3mdev && rule.tunId === undefined && rule.flowlabel === undefined
  );
}

/** The rules the kernel installs in every namespace: 0 lookup local, 32766 lookup main, 32767 lookup default (IPv4). */
// mirrors fib_default_rules_init(), net/ipv4/fib_rules.c and fib6_rules_net_init(), net/ipv6/fib6_rules.c
export function isDefaultRule(rule: Rule): boolean {
  const table = rule.priority === 0 ? RT_TABLE_LOCAL : rule.priority === 32766 ? RT_TABLE_MAIN : rule.priority === 32767 && rule.family === 4 ? RT_TABLE_DEFAULT : undefined;
  return table !== undefined && rule.action === 'lookup' && rule.table === table && selectsAll(rule) && rule.suppressPrefixlen === -1 && rule.suppressIfgroup === -1;
}
