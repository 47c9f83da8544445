// The names iproute2 prints for numbers (scopes, route types, dsfield, IP protocols, device groups).
import type { RouteType } from '../model/network-state.ts';
import { parseUnsigned } from './json-fields.ts';

// mirrors the default /etc/iproute2/rt_scopes shipped with iproute2
const SCOPE_NAMES: ReadonlyMap<string, number> = new Map([
  ['global', 0],
  ['universe', 0],
  ['site', 200],
  ['link', 253],
  ['host', 254],
  ['nowhere', 255],
]);

/** A scope as iproute2 prints it (name or decimal); undefined when unknown. */
export function parseScope(text: string): number | undefined {
  const known = SCOPE_NAMES.get(text);
  if (known !== undefined) return known;
  const value = parseUnsigned(text);
  return value !== undefined && value <= 255 ? value : undefined;
}

// mirrors rtnl_rtntype_n2a(), ip/rtm_map.c
const ROUTE_TYPES: ReadonlyMap<string, RouteType> = new Map<string, RouteType>([
  ['unicast', 'unicast'],
  ['local', 'local'],
  ['broadcast', 'broadcast'],
  ['anycast', 'anycast'],
  ['multicast', 'multicast'],
  ['blackhole', 'blackhole'],
  ['unreachable', 'unreachable'],
  ['prohibit', 'prohibit'],
  ['throw', 'throw'],
  ['nat', 'nat'],
  ['xresolve', 'xresolve'],
]);

// RTN_UNICAST (1) … RTN_XRESOLVE (11)
const ROUTE_TYPE_NUMBERS: readonly RouteType[] = [
  'unicast', 'local', 'broadcast', 'anycast', 'multicast',
  'blackhole', 'unreachable', 'prohibit', 'throw', 'nat', 'xresolve',
];

/** A route type word (or its RTN_* number, as `ip -N` prints it); RTN_UNSPEC ("none") is not a type. */
export function parseRouteType(text: string): RouteType | undefined {
  const known = ROUTE_TYPES.get(text);
  if (known !== undefined) return known;
  const value = parseUnsigned(text);
  return value !== undefined && value >= 1 ? ROUTE_TYPE_NUMBERS[value - 1] : undefined;
}

// mirrors the default /etc/iproute2/rt_dsfield shipped with iproute2
const DSFIELD_NAMES: ReadonlyMap<string, number> = new Map([
  ['default', 0x00],
  ['AF11', 0x28], ['AF12', 0x30], ['AF13', 0x38],
  ['AF21', 0x48], ['AF22', 0x50], ['AF23', 0x58],
  ['AF31', 0x68], ['AF32', 0x70], ['AF33', 0x78],
  ['AF41', 0x88], ['AF42', 0x90], ['AF43', 0x98],
  ['CS1', 0x20], ['CS2', 0x40], ['CS3', 0x60], ['CS4', 0x80],
  ['CS5', 0xa0], ['CS6', 0xc0], ['CS7', 0xe0],
  ['EF', 0xb8],
]);

/** A tos/dsfield byte as rtnl_dsfield_n2a() prints it: a name or "0x%02x". */
export function parseDsfield(text: string): number | undefined {
  const known = DSFIELD_NAMES.get(text);
  if (known !== undefined) return known;
  const value = parseUnsigned(text);
  return value !== undefined && value <= 255 ? value : undefined;
}

/** A 6-bit DSCP as rtnl_dscp_n2a() prints it (iproute2 6.12+): the dsfield name of dscp<<2, or decimal. */
export function parseDscp(text: string): number | undefined {
  const known = DSFIELD_NAMES.get(text);
  if (known !== undefined) return known >> 2;
  const value = parseUnsigned(text);
  return value !== undefined && value <= 63 ? value : undefined;
}

// the protocol names of /etc/protocols (netbase) that getprotobynumber() returns first
const IP_PROTOCOLS: ReadonlyMap<string, number> = new Map([
  ['ip', 0], ['hopopt', 0], ['icmp', 1], ['igmp', 2], ['ggp', 3], ['ipencap', 4], ['st', 5], ['tcp', 6],
  ['egp', 8], ['igp', 9], ['pup', 12], ['udp', 17], ['hmp', 20], ['xns-idp', 22], ['rdp', 27],
  ['iso-tp4', 29], ['dccp', 33], ['xtp', 36], ['ddp', 37], ['idpr-cmtp', 38], ['ipv6', 41],
  ['ipv6-route', 43], ['ipv6-frag', 44], ['idrp', 45], ['rsvp', 46], ['gre', 47], ['esp', 50],
  ['ah', 51], ['skip', 57], ['ipv6-icmp', 58], ['ipv6-nonxt', 59], ['ipv6-opts', 60], ['rspf', 73],
  ['vmtp', 81], ['eigrp', 88], ['ospf', 89], ['ax.25', 93], ['ipip', 94], ['etherip', 97],
  ['encap', 98], ['pim', 103], ['ipcomp', 108], ['vrrp', 112], ['l2tp', 115], ['isis', 124],
  ['sctp', 132], ['fc', 133], ['mobility-header', 135], ['udplite', 136], ['mpls-in-ip', 137],
  ['manet', 138], ['hip', 139], ['shim6', 140], ['wesp', 141], ['rohc', 142], ['ethernet', 143],
]);

/** An IP protocol as inet_proto_n2a() prints it: a protocol name, "ipproto-N", or a number. */
export function parseIpProto(text: string): number | undefined {
  const known = IP_PROTOCOLS.get(text);
  if (known !== undefined) return known;
  const match = /^(?:ipproto-)?(\d{1,3})$/.exec(text);
  if (!match) return undefined;
  const value = Number(match[1]);
  return value <= 255 ? value : undefined;
}

/** A device group as rtnl_group_n2a() prints it: "default" (the shipped /etc/iproute2/group) or decimal. */
export function parseDeviceGroup(text: string): number | undefined {
  if (text === 'default') return 0;
  if (!/^-?\d+$/.test(text)) return undefined;
  const value = Number(text);
  if (value < -(2 ** 31) || value >= 2 ** 32) return undefined;
  // the kernel's group is a u32 that iproute2 prints with %d
  return value < 0 ? value + 2 ** 32 : value;
}
