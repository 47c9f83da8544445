// Installs a configuration into a namespace pair: runs of ip commands go through one `ip -batch`,
// runs of sysctls through one `sysctl -w`; rejected commands are recorded, never fatal.
import { PEER_NETNS_TOKEN, type ConfigCommand } from './config-types.ts';
import { execArgv } from './exec.ts';
import { formatBatch, parseBatchStderr } from './ip-batch.ts';
import type { NamespacePair } from './netns.ts';

export interface RejectedCommand {
  readonly command: ConfigCommand;
  readonly message: string;
}

export interface AppliedConfig {
  readonly applied: readonly ConfigCommand[];
  readonly rejected: readonly RejectedCommand[];
}

/** ip died in the middle of a batch: the caller re-applies in a fresh pair with `perCommand`. */
export class BatchAbortedError extends Error {}

interface Group {
  readonly target: ConfigCommand['target'];
  readonly tool: ConfigCommand['tool'];
  readonly options: readonly string[];
  readonly commands: ConfigCommand[];
}

function splitOptions(args: readonly string[]): { options: string[]; rest: string[] } {
  let i = 0;
  while (i < args.length && args[i]?.startsWith('-')) i++;
  return { options: args.slice(0, i), rest: args.slice(i) };
}

function groupCommands(commands: readonly ConfigCommand[]): Group[] {
  const groups: Group[] = [];
  for (const c of commands) {
    const options = c.tool === 'ip' ? splitOptions(c.args).options : [];
    const last = groups[groups.length - 1];
    if (last && last.target === c.target && last.tool === c.tool && last.options.join(' ') === options.join(' ')) {
      last.commands.push(c);
    } else {
      groups.push({ target: c.target, tool: c.tool, options, commands: [c] });
    }
  }
  return groups;
}

export async function applyConfig(
  pair: NamespacePair,
  commands: readonly ConfigCommand[],
  opts: { perCommand?: boolean } = {},
): Promise<AppliedConfig> {
  const applied: ConfigCommand[] = [];
  const rejected: RejectedCommand[] = [];
  for (const group of groupCommands(commands)) {
    const ns = group.target === 'router' ? pair.router : pair.peer;
    const failures = group.tool === 'sysctl'
      ? await runSysctls(ns, group.commands)
      : opts.perCommand ? await runIpEach(ns, pair, group) : await runIpBatch(ns, pair, group);
    group.commands.forEach((c, i) => {
      const message = failures.get(i);
      if (message === undefined) applied.push(c);
      else rejected.push({ command: c, message });
    });
  }
  await waitForLinksSettled(pair.router);
  return { applied, rejected };
}

interface LinkJson {
  readonly ifname: string;
  readonly flags: readonly string[];
  readonly operstate: string;
}

function linkSettled(l: LinkJson): boolean {
  if (l.ifname === 'lo') return true;
  if (!l.flags.includes('UP')) return l.operstate === 'DOWN';
  return l.flags.includes('LOWER_UP') ? l.operstate === 'UP' : l.operstate !== 'UP';
}

interface AddrJson {
  readonly addr_info?: readonly { readonly tentative?: boolean }[];
}

/**
 * Carrier changes reach routes (linkdown/dead next hops) and IPv6 (link-local addresses) through the
 * kernel's linkwatch work, after `ip` returned; operstate is updated by the same work. A new IPv6 address
 * stays tentative until the DAD work has run, even with DAD off. Waits until every link's operstate agrees
 * with its carrier and no IPv6 address is tentative, twice in a row.
 */
export async function waitForLinksSettled(ns: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let streak = 0;
  while (streak < 2) {
    const [l, a] = await Promise.all([
      execArgv(['ip', '-n', ns, '-j', 'link', 'show']),
      execArgv(['ip', '-n', ns, '-j', '-6', 'addr', 'show']),
    ]);
    const links = JSON.parse(l.stdout || '[]') as LinkJson[];
    const addrs = JSON.parse(a.stdout || '[]') as AddrJson[];
    const settled = links.every(linkSettled) && addrs.every((d) => !(d.addr_info ?? []).some((i) => i.tentative === true));
    streak = settled ? streak + 1 : 0;
    if (streak === 0 && Date.now() > deadline) throw new Error(`links of ${ns} did not settle: ${l.stdout} ${a.stdout}`);
    await new Promise((done) => setTimeout(done, 10));
  }
}

const substitute = (args: readonly string[], pair: NamespacePair): string[] =>
  args.map((a) => (a === PEER_NETNS_TOKEN ? pair.peer : a));

async function runIpBatch(ns: string, pair: NamespacePair, group: Group): Promise<Map<number, string>> {
  const lines = group.commands.map((c) => substitute(splitOptions(c.args).rest, pair));
  const r = await execArgv(['ip', '-n', ns, ...group.options, '-force', '-batch', '-'], formatBatch(lines));
  const parsed = parseBatchStderr(r.stderr);
  if (parsed.trailing !== '') throw new BatchAbortedError(`ip -batch aborted: ${parsed.trailing}`);
  const failures = new Map<number, string>();
  for (const [line, message] of parsed.failures) failures.set(line - 1, message);
  return failures;
}

async function runIpEach(ns: string, pair: NamespacePair, group: Group): Promise<Map<number, string>> {
  const failures = new Map<number, string>();
  for (const [i, c] of group.commands.entries()) {
    const r = await execArgv(['ip', '-n', ns, ...substitute(c.args, pair)]);
    if (r.code !== 0) failures.set(i, r.stderr.trim() || `exit status ${r.code}`);
  }
  return failures;
}

async function runSysctls(ns: string, commands: readonly ConfigCommand[]): Promise<Map<number, string>> {
  const assignments = commands.map((c) => c.args.join(' '));
  const r = await execArgv(['ip', 'netns', 'exec', ns, 'sysctl', '-q', '-w', ...assignments]);
  const failures = new Map<number, string>();
  if (r.code === 0) return failures;
  const errors = r.stderr.split('\n').filter((l) => l.trim() !== '');
  assignments.forEach((a, i) => {
    const key = a.split('=')[0] ?? a;
    const hit = errors.find((e) => e.includes(`"${key}"`) || e.includes(`/proc/sys/${key.replaceAll('.', '/')}:`));
    if (hit) failures.set(i, hit);
  });
  if (failures.size === 0) failures.set(0, r.stderr.trim() || `sysctl exit status ${r.code}`);
  return failures;
}
