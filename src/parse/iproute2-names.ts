// The names iproute2 prints for numbers (scopes, route types, dsfield, IP protocols, device groups).
import { DSFIELD_NAMES, IP_PROTOCOLS } from '../model/iproute2-names.ts';
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

const DSFIELD_BY_NAME: ReadonlyMap<string, number> = new Map(DSFIELD_NAMES.map(([id, name]) => [name, id]));

/** A tos/dsfield byte as rtnl_dsfield_n2a() prints it: a name or "0x%02x". */
export function parseDsfield(text: string): number | undefined {
  const known = DSFIELD_BY_NAME.get(text);
  if (known !== undefined) return known;
  const value = parseUnsigned(text);
  return value !== undefined && value <= 255 ? value : undefined;
}

/** A 6-bit DSCP as rtnl_dscp_n2a() prints it (iproute2 6.12+): the dsfield name of dscp<<2, or decimal. */
export function parseDscp(text: string): number | undefined {
  const known = DSFIELD_BY_NAME.get(text);
  if (known !== undefined) return known >> 2;
  const value = parseUnsigned(text);
  return value !== undefined && value <= 63 ? value : undefined;
}

// inet_proto_n2a() prints the lower-case name: the first one listed for each protocol
const IPPROTO_BY_NAME: ReadonlyMap<string, number> = new Map(IP_PROTOCOLS.map(([id, name]) => [name, id]));

/** An IP protocol as inet_proto_n2a() prints it: a protocol name, "ipproto-N", or a number. */
export function parseIpProto(text: string): number | undefined {
  const known = IPPROTO_BY_NAME.get(text);
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
