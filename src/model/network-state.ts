// The vendor-independent model of one network namespace's routing state, parsed from a snapshot.
import type { Family, IpAddress, IpPrefix } from '../addr/types.ts';
import type { RtTables } from './rt-tables.ts';
import type { NetfilterRuleset } from './netfilter.ts';

/** Route scopes (rtnetlink RT_SCOPE_*). Smaller is wider. */
export const RT_SCOPE_UNIVERSE = 0;
export const RT_SCOPE_SITE = 200;
export const RT_SCOPE_LINK = 253;
export const RT_SCOPE_HOST = 254;
export const RT_SCOPE_NOWHERE = 255;

/** Reserved routing table ids. */
export const RT_TABLE_UNSPEC = 0;
export const RT_TABLE_COMPAT = 252;
export const RT_TABLE_DEFAULT = 253;
export const RT_TABLE_MAIN = 254;
export const RT_TABLE_LOCAL = 255;

export const LOOPBACK_IFINDEX = 1;

export type RouteType =
  | 'unicast'
  | 'local'
  | 'broadcast'
  | 'anycast'
  | 'multicast'
  | 'blackhole'
  | 'unreachable'
  | 'prohibit'
  | 'throw'
  | 'nat'
  | 'xresolve';

/** FR_ACT_* of a rule, in iproute2's words. */
export type RuleAction = 'lookup' | 'goto' | 'nop' | 'blackhole' | 'unreachable' | 'prohibit';

export interface Link {
  readonly ifindex: number;
  readonly name: string;
  /** rtnl link kind ("veth", "vrf", "bridge", …); undefined for plain devices such as lo */
  readonly kind?: string;
  /** IFF_UP (administratively up) */
  readonly up: boolean;
  /** carrier present (IFF_LOWER_UP); false means next hops on it are "linkdown" */
  readonly carrier: boolean;
  readonly loopback: boolean;
  readonly flags: readonly string[];
  readonly mtu: number;
  /** interface group number (0 = "default") */
  readonly group: number;
  /** name of the master device (bridge, bond, vrf) */
  readonly master?: string;
  /** true for an L3 master device (VRF) */
  readonly l3Master: boolean;
  /** routing table of a VRF device */
  readonly vrfTable?: number;
  readonly macAddress?: string;
}

export interface InterfaceAddress {
  readonly ifindex: number;
  readonly dev: string;
  readonly family: Family;
  readonly local: IpAddress;
  readonly prefixLength: number;
  /** point-to-point peer ("peer" in iproute2) */
  readonly peer?: IpPrefix;
  readonly broadcast?: IpAddress;
  readonly scope: number;
  readonly secondary: boolean;
  /** iproute2 flag words: deprecated, tentative, dadfailed, nodad, noprefixroute, temporary, … */
  readonly flags: readonly string[];
  readonly label?: string;
  /** position in the kernel's per-device address list (as dumped) */
  readonly order: number;
}

export interface PortRange {
  readonly start: number;
  readonly end: number;
}

export interface RuleInterface {
  readonly name: string;
  /** the device does not exist: iproute2 prints "[detached]" and the selector never matches */
  readonly detached: boolean;
}

export interface Rule {
  readonly family: Family;
  readonly priority: number;
  readonly action: RuleAction;
  /** table id for action "lookup" (RT_TABLE_MAIN when iproute2 printed "main") */
  readonly table: number;
  /** target priority of a goto */
  readonly gotoTarget?: number;
  readonly invert: boolean;
  /** undefined = "from all" */
  readonly src?: IpPrefix;
  readonly dst?: IpPrefix;
  /** legacy tos selector (0 = any) */
  readonly tos: number;
  /** `dscp` selector (6-bit value) with optional mask (6.15+) */
  readonly dscp?: { readonly value: number; readonly mask: number };
  readonly fwmark: number;
  readonly fwmask: number;
  readonly iif?: RuleInterface;
  readonly oif?: RuleInterface;
  readonly uidRange?: PortRange;
  readonly ipProto?: number;
  readonly sport?: PortRange & { readonly mask?: number };
  readonly dport?: PortRange & { readonly mask?: number };
  readonly l3mdev: boolean;
  /** -1 = unset */
  readonly suppressPrefixlen: number;
  /** -1 = unset */
  readonly suppressIfgroup: number;
  readonly tunId?: bigint;
  readonly flowlabel?: { readonly value: number; readonly mask: number };
  /** rule protocol (who installed it): "kernel", "boot", "static", a number, … */
  readonly protocol?: string;
  /** position in the dump (rules of equal priority keep insertion order) */
  readonly order: number;
}

