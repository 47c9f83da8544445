// IPv6 semantics for the shared rule walk: selectors, actions, suppression, and one table's answer.
import { formatIp } from '../../addr/address.ts';
import { formatRuleSelector, prefixContains } from '../../addr/prefix.ts';
import type { RouteType, Rule } from '../../model/network-state.ts';
import type { Errno } from '../../model/route-query.ts';
import type { ExplainSink } from '../explain.ts';
import type { RuleActionOutcome, RuleWalkHooks, SelectorVerdict } from '../rules.ts';
import type { Ipv6Context } from './context.ts';
import { describeEntry, lookupFib6Table } from './fib6-lookup.ts';
import { selectFib6Path, type Fib6Path } from './fib6-path.ts';
import type { Flow6 } from './flow6.ts';

/** The errno of a reject route type (fib6_prop[]); throw answers EAGAIN, i.e. "go on with the next rule". */
const REJECT_ERRNO: Partial<Record<RouteType, Errno | 'EAGAIN'>> = {
  blackhole: 'EINVAL',
  unreachable: 'EHOSTUNREACH',
  prohibit: 'EACCES',
  throw: 'EAGAIN',
};

/** INET_DSCP_MASK: the DSCP bits of the traffic class. */
const DSCP_MASK = 0xfc;

/**
 * One table's answer for the flow: a path, an errno, or "continue" (no route, a throw route).
 */
// mirrors ip6_pol_route() (net/ipv6/route.c) and the table part of __fib6_rule_action() (net/ipv6/fib6_rules.c)
export function lookupPolicyTable(ctx: Ipv6Context, tableId: number, flow: Flow6, explain: ExplainSink): RuleActionOutcome<Fib6Path> {
  const name = ctx.engine.tableName(tableId);
  const table = ctx.tables.get(tableId);
  if (!table) {
    explain.add('table', () => `table ${name} has no routes`);
    return { kind: 'continue', why: () => `table ${name} is empty` };
  }
  explain.add('table', () => `looking up ${formatIp(flow.daddr)}${flow.hasSaddr ? ` from ${formatIp(flow.saddr)}` : ''} in table ${name}`);
  const match = explain.nest(() => lookupFib6Table(ctx, table, { daddr: flow.daddr, saddr: flow.saddr, oif: flow.lookupOif }, flow.strict, explain));
  if (!match) {
    explain.add('table', () => `no route in table ${name}`);
    return { kind: 'continue', why: () => `no route in table ${name}` };
  }
  const path = explain.nest(() => selectFib6Path(ctx, match, flow, flow.lookupOif, flow.strict, explain));
  if (path.blackholeNh) {
    explain.add('route', () => `blackhole nexthop ${path.entry.nhObject?.id ?? ''}: Invalid argument`);
    return { kind: 'error', errno: 'EINVAL' };
  }
  const errno = REJECT_ERRNO[path.entry.route.type];
  if (errno === 'EAGAIN') {
    explain.add('route', () => `${describeEntry(path.entry, undefined)}: go on with the next rule`);
    return { kind: 'continue', why: () => `throw route in table ${name}` };
  }
  if (errno) {
    explain.add('route', () => `${describeEntry(path.entry, undefined)} answers ${errno}`);
    return { kind: 'error', errno };
  }
  explain.add('route', () => `table ${name} gives ${describeEntry(path.entry, path.nh)}`);
  return { kind: 'result', result: path };
}

/** The rule's DSCP value and mask in traffic-class bit positions (legacy `tos` or the `dscp` selector). */
function ruleDscp(rule: Rule): { value: number; mask: number } | undefined {
  if (rule.dscp) return { value: (rule.dscp.value << 2) & DSCP_MASK, mask: (rule.dscp.mask << 2) & DSCP_MASK };
  return rule.tos !== 0 ? { value: rule.tos & DSCP_MASK, mask: DSCP_MASK } : undefined;
}

// mirrors fib6_rule_match(), net/ipv6/fib6_rules.c (iproute2 never sets FIB_RULE_FIND_SADDR)
function matchRule6(rule: Rule, flow: Flow6): SelectorVerdict {
  const passed: (() => string)[] = [];
  if (rule.dst && rule.dst.length > 0) {
    const dst = rule.dst;
    if (!prefixContains(dst, flow.daddr)) return { ok: false, why: () => `${formatIp(flow.daddr)} not in ${formatRuleSelector(dst)}` };
    passed.push(() => `to ${formatRuleSelector(dst)} matches`);
  }
  if (rule.src && rule.src.length > 0) {
    const src = rule.src;
    if (!flow.hasSaddr) return { ok: false, why: () => `from ${formatRuleSelector(src)}: the lookup has no source address` };
    if (!prefixContains(src, flow.saddr)) return { ok: false, why: () => `${formatIp(flow.saddr)} not in ${formatRuleSelector(src)}` };
    passed.push(() => `from ${formatRuleSelector(src)} matches`);
  }
  const dscp = ruleDscp(rule);
  if (dscp) {
    const ok = ((dscp.value ^ flow.tclass) & dscp.mask) === 0;
    const text = (): string => `traffic class 0x${flow.tclass.toString(16)} ${ok ? 'matches' : 'does not match'} DSCP 0x${dscp.value.toString(16)}/0x${dscp.mask.toString(16)}`;
    if (!ok) return { ok, why: text };
    passed.push(text);
  }
  if (rule.flowlabel && ((rule.flowlabel.value ^ flow.flowlabel) & rule.flowlabel.mask) !== 0) {
    return { ok: false, why: () => `flow label 0x${flow.flowlabel.toString(16)} does not match` };
  }
  return { ok: true, why: passed.length === 0 ? '' : () => passed.map((p) => p()).join(', ') };
}

/** The family hooks of the rule walk for one IPv6 lookup. */
// mirrors fib6_rule_match(), fib6_rule_action() and fib6_rule_suppress(), net/ipv6/fib6_rules.c
export function ipv6RuleHooks(ctx: Ipv6Context, flow: Flow6, explain: ExplainSink): RuleWalkHooks<Fib6Path> {
  return {
    matchFamily: (rule) => matchRule6(rule, flow),
    action: (rule): RuleActionOutcome<Fib6Path> => {
      switch (rule.action) {
        case 'unreachable':
          return { kind: 'error', errno: 'ENETUNREACH' };
        case 'prohibit':
          return { kind: 'error', errno: 'EACCES' };
        case 'lookup':
          return lookupPolicyTable(ctx, rule.table, flow, explain);
        default:
          return { kind: 'error', errno: 'EINVAL' };
      }
    },
    suppress: (rule, path) => {
      const plen = path.entry.route.dst.length;
      if (plen <= rule.suppressPrefixlen) return () => `prefix length ${plen} ≤ suppress_prefixlength ${rule.suppressPrefixlen}`;
      // the group of the route's device (rt6i_idev: the chosen nexthop's device, also for local routes)
      const dev = path.nh ? ctx.engine.linkByName(path.nh.dev) : undefined;
      if (rule.suppressIfgroup !== -1 && dev && dev.group === rule.suppressIfgroup) {
        return () => `device ${dev.name} is in group ${dev.group} (suppress_ifgroup)`;
      }
      return undefined;
    },
  };
}
