// Which address families (IPv4, IPv6) a policy applies to: those of its addresses and protocol, and of its uplinks.
import type { Family } from '../addr/types.ts';
import type { Policy, PolicyMatch, Uplink, Via } from '../model/intent.ts';

const IPPROTO_ICMP = 1;
const IPPROTO_ICMPV6 = 58;
const BOTH: readonly Family[] = [4, 6];

/** The families of a match's prefixes (including those under `not`), or undefined when it names none. */
export function addressFamilies(match: PolicyMatch): readonly Family[] | undefined {
  const prefixes = [...(match.src ?? []), ...(match.dst ?? []), ...(match.not?.src ?? []), ...(match.not?.dst ?? [])];
  if (prefixes.length === 0) return undefined;
  return BOTH.filter((f) => prefixes.some((p) => p.address.family === f));
}

/** The family a protocol belongs to: ICMP is IPv4's, ICMPv6 is IPv6's; others are both. */
export function protoFamilies(proto: number | undefined): readonly Family[] {
  if (proto === IPPROTO_ICMP) return [4];
  if (proto === IPPROTO_ICMPV6) return [6];
  return BOTH;
}

/** The families a match can select: those its addresses and protocol allow. */
export function matchFamilies(match: PolicyMatch): readonly Family[] {
  const byProto = protoFamilies(match.proto);
  return (addressFamilies(match) ?? BOTH).filter((f) => byProto.includes(f));
}

/** Whether the match itself restricts the family (addresses, or ICMP / ICMPv6). */
export function matchNamesFamily(match: PolicyMatch): boolean {
  return addressFamilies(match) !== undefined || protoFamilies(match.proto).length === 1;
}

/** An uplink carries IPv4 when it has a gateway, IPv6 when it has a gateway6. */
export function uplinkFamilies(uplink: Uplink): readonly Family[] {
  return BOTH.filter((f) => (f === 4 ? uplink.gateway : uplink.gateway6) !== undefined);
}

export function viaUplinks(via: Via): readonly string[] {
  switch (via.kind) {
    case 'uplink':
      return [via.uplink];
    case 'balance':
      return via.weights.map((w) => w.uplink);
    case 'failover':
      return via.order;
  }
}

/**
 * The families pbr routes a policy for: what its match selects and every one of its uplinks carries.
 * A policy without addresses whose uplinks have no gateway6 is an IPv4 policy; IPv6 traffic it would
 * match follows the rest of the routing as before.
 */
export function policyFamilies(policy: Policy, uplinks: readonly Uplink[]): readonly Family[] {
  const byName = new Map(uplinks.map((u) => [u.name, u]));
  let families = matchFamilies(policy.match);
  for (const name of viaUplinks(policy.via)) {
    const uplink = byName.get(name);
    const carried = uplink ? uplinkFamilies(uplink) : [];
    families = families.filter((f) => carried.includes(f));
  }
  return families;
}
