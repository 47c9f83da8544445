// The end-to-end lab: six network namespaces joined by veth pairs, a two-uplink router in the middle.
//
//   client ──eth0── lan ┐        ┌ wan1 ──cust── isp1 ──core── isp1 ┐
//   10.0.0.2            │ router │ 192.0.2.2    192.0.2.1    100.64.1.1/.2 │ server 203.0.113.10 (lo)
//   2001:db8:a::2       │        │ 2001:db8:1::2 …1::1       fd00:1::1/::2 │        2001:db8:ff::10
//           10.0.0.1/24 ┘        └ wan2 ──cust── isp2 ──core── isp2 ┘
//        2001:db8:a::1/64          198.51.100.2 198.51.100.1   100.64.2.1/.2
//                                  2001:db8:2::2 …2::1       fd00:2::1/::2
//
// The router's main tables have their default via isp1; table 200 has its default via isp2 (and the lan and
// wan2 subnets), chosen by `ip rule pref 1000 fwmark 0x1 lookup 200` (both families). The ISPs forward to the
// server and back, and drop what comes up from the router with a source outside their customer's subnet
// (BCP 38), counting it; the server routes each ISP's customer subnet back through that ISP, so the source
// address it sees (after the router's masquerade) names the uplink a packet took.
import { programExists, runProgram, type ExecResult } from '../../src/host/exec.ts';
import { trackNamespaces, untrackNamespaces } from '../support/netns-registry.ts';

export const NODES = ['client', 'router', 'isp1', 'isp2', 'server'] as const;
export type LabNode = (typeof NODES)[number];

export const NAMESPACE_PREFIX = 'pbre';

export const ADDR = {
  client: '10.0.0.2',
  routerLan: '10.0.0.1',
  routerWan1: '192.0.2.2',
  isp1: '192.0.2.1',
  routerWan2: '198.51.100.2',
  isp2: '198.51.100.1',
  server: '203.0.113.10',
} as const;

export const ADDR6 = {
  client: '2001:db8:a::2',
  routerLan: '2001:db8:a::1',
  routerWan1: '2001:db8:1::2',
  isp1: '2001:db8:1::1',
  routerWan2: '2001:db8:2::2',
  isp2: '2001:db8:2::1',
  server: '2001:db8:ff::10',
} as const;

/** The routing table `fwmark 0x1` selects on the router: default via isp2. */
export const ISP2_TABLE = 200;
export const ISP2_RULE_PREF = 1000;

export interface Lab {
  readonly id: string;
  /** namespace name of each node */
  readonly ns: Readonly<Record<LabNode, string>>;
}

const NFT_MASQUERADE_TABLE = (family: 'ip' | 'ip6'): string => `table ${family} nat {
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "wan1" masquerade
    oifname "wan2" masquerade
  }
}
`;

/** The masquerade on both uplinks, as an nft ruleset (tables `ip nat` and `ip6 nat`, as the nftables wiki writes them). */
export const NFT_MASQUERADE = NFT_MASQUERADE_TABLE('ip') + NFT_MASQUERADE_TABLE('ip6');

/** The masquerade on both uplinks, as an iptables-restore (and ip6tables-restore) `nat` table. */
export const IPTABLES_MASQUERADE = `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A POSTROUTING -o wan1 -j MASQUERADE
-A POSTROUTING -o wan2 -j MASQUERADE
COMMIT
`;

/**
 * BCP 38 on an ISP, with the counters the tests read. With `flowPort` the counters count only packets with
 * that source or destination port or ICMP echo id (one exchange), so retransmissions of earlier cases don't count.
 */
function ispRuleset(customer: { readonly v4: string; readonly v6: string }, flowPort?: number): string {
  const flow = flowPort === undefined ? [''] : [`th sport ${flowPort} `, `th dport ${flowPort} `, `icmp id ${flowPort} `];
  const each = (rule: (match: string) => string): string => flow.map((match) => `    ${rule(match)}\n`).join('');
  return `flush ruleset
table inet isp {
  counter from_router {}
  counter spoofed {}
  counter to_router {}
  chain prerouting {
    type filter hook prerouting priority raw; policy accept;
${each((m) => `iifname "cust" ${m}counter name "from_router"`)}  }
  chain forward {
    type filter hook forward priority filter; policy accept;
${each((m) => `iifname "cust" ip saddr != ${customer.v4} ${m}counter name "spoofed" drop`)}${each((m) => `iifname "cust" ip6 saddr != ${customer.v6} ${m}counter name "spoofed" drop`)}    iifname "cust" ip saddr != ${customer.v4} drop
    iifname "cust" ip6 saddr != ${customer.v6} drop
${each((m) => `oifname "cust" ${m}counter name "to_router"`)}  }
}
`;
}

