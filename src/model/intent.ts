// The user's intent (pbr.yaml) after validation: uplinks, policies, the default uplink and options.
import type { IpAddress, IpPrefix } from '../addr/types.ts';
import type { SourceLocation } from './diagnostics.ts';

export interface PortRange {
  readonly start: number;
  readonly end: number;
}

export interface IdRange {
  readonly start: number;
  readonly end: number;
}

export interface Uplink {
  /** the key under `uplinks:` */
  readonly name: string;
  readonly interface: string;
  readonly gateway?: IpAddress;
  readonly gateway6?: IpAddress;
  /** routing table: a name, an id, or absent (pbr picks one in options.tableIds) */
  readonly table?: string | number;
  /** fwmark value (within options.markMask) that selects this uplink; absent: pbr picks one */
  readonly mark?: number;
  /** default weight when the uplink takes part in a balance that gives none */
  readonly weight?: number;
  readonly location: SourceLocation;
}

/** A packet selector. Lists mean "any of"; fields together mean "all of"; `not` negates a nested match. */
export interface PolicyMatch {
  /** IP protocol number */
  readonly proto?: number;
  readonly src?: readonly IpPrefix[];
  readonly dst?: readonly IpPrefix[];
  readonly iif?: string;
  readonly sport?: readonly PortRange[];
  readonly dport?: readonly PortRange[];
  readonly dscp?: number;
  readonly mark?: { readonly value: number; readonly mask: number };
  readonly uid?: readonly IdRange[];
  readonly not?: PolicyMatch;
}

export type Via =
  | { readonly kind: 'uplink'; readonly uplink: string }
  /** per-connection weighted balancing */
  | { readonly kind: 'balance'; readonly weights: readonly { readonly uplink: string; readonly weight: number }[] }
  /** the kernel's own failover: one table, default routes ordered by metric, dead links passed over */
  | { readonly kind: 'failover'; readonly order: readonly string[] };

export interface Policy {
  readonly name: string;
  readonly match: PolicyMatch;
  readonly via: Via;
  readonly location: SourceLocation;
}

export interface IntentOptions {
  /** ip rule priorities pbr may use */
  readonly rulePriorities: IdRange;
  /** routing table ids pbr may use */
  readonly tableIds: IdRange;
  /** the fwmark bits pbr owns; every pbr mark lies within them */
  readonly markMask: number;
  /** turn on IPv4/IPv6 forwarding (a router) or leave it as it is */
  readonly forwarding: boolean;
  /** rp_filter on uplinks: loose (2) where replies may come back on another uplink, or leave as is */
  readonly rpFilter: 'loose' | 'keep';
  readonly logMartians: boolean;
}

export interface Intent {
  readonly uplinks: readonly Uplink[];
  readonly policies: readonly Policy[];
  /** the uplink for traffic no policy matches (absent: table main decides, as before) */
  readonly default?: string;
  readonly options: IntentOptions;
  /** the file it came from, for messages */
  readonly file: string;
}
