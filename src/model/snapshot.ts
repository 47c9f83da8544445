// The snapshot file: raw outputs captured from a host, from which the model is parsed.

export const SNAPSHOT_FORMAT = 'pbr-snapshot';
export const SNAPSHOT_VERSION = 1;

/** One captured source: a command's output or a file's content. */
export interface CapturedSource {
  /** argv of the command run, or undefined for a file read */
  readonly argv?: readonly string[];
  /** path of the file read */
  readonly path?: string;
  /** exit status of the command (0 for a file read) */
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Keys of `sources`. Each is optional: a snapshot says what it could not read.
 * sysctls are stored as one "path=value" line each (path below /proc/sys) under "sysctl".
 * rt_tables files are stored as "rtTables:<path>" in the order iproute2 reads them.
 */
export const SOURCE_KEYS = {
  kernelRelease: 'uname',
  link: 'ipLink',
  addr: 'ipAddr',
  rule4: 'ipRule4',
  rule6: 'ipRule6',
  route4: 'ipRoute4',
  route6: 'ipRoute6',
  nexthop: 'ipNexthop',
  neigh: 'ipNeigh',
  maddr: 'ipMaddr',
  /** /proc/net/fib_trie, in snapshots taken before fibTriestat replaced it */
  fibTrie: 'fibTrie',
  /** /proc/net/fib_triestat: the same merged-trie evidence at constant cost (reading fib_trie is quadratic in routes) */
  fibTriestat: 'fibTriestat',
  sysctl: 'sysctl',
  nft: 'nft',
  /** `nft -a list ruleset`: the rules as the user reads them, with handles */
  nftText: 'nftText',
  iptables: 'iptablesSave',
  ip6tables: 'ip6tablesSave',
  /** `iptables-legacy-save`: taken only when iptables-save (nf_tables) says legacy tables exist beside its own */
  iptablesLegacy: 'iptablesLegacySave',
  /** `ip6tables-legacy-save`: likewise, after ip6tables-save */
  ip6tablesLegacy: 'ip6tablesLegacySave',
} as const;

export const RT_TABLES_SOURCE_PREFIX = 'rtTables:';

export interface SnapshotFile {
  readonly format: typeof SNAPSHOT_FORMAT;
  readonly version: number;
  /** ISO 8601 */
  readonly capturedAt: string;
  readonly kernelRelease: string;
  /** network namespace name, when captured with --netns */
  readonly netns?: string;
  readonly hostname?: string;
  readonly sources: Readonly<Record<string, CapturedSource>>;
  /** what could not be read, one sentence each */
  readonly notes: readonly string[];
}