const CUSTOMER_SUBNET = {
  isp1: { v4: '192.0.2.0/24', v6: '2001:db8:1::/64' },
  isp2: { v4: '198.51.100.0/24', v6: '2001:db8:2::/64' },
} as const;

let counter = 0;



async function must(argv: readonly string[], options: { netns?: string; input?: string } = {}): Promise<ExecResult> {
  const result = await runProgram(argv, options);
  if (result.exitCode !== 0) {
    throw new Error(`${result.argv.join(' ')} exited ${result.exitCode}: ${result.stderr.trim()}${options.input ? `\ninput:\n${options.input}` : ''}`);
  }
  return result;
}

/** Runs `ip -n NS -batch -` with these lines. */
async function ipBatch(netns: string, lines: readonly string[]): Promise<void> {
  await must(['ip', '-n', netns, '-batch', '-'], { input: `${lines.join('\n')}\n` });
}

/** Runs argv inside a node's namespace; a non-zero exit throws. */
export function runIn(lab: Lab, node: LabNode, argv: readonly string[], input?: string): Promise<ExecResult> {
  return must(argv, { netns: lab.ns[node], ...(input === undefined ? {} : { input }) });
}

/** Sets sysctls in a node's namespace, e.g. `{ 'net.ipv4.conf.wan2.rp_filter': 1 }`. */
export async function setSysctls(lab: Lab, node: LabNode, values: Readonly<Record<string, string | number>>): Promise<void> {
  const words = Object.entries(values).map(([key, value]) => `${key}=${value}`);
  if (words.length > 0) await runIn(lab, node, ['sysctl', '-qw', ...words]);
}

/** Replaces the router's whole nftables ruleset (iptables-nft tables included). */
export async function applyNft(lab: Lab, ruleset: string): Promise<void> {
  await runIn(lab, 'router', ['nft', '-f', '-'], `flush ruleset\n${ruleset}`);
}

/**
 * Empties the router's firewall, then loads one iptables-restore file with both iptables-restore and
 * ip6tables-restore (iptables' default, nf_tables, variant); the rules must suit both families.
 */
export async function applyIptables(lab: Lab, rules: string): Promise<void> {
  await runIn(lab, 'router', ['nft', 'flush', 'ruleset']);
  await runIn(lab, 'router', ['iptables-restore'], rules);
  await runIn(lab, 'router', ['ip6tables-restore'], rules);
}

/** The router's sysctls as the lab sets them; a case changes some and `resetRouter` puts these back. */
export const ROUTER_SYSCTLS: Readonly<Record<string, number>> = {
  'net.ipv4.ip_forward': 1,
  'net.ipv6.conf.all.forwarding': 1,
  'net.ipv4.conf.all.rp_filter': 0,
  'net.ipv4.conf.default.rp_filter': 0,
  'net.ipv4.conf.lan.rp_filter': 0,
  'net.ipv4.conf.wan1.rp_filter': 0,
  'net.ipv4.conf.wan2.rp_filter': 0,
  'net.ipv4.conf.all.src_valid_mark': 0,
  'net.ipv4.conf.all.log_martians': 0,
  'net.ipv4.tcp_fwmark_accept': 0,
  'net.ipv4.fwmark_reflect': 0,
};

/**
 * Puts the router back to the lab's state: no firewall, the lab's sysctls. Conntrack entries stay (there is
 * no flush without the conntrack tool), so every case uses its own ports.
 */
