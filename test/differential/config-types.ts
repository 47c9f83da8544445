// A differential configuration: the commands that build one router namespace, and what queries may aim at.

export type CommandTarget = 'router' | 'peer';

/** Stands for the peer namespace's name inside command arguments (veth peers are created there). */
export const PEER_NETNS_TOKEN = '{peer}';

/**
 * One configuration command.
 * tool "ip": `args` is what follows `ip` (leading `-6`/`-4` are global options, the rest one batch line).
 * tool "sysctl": `args` is one `key=value` (dotted key below /proc/sys).
 */
export interface ConfigCommand {
  readonly target: CommandTarget;
  readonly tool: 'ip' | 'sysctl';
  readonly args: readonly string[];
}

/** What the query generator aims at: the addresses, prefixes and selector values the config uses. */
export interface ConfigFacts {
  /** router-side devices, lo included */
  readonly devices: readonly string[];
  /** device -> the subnets of its addresses, per family */
  readonly subnets: Readonly<Record<string, { readonly 4: readonly string[]; readonly 6: readonly string[] }>>;
  readonly addresses4: readonly string[];
  readonly addresses6: readonly string[];
  readonly prefixes4: readonly string[];
  readonly prefixes6: readonly string[];
  readonly marks: readonly number[];
  readonly uids: readonly number[];
  readonly ports: readonly number[];
  readonly tos: readonly number[];
}

export interface DiffConfig {
  readonly seed: number;
  readonly commands: readonly ConfigCommand[];
  readonly facts: ConfigFacts;
}

export function formatCommand(c: ConfigCommand, names: { router: string; peer: string }): string {
  const ns = c.target === 'router' ? names.router : names.peer;
  if (c.tool === 'sysctl') return `ip netns exec ${ns} sysctl -qw ${c.args.join(' ')}`;
  const args = c.args.map((a) => (a === PEER_NETNS_TOKEN ? names.peer : a));
  return `ip -n ${ns} ${args.join(' ')}`;
}
