// What pbr wants the host to look like after `pbr apply`: compiled from an Intent and the host's NetworkState.
import type { Route, Rule } from './network-state.ts';

/** A routing table pbr fills: one per uplink, one per failover order. */
export interface DesiredTable {
  readonly id: number;
  readonly name: string;
  readonly kind: 'uplink' | 'failover';
  /** the uplink (kind uplink) or the uplinks in failover order */
  readonly uplinks: readonly string[];
  /** the fwmark value (within markMask) whose rule looks this table up */
  readonly mark: number;
  /** pbr writes its name into the rt_tables.d file (false: a file of someone else already names it so) */
  readonly named: boolean;
}

export interface DesiredFile {
  readonly path: string;
  readonly content: string;
}

/** The one nftables table pbr owns, `inet pbr`. */
export interface DesiredNft {
  readonly family: 'inet';
  readonly name: string;
  /** input for `nft -f -`: deletes and recreates only this table, in one transaction */
  readonly script: string;
  /** the table as `nft -j list ruleset` prints it (without handles): the objects of its "nftables" array */
  readonly json: readonly unknown[];
}

export interface DesiredState {
  /** rule and route protocol that marks pbr's own (`protocol N` / `proto N`) */
  readonly protocol: number;
  /** the fwmark bits pbr owns */
  readonly markMask: number;
  readonly tables: readonly DesiredTable[];
  /** every route of pbr's tables, protocol = String(protocol) */
  readonly routes: readonly Route[];
  readonly rules4: readonly Rule[];
  readonly rules6: readonly Rule[];
  readonly nft: DesiredNft;
  /** path below /proc/sys → value */
  readonly sysctls: ReadonlyMap<string, string>;
  readonly files: readonly DesiredFile[];
}
