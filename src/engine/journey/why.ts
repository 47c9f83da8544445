// The "why" lines of a journey's end: which rule, table, mark and NAT made the packet go where it went.
import { formatIp, ipEquals } from '../../addr/address.ts';
import { formatRuleSelector } from '../../addr/prefix.ts';
import type { Disposition, NfPacketState } from '../../model/journey.ts';
import { tableName } from '../../model/rt-tables.ts';
import { endpoint, hex, lastMarkSetter, type CurrentRoute, type Flight, type JourneyContext } from './flight.ts';

/** "ip rule 100 chose table isp2 for fwmark 0x2 set by ip mangle PREROUTING rule `…`". */
export function routeReason(jc: JourneyContext, route: CurrentRoute): string {
  const d = route.decidedBy;
  if (!d) return 'no rule lookup decided (on-link through the bound device, or a multicast/broadcast destination)';
  const rules = jc.family === 4 ? jc.state.rules4 : jc.state.rules6;
  const rule = rules.find((r) => r.priority === d.pref && (r.action !== 'lookup' || r.table === d.table)) ?? rules.find((r) => r.priority === d.pref);
  const parts = [`ip rule ${d.pref} chose table ${tableName(jc.state.rtTables, d.table)}`];
  if (rule && rule.fwmask !== 0) parts.push(`for fwmark ${hex(route.mark)}${route.markSetBy ? ` set by ${route.markSetBy}` : ''}`);
  if (rule?.src && rule.src.length > 0) parts.push(`for source ${formatRuleSelector(rule.src)}`);
  if (rule?.uidRange) parts.push(`for uid ${rule.uidRange.start}-${rule.uidRange.end}`);
  if (rule?.iif) parts.push(`for iif ${rule.iif.name}`);
  if (rule?.oif) parts.push(`for oif ${rule.oif.name}`);
  if (rule && rule.fwmask === 0 && route.mark !== 0) parts.push(`(the packet's fwmark ${hex(route.mark)} did not select a rule)`);
  return parts.join(' ');
}

function hop(route: CurrentRoute): string {
  return `${route.dev}${route.gateway ? ` (gateway ${formatIp(route.gateway)})` : ''}`;
}

function natNote(orig: { readonly saddr: NfPacketState['saddr'] }, p: NfPacketState): string {
  return ipEquals(orig.saddr, p.saddr) ? '' : `, source ${formatIp(p.saddr)} after NAT`;
}

/** A mark changed after the last routing decision that did not reroute: worth saying. */
function lateMark(f: Flight, route: CurrentRoute): string {
  if (f.packet.mark === route.mark) return '';
  const setter = lastMarkSetter(f.steps);
  return `; mark ${hex(f.packet.mark)}${setter ? ` set by ${setter}` : ''} came after routing and did not reroute (only nft route chains, iptables mangle OUTPUT and DNAT in OUTPUT reroute)`;
}

/** The end of a journey that got somewhere: delivered, forwarded or sent. */
export function arrivalDisposition(
  jc: JourneyContext,
  f: Flight,
  kind: 'delivered' | 'forwarded' | 'sent',
  firstSaddr: NfPacketState['saddr'],
  inDev?: string,
): Disposition {
  const p = f.packet;
  const route = f.route!;
  const addrs = { src: p.saddr, dst: p.daddr };
  if (kind === 'delivered') {
    const dev = inDev ?? route.dev;
    return { kind, dev, ...addrs, why: `delivered to the local socket for ${endpoint(p.daddr, p.dport)} (arrived on ${dev}); ${routeReason(jc, route)}` };
  }
  const verb = kind === 'forwarded' ? 'forwarded' : 'sent';
  const why = `${verb} via ${hop(route)}${natNote({ saddr: firstSaddr }, p)} because ${routeReason(jc, route)}${route.phase === 'reroute' ? ' at the reroute after OUTPUT' : ''}${lateMark(f, route)}`;
  return { kind, dev: route.dev, ...(route.gateway ? { gateway: route.gateway } : {}), ...addrs, why };
}
