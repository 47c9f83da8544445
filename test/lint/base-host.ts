// The BASE HOST of the lint docs examples (docs/lint/README.md): router namespace r and peer namespace p joined by
// veth links lan0, wan1, wan2; set up, run an example's blocks in it, capture it, delete it.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { runProgram, type ExecResult } from '../../src/host/exec.ts';
import type { Example } from './docs-pages.ts';
import { disallowed, tokenizeSh } from './docs-pages.ts';

export const NETNS_PREFIX = 'pbrd-';

/** The router's devices: name, IPv4 address/len, IPv6 address/len, the peer's (gateway's) addresses. */
const LINKS = [
  { dev: 'lan0', v4: '10.0.0.1/24', v6: '2001:db8:a::1/64', peer4: '10.0.0.2/24', peer6: '2001:db8:a::2/64' },
  { dev: 'wan1', v4: '192.0.2.2/24', v6: '2001:db8:1::2/64', peer4: '192.0.2.1/24', peer6: '2001:db8:1::1/64' },
  { dev: 'wan2', v4: '198.51.100.2/24', v6: '2001:db8:2::2/64', peer4: '198.51.100.1/24', peer6: '2001:db8:2::1/64' },
] as const;

const RT_TABLES_BUILTIN = '255\tlocal\n254\tmain\n253\tdefault\n0\tunspec\n';

export interface BaseHost {
  /** the router namespace, where examples run and which is captured */
  readonly router: string;
  readonly peer: string;
}

async function must(argv: readonly string[], input?: string): Promise<ExecResult> {
  const result = await runProgram(argv, input === undefined ? {} : { input });
  if (result.exitCode !== 0) throw new Error(`${argv.join(' ')} exited ${result.exitCode}: ${result.stderr.trim()}`);
  return result;
}

function sysctlArgs(dev: string): string[] {
  return [`net.ipv4.conf.${dev}.rp_filter=0`, `net.ipv4.conf.${dev}.log_martians=0`];
}

/** Creates the base host in namespaces `<name>-r` and `<name>-p`; on failure removes what it made and throws. */
export async function createBaseHost(name: string, rtTables: readonly string[]): Promise<BaseHost> {
  const host = { router: `${NETNS_PREFIX}${name}-r`, peer: `${NETNS_PREFIX}${name}-p` };
  try {
    // /etc/netns/<ns>/iproute2 is bind-mounted over /etc/iproute2 by `ip netns exec`: the example's names only
    mkdirSync(`/etc/netns/${host.router}/iproute2/rt_tables.d`, { recursive: true });
    writeFileSync(`/etc/netns/${host.router}/iproute2/rt_tables`, RT_TABLES_BUILTIN);
    if (rtTables.length > 0) writeFileSync(`/etc/netns/${host.router}/iproute2/rt_tables.d/example.conf`, `${rtTables.join('\n')}\n`);
    await must(['ip', 'netns', 'add', host.router]);
    await must(['ip', 'netns', 'add', host.peer]);
    const peerLines = ['link set lo up'];
    const routerLines = ['link set lo up'];
    for (const l of LINKS) {
      routerLines.push(`link add ${l.dev} type veth peer name p${l.dev} netns ${host.peer}`);
    }
    await must(['ip', '-n', host.router, '-batch', '-'], `${routerLines.join('\n')}\n`);
    for (const l of LINKS) {
      peerLines.push(`link set p${l.dev} up`, `addr add ${l.peer4} dev p${l.dev}`, `addr add ${l.peer6} dev p${l.dev} nodad`);
    }
    await must(['ip', '-n', host.peer, '-batch', '-'], `${peerLines.join('\n')}\n`);
    await must(['ip', 'netns', 'exec', host.router, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1',
      ...['all', 'default', 'lo', ...LINKS.map((l) => l.dev)].flatMap(sysctlArgs)]);
    const up: string[] = [];
    for (const l of LINKS) up.push(`link set ${l.dev} up`, `addr add ${l.v4} dev ${l.dev}`, `addr add ${l.v6} dev ${l.dev} nodad`);
    up.push('route add default via 192.0.2.1 dev wan1', 'route add ::/0 via 2001:db8:1::1 dev wan1');
    await must(['ip', '-n', host.router, '-batch', '-'], `${up.join('\n')}\n`);
    return host;
  } catch (error) {
    await deleteBaseHost(host);
    throw error;
  }
}

export async function deleteBaseHost(host: BaseHost): Promise<void> {
  for (const ns of [host.router, host.peer]) await runProgram(['ip', 'netns', 'del', ns]);
  rmSync(`/etc/netns/${host.router}`, { recursive: true, force: true });
}

const LOADERS: Readonly<Record<'nft' | 'iptables' | 'ip6tables', readonly string[]>> = {
  nft: ['nft', '-f', '-'],
  iptables: ['iptables-restore'],
  ip6tables: ['ip6tables-restore'],
};

/** Runs the example's blocks in the router namespace, in order; returns the intent of a ```yaml block (the last). */
export async function runExampleBlocks(host: BaseHost, example: Example, where: string): Promise<string | undefined> {
  let intent: string | undefined;
  const inRouter = (argv: readonly string[]): string[] => ['ip', 'netns', 'exec', host.router, ...argv];
  for (const block of example.blocks) {
    const at = (line: number): string => `${where}:${block.line + line}`;
    if (block.kind === 'yaml') {
      intent = block.text;
    } else if (block.kind === 'sh') {
      for (const { argv, line } of tokenizeSh(block.text)) {
        const reason = disallowed(argv);
        if (reason !== undefined) throw new Error(`${at(line)}: ${reason}`);
        const result = await runProgram(inRouter(argv));
        if (result.exitCode !== 0) throw new Error(`${at(line)}: \`${argv.join(' ')}\` exited ${result.exitCode}: ${result.stderr.trim()}`);
      }
    } else {
      const result = await runProgram(inRouter(LOADERS[block.kind]), { input: block.text });
      if (result.exitCode !== 0) throw new Error(`${at(0)}: ${LOADERS[block.kind].join(' ')} exited ${result.exitCode}: ${result.stderr.trim()}`);
    }
  }
  return intent;
}