export interface Nexthop {
  readonly gateway?: IpAddress;
  /** device name; undefined only for nexthops that have none (blackhole nexthop objects) */
  readonly dev?: string;
  /** weight as the kernel uses it (iproute2 prints weight = hops + 1) */
  readonly weight: number;
  readonly onlink: boolean;
  readonly dead: boolean;
  readonly linkdown: boolean;
  readonly flags: readonly string[];
}

export interface Route {
  readonly family: Family;
  readonly table: number;
  readonly type: RouteType;
  readonly dst: IpPrefix;
  /** IPv6 source-specific route ("from" in ip -6 route) */
  readonly src?: IpPrefix;
  /** route tos / dsfield (0 = any) */
  readonly tos: number;
  /** metric (RTA_PRIORITY) */
  readonly metric: number;
  readonly scope: number;
  readonly protocol: string;
  readonly prefsrc?: IpAddress;
  /** one element for a single-path route, several for multipath, none for error types and nhid routes */
  readonly nexthops: readonly Nexthop[];
  /** nexthop object id */
  readonly nhid?: number;
  readonly flags: readonly string[];
  /** IPv6 router preference: "low" | "medium" | "high" */
  readonly pref?: string;
  /** position in the dump; among equal keys the kernel's list order */
  readonly order: number;
  /** route metrics (RTA_METRICS: mtu, advmss, …) in the order iproute2 prints them */
  readonly metrics?: readonly RouteMetric[];
  /** realms (RTA_FLOW): (from realm << 16) | to realm */
  readonly realms?: number;
  /** seconds until the route expires (RA-learned IPv6 routes) */
  readonly expires?: number;
}

/** One route metric under its iproute2 JSON key (mtu, advmss, rtt, congestion, ecn, …); rtt, rttvar, rto_min in ms. */
export interface RouteMetric {
  readonly name: string;
  readonly value: number | string;
  /** "lock" (the metric is not updated by path discovery) */
  readonly lock: boolean;
}

export interface NexthopObject {
  readonly id: number;
  readonly family?: Family;
  readonly gateway?: IpAddress;
  readonly dev?: string;
  readonly onlink: boolean;
  readonly blackhole: boolean;
  readonly fdb: boolean;
  readonly dead: boolean;
  readonly linkdown: boolean;
  readonly group?: readonly { readonly id: number; readonly weight: number }[];
  readonly groupType?: 'mpath' | 'resilient';
  readonly protocol?: string;
}

export interface Neighbour {
  readonly dev: string;
  readonly address: IpAddress;
  readonly lladdr?: string;
  /** NUD state words: REACHABLE, STALE, FAILED, PERMANENT, … */
  readonly state: readonly string[];
}

export interface MulticastMembership {
  readonly dev: string;
  readonly group: IpAddress;
}

/** What the FIB carries beyond the dumps, derived from /proc/net/fib_trie and route protocols. */
export interface FibFlags {
  /** IPv4 local and main tables are still one trie: no rule was ever added or deleted (§3.6) */
  readonly v4TablesMerged: boolean;
  /** a route of type local was added from user space (sticky in the kernel; inferred here) */
  readonly v4HasCustomLocalRoutes: boolean;
}

export interface NetworkState {
  /** kernel release of the captured host, e.g. "6.18.44" */
  readonly kernelRelease: string;
  readonly links: readonly Link[];
  readonly addresses: readonly InterfaceAddress[];
  readonly rules4: readonly Rule[];
  readonly rules6: readonly Rule[];
  /** every route of every table, both families */
  readonly routes: readonly Route[];
  readonly nexthopObjects: readonly NexthopObject[];
  readonly neighbours: readonly Neighbour[];
  readonly multicast: readonly MulticastMembership[];
  /** sysctl values keyed by their path below /proc/sys, e.g. "net/ipv4/conf/all/rp_filter" */
  readonly sysctls: ReadonlyMap<string, string>;
  readonly rtTables: RtTables;
  readonly fib: FibFlags;
  /** nftables and iptables rule sets; absent when the snapshot holds none of their sources */
  readonly netfilter?: NetfilterRuleset;
  /** the rt_tables files read (path and content, in iproute2's order); absent when unknown */
  readonly rtTablesFiles?: readonly { readonly path: string; readonly content: string }[];
}

/** The fields a rule has when `ip rule add` is given no selector: match everything, look up main. */
export const RULE_DEFAULTS = {
  action: 'lookup',
  table: RT_TABLE_MAIN,
  invert: false,
  tos: 0,
  fwmark: 0,
  fwmask: 0,
  l3mdev: false,
  suppressPrefixlen: -1,
  suppressIfgroup: -1,
} as const satisfies Partial<Rule>;
