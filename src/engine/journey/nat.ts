// NAT mappings: a nat chain's request turned into a binding, and bindings applied to later packets of the connection.
import { formatIp, ipEquals } from '../../addr/address.ts';
import { makeIpv4 } from '../../addr/ipv4.ts';
import type { IpAddress } from '../../addr/types.ts';
import { CT_STATUS_BITS } from '../../model/netfilter.ts';
import type { JourneyStep, NfPacketState } from '../../model/journey.ts';
import type { NatRequest } from '../netfilter/chain-branch.ts';
import { endpoint, type Flight, type JourneyContext, type NatBinding } from './flight.ts';

/** Source manips run at POSTROUTING/INPUT, destination manips at PREROUTING/OUTPUT (nf_nat_ipv4_fn's HOOK2MANIP). */
export type ManipType = 'src' | 'dst';

export type NatResult = { readonly kind: 'mapped'; readonly flight: Flight } | { readonly kind: 'drop'; readonly why: string };

const IPV6_LOOPBACK: IpAddress = { family: 6, value: 1n };

/** The first address of `dev` in the family: where `redirect` sends a received packet. */
// mirrors nf_nat_redirect_ipv4() / nf_nat_redirect_ipv6(), net/netfilter/nf_nat_redirect.c
function redirectTarget(jc: JourneyContext, hookIn: string | undefined): IpAddress | undefined {
  if (hookIn === undefined) return jc.family === 4 ? makeIpv4(0x7f000001) : IPV6_LOOPBACK;
  const addrs = jc.state.addresses.filter((a) => a.dev === hookIn && a.family === jc.family).sort((a, b) => a.order - b.order);
  return addrs[0]?.local;
}

/** The source masquerade takes: the address the kernel selects on the egress device toward the next hop. */
// mirrors nf_nat_masquerade_ipv4() and nf_nat_masquerade_ipv6(), net/netfilter/nf_nat_masquerade.c
function masqueradeSource(jc: JourneyContext, f: Flight): IpAddress | undefined {
  const route = f.route;
  if (!route) return undefined;
  const toward = jc.family === 4 ? (route.gateway ?? f.packet.daddr) : f.packet.daddr;
  return jc.engine.selectSourceAddress(route.dev, toward);
}

/** The port a mapping takes: the packet's own when it lies in the range (get_unique_tuple keeps it), else the range's first. */
function mappedPort(req: NatRequest, current: number | undefined, assumptions: string[]): number | undefined {
  if (req.port === undefined || current === undefined) return undefined;
  const high = req.portHigh ?? req.port;
  if (high === req.port) return req.port;
  if (current >= req.port && current <= high) return current;
  assumptions.push(`\`${req.ruleText}\`: port ${current} is outside ${req.port}-${high}; assumed the kernel picks ${req.port}`);
  return req.port;
}

function rangeAddress(req: NatRequest, assumptions: string[]): IpAddress | undefined {
  if (req.addr && req.addrHigh && !ipEquals(req.addr, req.addrHigh)) {
    assumptions.push(`\`${req.ruleText}\`: the kernel hashes the connection over ${formatIp(req.addr)}-${formatIp(req.addrHigh)}; assumed ${formatIp(req.addr)}`);
  }
  return req.addr;
}

