// Rule and route text for explain steps.
import { formatIp } from '../addr/address.ts';
import { formatRouteDst } from '../addr/prefix.ts';
import type { Nexthop, Route, Rule } from '../model/network-state.ts';
import { formatRule } from '../model/rule-words.ts';
import type { EngineContext } from './context.ts';

function hex(n: number): string {
  return `0x${(n >>> 0).toString(16)}`;
}

/** A rule as one line of `ip rule show`, for explain text. */
export function describeRule(ctx: EngineContext, r: Rule): string {
  return formatRule(r, { tables: ctx.state.rtTables, hasPref: (pref) => ctx.hasRulePref(r.family, pref) });
}

/** A route the way `ip route show` words it (type, dst, tos, next hops, metric), for explain text. */
export function describeRoute(r: Route): string {
  const parts: string[] = [];
  if (r.type !== 'unicast') parts.push(r.type);
  parts.push(formatRouteDst(r.dst));
  if (r.tos) parts.push('tos', hex(r.tos));
  if (r.nhid !== undefined) parts.push('nhid', String(r.nhid));
  const hop = (nh: Nexthop) => [...(nh.gateway ? ['via', formatIp(nh.gateway)] : []), ...(nh.dev ? ['dev', nh.dev] : [])];
  const [only] = r.nexthops;
  if (r.nexthops.length === 1 && only) parts.push(...hop(only));
  else for (const nh of r.nexthops) parts.push('nexthop', ...hop(nh), 'weight', String(nh.weight));
  if (r.metric) parts.push('metric', String(r.metric));
  return parts.join(' ');
}
