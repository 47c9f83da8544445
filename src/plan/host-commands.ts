// pbr's rules and routes as `ip` argv arrays: the exact commands apply runs, and those that undo them.
import { formatPrefix } from '../addr/prefix.ts';
import { formatIp } from '../addr/address.ts';
import type { Route, Rule } from '../model/network-state.ts';

const hex = (n: number): string => `0x${(n >>> 0).toString(16)}`;

/** The selector and action words of a rule, as `ip rule add` reads them (tables by number). */
function ruleWords(rule: Rule): string[] {
  const w: string[] = ['pref', String(rule.priority)];
  if (rule.invert) w.push('not');
  if (rule.src) w.push('from', formatPrefix(rule.src));
  if (rule.dst) w.push('to', formatPrefix(rule.dst));
  if (rule.fwmask !== 0 || rule.fwmark !== 0) w.push('fwmark', `${hex(rule.fwmark)}/${hex(rule.fwmask)}`);
  if (rule.tos !== 0) w.push('tos', hex(rule.tos));
  if (rule.iif) w.push('iif', rule.iif.name);
  if (rule.oif) w.push('oif', rule.oif.name);
  if (rule.uidRange) w.push('uidrange', `${rule.uidRange.start}-${rule.uidRange.end}`);
  if (rule.ipProto !== undefined) w.push('ipproto', String(rule.ipProto));
  if (rule.sport) w.push('sport', rule.sport.start === rule.sport.end ? String(rule.sport.start) : `${rule.sport.start}-${rule.sport.end}`);
  if (rule.dport) w.push('dport', rule.dport.start === rule.dport.end ? String(rule.dport.start) : `${rule.dport.start}-${rule.dport.end}`);
  if (rule.suppressPrefixlen >= 0) w.push('suppress_prefixlength', String(rule.suppressPrefixlen));
  if (rule.action === 'lookup') w.push('lookup', String(rule.table));
  else if (rule.action === 'goto') w.push('goto', String(rule.gotoTarget ?? 0));
  else w.push(rule.action);
  if (rule.protocol !== undefined) w.push('protocol', rule.protocol);
  return w;
}

export function ruleAddArgv(rule: Rule): string[] {
  return ['ip', `-${rule.family}`, 'rule', 'add', ...ruleWords(rule)];
}

export function ruleDelArgv(rule: Rule): string[] {
  return ['ip', `-${rule.family}`, 'rule', 'del', ...ruleWords(rule)];
}

/** The route's key and attributes as `ip route add` reads them. */
function routeWords(route: Route): string[] {
  const w: string[] = [route.type, formatPrefix(route.dst)];
  const [nh] = route.nexthops;
  if (nh?.gateway) w.push('via', formatIp(nh.gateway));
  if (nh?.dev) w.push('dev', nh.dev);
  if (nh?.onlink) w.push('onlink');
  w.push('table', String(route.table), 'proto', route.protocol, 'metric', String(route.metric));
  if (route.family === 4) w.push('scope', String(route.scope));
  if (route.prefsrc) w.push('src', formatIp(route.prefsrc));
  return w;
}

export function routeAddArgv(route: Route): string[] {
  // IPv6 refuses a second route to the same prefix and metric on another device unless appended
  return ['ip', `-${route.family}`, 'route', route.family === 6 ? 'append' : 'add', ...routeWords(route)];
}

export function routeDelArgv(route: Route): string[] {
  return ['ip', `-${route.family}`, 'route', 'del', ...routeWords(route)];
}
