// Rule and route text for explain steps.
import { formatIp } from '../addr/address.ts';
import { formatRouteDst, formatRuleSelector } from '../addr/prefix.ts';
import type { Nexthop, Route, Rule } from '../model/network-state.ts';

function hex(n: number): string {
  return `0x${(n >>> 0).toString(16)}`;
}

/** A rule the way `ip rule show` words it, for explain text. */
export function describeRule(r: Rule, tableName: (id: number) => string): string {
  const parts: string[] = [`${r.priority}:`];
  if (r.invert) parts.push('not');
  parts.push('from', r.src ? formatRuleSelector(r.src) : 'all');
  if (r.dst) parts.push('to', formatRuleSelector(r.dst));
  if (r.tos) parts.push('tos', hex(r.tos));
  if (r.dscp) parts.push('dscp', r.dscp.mask === 0x3f ? String(r.dscp.value) : `${r.dscp.value}/${hex(r.dscp.mask)}`);
  if (r.fwmask !== 0) parts.push('fwmark', r.fwmask === 0xffffffff ? hex(r.fwmark) : `${hex(r.fwmark)}/${hex(r.fwmask)}`);
  if (r.iif) parts.push('iif', r.iif.name + (r.iif.detached ? ' [detached]' : ''));
  if (r.oif) parts.push('oif', r.oif.name + (r.oif.detached ? ' [detached]' : ''));
  if (r.l3mdev) parts.push('lookup [l3mdev-table]');
  if (r.uidRange) parts.push('uidrange', `${r.uidRange.start}-${r.uidRange.end}`);
  if (r.ipProto !== undefined) parts.push('ipproto', String(r.ipProto));
  if (r.sport) parts.push('sport', r.sport.mask !== undefined ? `${r.sport.start}/${hex(r.sport.mask)}` : `${r.sport.start}-${r.sport.end}`);
  if (r.dport) parts.push('dport', r.dport.mask !== undefined ? `${r.dport.start}/${hex(r.dport.mask)}` : `${r.dport.start}-${r.dport.end}`);
  if (r.flowlabel) parts.push('flowlabel', `${hex(r.flowlabel.value)}/${hex(r.flowlabel.mask)}`);
  switch (r.action) {
    case 'lookup':
      if (!r.l3mdev) parts.push('lookup', tableName(r.table));
      break;
    case 'goto':
      parts.push('goto', String(r.gotoTarget ?? '?'));
      break;
    case 'nop':
      parts.push('nop');
      break;
    default:
      parts.push(r.action);
  }
  if (r.suppressPrefixlen >= 0) parts.push('suppress_prefixlength', String(r.suppressPrefixlen));
  if (r.suppressIfgroup >= 0) parts.push('suppress_ifgroup', String(r.suppressIfgroup));
  return parts.join(' ');
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
