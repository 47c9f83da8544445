// What pbr wants a host to look like, and the ordered changes that take it there, each with its inverse.

/** Something the host runs or writes. Commands are argv arrays, never shell strings. */
export type HostAction =
  | { readonly kind: 'run'; readonly argv: readonly string[]; readonly stdin?: string }
  | { readonly kind: 'write-file'; readonly path: string; readonly content: string }
  | { readonly kind: 'delete-file'; readonly path: string }
  /** path below /proc/sys, e.g. "net/ipv4/conf/wan1/rp_filter" */
  | { readonly kind: 'sysctl'; readonly path: string; readonly value: string };

export type ChangeObject = 'rt-table' | 'route' | 'rule' | 'nft' | 'sysctl' | 'file';

/** One step of a plan: what it does in words, how to do it, and how to undo it exactly. */
export interface PlannedChange {
  readonly object: ChangeObject;
  readonly action: 'add' | 'delete' | 'replace' | 'set';
  /** one line a person reads, e.g. "add rule 1000: fwmark 0x100/0xff00 lookup isp2" */
  readonly summary: string;
  readonly apply: readonly HostAction[];
  /** undoes `apply` when run after it (in order) */
  readonly revert: readonly HostAction[];
}

/** A foreign object in the way: the plan refuses to start while any exists. */
export interface PlanConflict {
  readonly object: ChangeObject | 'mark';
  readonly message: string;
  readonly hint: string;
}

export interface Plan {
  readonly changes: readonly PlannedChange[];
  readonly conflicts: readonly PlanConflict[];
}