/** Takes the mapping a nat chain asked for: rewrites the packet and records the binding in the entry. */
// mirrors nf_nat_setup_info() and nf_nat_packet(), net/netfilter/nf_nat_core.c
export function applyNatRequest(jc: JourneyContext, f: Flight, req: NatRequest, hookIn: string | undefined): NatResult {
  const assumptions: string[] = [];
  const p = f.packet;
  if (req.type === 'dnat' || req.type === 'redirect') {
    const addr = req.type === 'redirect' ? redirectTarget(jc, hookIn) : (rangeAddress(req, assumptions) ?? p.daddr);
    if (!addr) return { kind: 'drop', why: `\`${req.ruleText}\`: ${hookIn ?? 'the device'} has no IPv${jc.family} address to redirect to` };
    const port = mappedPort(req, p.dport, assumptions);
    const binding: NatBinding = { addr, ...(port !== undefined ? { port } : {}) };
    const packet: NfPacketState = { ...p, daddr: addr, ...(port !== undefined ? { dport: port } : {}), ct: { ...p.ct, status: p.ct.status | CT_STATUS_BITS.dnat } };
    const step: JourneyStep = { kind: 'nat', type: req.type, text: `${req.type} ${endpoint(p.daddr, p.dport)} → ${endpoint(addr, packet.dport)} by \`${req.ruleText}\`` };
    return mapped(f, packet, step, { ...f.ct, dnat: binding, status: packet.ct.status }, assumptions);
  }
  const addr = req.type === 'masquerade' ? masqueradeSource(jc, f) : (rangeAddress(req, assumptions) ?? p.saddr);
  if (!addr) return { kind: 'drop', why: `\`${req.ruleText}\`: no IPv${jc.family} address on ${f.route?.dev ?? 'the egress device'} to masquerade with` };
  const port = mappedPort(req, p.sport, assumptions);
  const binding: NatBinding = { addr, ...(port !== undefined ? { port } : {}) };
  const packet: NfPacketState = { ...p, saddr: addr, ...(port !== undefined ? { sport: port } : {}), ct: { ...p.ct, status: p.ct.status | CT_STATUS_BITS.snat } };
  const how = req.type === 'masquerade' ? ` (the address ${f.route?.dev ?? ''} selects toward the next hop)` : '';
  const step: JourneyStep = { kind: 'nat', type: req.type, text: `${req.type} ${endpoint(p.saddr, p.sport)} → ${endpoint(addr, packet.sport)}${how} by \`${req.ruleText}\`` };
  return mapped(f, packet, step, { ...f.ct, snat: binding, status: packet.ct.status }, assumptions);
}

function mapped(f: Flight, packet: NfPacketState, step: JourneyStep, ct: Flight['ct'], assumptions: readonly string[]): NatResult {
  return { kind: 'mapped', flight: { ...f, packet, ct, steps: [...f.steps, step], assumptions: [...f.assumptions, ...assumptions] } };
}

/**
 * Applies the entry's bindings to a later packet at a hook of `manip` type: the original direction
 * gets the same rewrite again, a reply gets the reverse (de-SNAT of its destination, de-DNAT of its source).
 */
// mirrors nf_nat_packet(), net/netfilter/nf_nat_core.c
export function applyNatBinding(f: Flight, manip: ManipType): Flight {
  const { ct, packet: p } = f;
  const orig = ct.orig;
  if (!orig) return f;
  let packet = p;
  let text: string | undefined;
  if (ct.direction === 'original') {
    if (manip === 'dst' && ct.dnat) packet = { ...p, daddr: ct.dnat.addr, ...(ct.dnat.port !== undefined ? { dport: ct.dnat.port } : {}) };
    if (manip === 'src' && ct.snat) packet = { ...p, saddr: ct.snat.addr, ...(ct.snat.port !== undefined ? { sport: ct.snat.port } : {}) };
  } else if (manip === 'dst' && ct.snat) {
    packet = { ...p, daddr: orig.saddr, ...(orig.sport !== undefined && p.dport !== undefined ? { dport: orig.sport } : {}) };
    text = `reply to a source-NATed connection: destination ${endpoint(p.daddr, p.dport)} → ${endpoint(packet.daddr, packet.dport)}`;
  } else if (manip === 'src' && ct.dnat) {
    packet = { ...p, saddr: orig.daddr, ...(orig.dport !== undefined && p.sport !== undefined ? { sport: orig.dport } : {}) };
    text = `reply to a destination-NATed connection: source ${endpoint(p.saddr, p.sport)} → ${endpoint(packet.saddr, packet.sport)}`;
  }
  if (packet === p) return f;
  const steps = text !== undefined ? [...f.steps, { kind: 'nat', type: 'reverse', text } as const] : f.steps;
  return { ...f, packet, steps };
}