export async function resetRouter(lab: Lab): Promise<void> {
  await runIn(lab, 'router', ['nft', 'flush', 'ruleset']);
  await setSysctls(lab, 'router', ROUTER_SYSCTLS);
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Deletes the namespaces of labs whose process died without cleaning up (SIGKILL). */
async function deleteOrphanedLabs(): Promise<void> {
  const listed = await runProgram(['ip', 'netns', 'list']);
  const orphans = listed.stdout.split('\n').map((line) => line.split(' ')[0] ?? '').filter((name) => {
    const pid = new RegExp(`^${NAMESPACE_PREFIX}-(\\d+)-`).exec(name)?.[1];
    return pid !== undefined && Number(pid) !== process.pid && !processIsAlive(Number(pid));
  });
  if (orphans.length > 0) await runProgram(['ip', '-force', '-batch', '-'], { input: orphans.map((n) => `netns del ${n}\n`).join('') });
}

/** Creates the lab. On failure everything created so far is deleted before the error is thrown. */
export async function createLab(): Promise<Lab> {
  await deleteOrphanedLabs();
  const id = `${NAMESPACE_PREFIX}-${process.pid}-${counter++}`;
  const ns = Object.fromEntries(NODES.map((node) => [node, `${id}-${node}`])) as Record<LabNode, string>;
  const lab: Lab = { id, ns };
  trackNamespaces(Object.values(ns));
  try {
    await must(['ip', '-batch', '-'], { input: Object.values(ns).map((n) => `netns add ${n}\n`).join('') });
    // no duplicate address detection on the links to come: tentative link-local addresses delay the first packets
    await Promise.all(NODES.map((node) => setSysctls(lab, node, { 'net.ipv6.conf.default.accept_dad': 0, 'net.ipv6.conf.all.accept_dad': 0 })));
    await ipBatch(ns.router, [
      `link add lan type veth peer name eth0 netns ${ns.client}`,
      `link add wan1 type veth peer name cust netns ${ns.isp1}`,
      `link add wan2 type veth peer name cust netns ${ns.isp2}`,
    ]);
    await ipBatch(ns.server, [
      `link add isp1 type veth peer name core netns ${ns.isp1}`,
      `link add isp2 type veth peer name core netns ${ns.isp2}`,
    ]);
    await Promise.all([
      ipBatch(ns.client, [
        'link set lo up', 'link set eth0 up', 'addr add 10.0.0.2/24 dev eth0', 'route add default via 10.0.0.1',
        'addr add 2001:db8:a::2/64 dev eth0 nodad', 'route add default via 2001:db8:a::1',
      ]),
      ipBatch(ns.router, [
        'link set lo up', 'link set lan up', 'link set wan1 up', 'link set wan2 up',
        'addr add 10.0.0.1/24 dev lan', 'addr add 192.0.2.2/24 dev wan1', 'addr add 198.51.100.2/24 dev wan2',
        'route add default via 192.0.2.1 dev wan1',
        `route add default via 198.51.100.1 dev wan2 table ${ISP2_TABLE}`,
        `route add 10.0.0.0/24 dev lan table ${ISP2_TABLE}`,
        `route add 198.51.100.0/24 dev wan2 table ${ISP2_TABLE}`,
        `rule add pref ${ISP2_RULE_PREF} fwmark 0x1 lookup ${ISP2_TABLE}`,
        'addr add 2001:db8:a::1/64 dev lan nodad', 'addr add 2001:db8:1::2/64 dev wan1 nodad', 'addr add 2001:db8:2::2/64 dev wan2 nodad',
        'route add default via 2001:db8:1::1 dev wan1',
        `route add default via 2001:db8:2::1 dev wan2 table ${ISP2_TABLE}`,
        `route add 2001:db8:a::/64 dev lan table ${ISP2_TABLE}`,
        `route add 2001:db8:2::/64 dev wan2 table ${ISP2_TABLE}`,
      ]).then(() => must(['ip', '-n', ns.router, '-6', 'rule', 'add', 'pref', String(ISP2_RULE_PREF), 'fwmark', '0x1', 'lookup', String(ISP2_TABLE)])),
      ...(['isp1', 'isp2'] as const).map((isp, i) => ipBatch(ns[isp], [
        'link set lo up', 'link set cust up', 'link set core up',
        `addr add ${isp === 'isp1' ? '192.0.2.1/24' : '198.51.100.1/24'} dev cust`,
        `addr add 100.64.${i + 1}.1/30 dev core`,
        `route add ${ADDR.server}/32 via 100.64.${i + 1}.2 dev core`,
        `addr add ${isp === 'isp1' ? '2001:db8:1::1/64' : '2001:db8:2::1/64'} dev cust nodad`,
        `addr add fd00:${i + 1}::1/64 dev core nodad`,
        `route add ${ADDR6.server}/128 via fd00:${i + 1}::2 dev core`,
      ])),
      ipBatch(ns.server, [
        'link set lo up', 'link set isp1 up', 'link set isp2 up',
        `addr add ${ADDR.server}/32 dev lo`,
        'addr add 100.64.1.2/30 dev isp1', 'addr add 100.64.2.2/30 dev isp2',
        'route add 192.0.2.0/24 via 100.64.1.1 dev isp1 src 203.0.113.10',
        'route add 198.51.100.0/24 via 100.64.2.1 dev isp2 src 203.0.113.10',
        // nodad: without it the address stays tentative until a work item runs, and `src` below may refuse it
        `addr add ${ADDR6.server}/128 dev lo nodad`,
        'addr add fd00:1::2/64 dev isp1 nodad', 'addr add fd00:2::2/64 dev isp2 nodad',
        `route add 2001:db8:1::/64 via fd00:1::1 dev isp1 src ${ADDR6.server}`,
        `route add 2001:db8:2::/64 via fd00:2::1 dev isp2 src ${ADDR6.server}`,
      ]),
    ]);
    await Promise.all([
      setSysctls(lab, 'router', ROUTER_SYSCTLS),
      ...(['isp1', 'isp2'] as const).map((isp) => setSysctls(lab, isp, {
        'net.ipv4.ip_forward': 1, 'net.ipv6.conf.all.forwarding': 1, 'net.ipv4.conf.all.rp_filter': 0, 'net.ipv4.conf.cust.rp_filter': 0, 'net.ipv4.conf.core.rp_filter': 0,
      })),
      setSysctls(lab, 'server', { 'net.ipv4.conf.all.rp_filter': 0, 'net.ipv4.conf.isp1.rp_filter': 0, 'net.ipv4.conf.isp2.rp_filter': 0 }),
      watchFlow(lab),
    ]);
  } catch (error) {
    await destroyLab(lab);
    throw error;
  }
  return lab;
}

/** Deletes every namespace of the lab (processes still inside keep theirs alive until they exit). */
export async function destroyLab(lab: Lab): Promise<void> {
  await runProgram(['ip', '-force', '-batch', '-'], { input: Object.values(lab.ns).map((n) => `netns del ${n}\n`).join('') });
  untrackNamespaces(Object.values(lab.ns));
}

/** Creates a lab, runs body, and deletes the lab whatever happens. */
export async function withLab<T>(body: (lab: Lab) => Promise<T>): Promise<T> {
  const lab = await createLab();
  try {
    return await body(lab);
  } finally {
    await destroyLab(lab);
  }
}

export interface IspCounters {
  /** packets that arrived from the router */
  readonly fromRouter: number;
  /** of those, dropped for a source outside the router's subnet on this ISP */
  readonly spoofed: number;
  /** packets forwarded down to the router */
  readonly toRouter: number;
}

/** Reads an ISP's packet counters. */
export async function readIspCounters(lab: Lab, isp: 'isp1' | 'isp2'): Promise<IspCounters> {
  const result = await runIn(lab, isp, ['nft', '-j', 'list', 'counters', 'table', 'inet', 'isp']);
  const doc = JSON.parse(result.stdout) as { nftables: { counter?: { name: string; packets: number } }[] };
  const packets = (name: string): number => doc.nftables.find((o) => o.counter?.name === name)?.counter?.packets ?? Number.NaN;
  return { fromRouter: packets('from_router'), spoofed: packets('spoofed'), toRouter: packets('to_router') };
}

/** Reloads both ISPs' rulesets with zeroed counters that count only packets to or from `port` (all without). */
export async function watchFlow(lab: Lab, port?: number): Promise<void> {
  await Promise.all((['isp1', 'isp2'] as const).map((isp) => runIn(lab, isp, ['nft', '-f', '-'], ispRuleset(CUSTOMER_SUBNET[isp], port))));
}

/** The ct mark of the router's conntrack entry whose original direction has this source port or ICMP id (from /proc/net/nf_conntrack). */
export async function readCtMark(lab: Lab, sport: number): Promise<number | undefined> {
  const table = await runIn(lab, 'router', ['cat', '/proc/net/nf_conntrack']);
  for (const line of table.stdout.split('\n')) {
    // the first sport= (id= for ICMP) is the original direction's
    if (/ (?:sport|id)=(\d+) /.exec(line)?.[1] !== String(sport)) continue;
    const mark = / mark=(\d+) /.exec(line)?.[1];
    if (mark !== undefined) return Number(mark);
  }
  return undefined;
}

/** Why the lab cannot be built here, or undefined when it can (tries a namespace and a veth pair). */
export async function labUnavailableReason(): Promise<string | undefined> {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'not root (network namespaces need root)';
  const name = `${NAMESPACE_PREFIX}-${process.pid}-probe`;
  trackNamespaces([name]);
  try {
    const added = await runProgram(['ip', 'netns', 'add', name]).catch((error: Error) => ({ exitCode: -1, stderr: error.message }));
    if (added.exitCode !== 0) return `ip netns add failed: ${added.stderr.trim()}`;
    const veth = await runProgram(['ip', '-n', name, 'link', 'add', 'a0', 'type', 'veth', 'peer', 'name', 'a1']);
    if (veth.exitCode !== 0) return `veth pairs are unusable: ${veth.stderr.trim()}`;
    for (const tool of ['nft', 'iptables-restore', 'setpriv']) {
      if (!(await programExists(tool))) return `${tool} is not installed`;
    }
    return undefined;
  } finally {
    await runProgram(['ip', 'netns', 'del', name]);
    untrackNamespaces([name]);
  }
}
