// The namespaces of the lab (client, router, three sinks), built once per run; rule sets are swapped
// in and out of the router with `nft -f` / `iptables-restore`. Names are `pbrm-<pid>-<n>-<role>` and
// are deleted whatever happens (also on SIGINT/SIGTERM).
import { execArgv, type ExecResult } from '../differential/exec.ts';
import { trackNamespaces, untrackNamespaces } from '../support/netns-registry.ts';
import {
  CLIENT_ADDR, FWMARK_RULES, REMOTE_ADDR, ROUTER_DEVICES, ROUTER_LAN_ADDR, UPLINKS, uplinkRouterAddr, uplinkSinkAddr,
} from './lab-topology.ts';

export const NAMESPACE_PREFIX = 'pbrm';

export interface Lab {
  readonly client: string;
  readonly router: string;
  /** sink namespace behind up1, up2, up3 */
  readonly sinks: readonly string[];
}

/**
 * Records on the router every TCP/UDP packet after all other chains: leaving (postrouting) or delivered (input).
 * Five parts at most: nft 1.0.6 packs a concatenation's types 6 bits each into 32 bits and loses a sixth.
 */
export const OBSERVER_TABLE = 'pbrm_observe';
const OBSERVER_SCRIPT = `table inet ${OBSERVER_TABLE} {
\tset post { type inet_service . inet_service . mark . mark . ifname; flags dynamic; }
\tset in { type inet_service . inet_service . mark . mark . ifname; flags dynamic; }
\tchain post { type filter hook postrouting priority 1000; policy accept;
\t\tmeta l4proto { tcp, udp } add @post { th sport . th dport . meta mark . ct mark . oifname }
\t}
\tchain in { type filter hook input priority 1000; policy accept;
\t\tmeta l4proto { tcp, udp } add @in { th sport . th dport . meta mark . ct mark . iifname }
\t}
}
`;

/** Records what a sink received; UDP is dropped silently so no ICMP error comes back, TCP gets the kernel's RST. */
export const SINK_TABLE = 'pbrm_sink';
const SINK_SCRIPT = `table inet ${SINK_TABLE} {
\tset got { type inet_service . inet_service; flags dynamic; }
\tchain pre { type filter hook prerouting priority -500; policy accept;
\t\tmeta l4proto { tcp, udp } add @got { th sport . th dport }
\t}
\tchain in { type filter hook input priority 0; policy accept;
\t\tmeta l4proto udp drop
\t}
}
`;

let counter = 0;

export function labNamespaces(lab: Lab): string[] {
  return [lab.client, lab.router, ...lab.sinks];
}

export async function runIn(netns: string, argv: readonly string[], input?: string): Promise<ExecResult> {
  return execArgv(['ip', 'netns', 'exec', netns, ...argv], input);
}

async function must(what: string, result: Promise<ExecResult>): Promise<string> {
  const r = await result;
  if (r.code !== 0) throw new Error(`${what} failed (${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}

export async function createLab(): Promise<Lab> {
  const id = `${NAMESPACE_PREFIX}-${process.pid}-${counter++}`;
  const lab: Lab = { client: `${id}-c`, router: `${id}-r`, sinks: UPLINKS.map((_, i) => `${id}-s${i + 1}`) };
  trackNamespaces(labNamespaces(lab));
  try {
    await setupLab(lab);
  } catch (e) {
    await destroyLab(lab);
    throw e;
  }
  return lab;
}

async function setupLab(lab: Lab): Promise<void> {
  await must('ip netns add', execArgv(['ip', '-batch', '-'], labNamespaces(lab).map((n) => `netns add ${n}\n`).join('')));
  const r = lab.router;
  const routerBatch = [
    `link add lan address ${mac(0, 1)} type veth peer name eth0 address ${mac(0, 2)} netns ${lab.client}`,
    ...UPLINKS.map((up, i) => `link add ${up} address ${mac(i + 1, 1)} type veth peer name eth0 address ${mac(i + 1, 2)} netns ${lab.sinks[i] as string}`),
    'link set lo up',
    ...ROUTER_DEVICES.map((d) => `link set ${d} up`),
    `addr add ${ROUTER_LAN_ADDR}/24 dev lan`,
    ...UPLINKS.map((up, i) => `addr add ${uplinkRouterAddr(i)}/24 dev ${up}`),
    `route add default via ${uplinkSinkAddr(0)} dev up1`,
    `route add default via ${uplinkSinkAddr(1)} dev up2 table 101`,
    `route add default via ${uplinkSinkAddr(2)} dev up3 table 102`,
    'route add unreachable default table 103',
    // permanent neighbours: no ARP, so the first probe of a rule set goes out at once
    `neigh add ${CLIENT_ADDR} lladdr ${mac(0, 2)} dev lan nud permanent`,
    ...UPLINKS.map((up, i) => `neigh add ${uplinkSinkAddr(i)} lladdr ${mac(i + 1, 2)} dev ${up} nud permanent`),
    ...FWMARK_RULES.map((x) => `rule add pref ${x.pref} fwmark 0x${x.fwmark.toString(16)}/0x${x.mask.toString(16)} lookup ${x.table}`),
  ];
  await must('router setup', execArgv(['ip', '-n', r, '-batch', '-'], `${routerBatch.join('\n')}\n`));
  await must('client setup', execArgv(['ip', '-n', lab.client, '-batch', '-'], [
    'link set lo up', 'link set eth0 up', `addr add ${CLIENT_ADDR}/24 dev eth0`, `route add default via ${ROUTER_LAN_ADDR}`,
    `neigh add ${ROUTER_LAN_ADDR} lladdr ${mac(0, 1)} dev eth0 nud permanent`,
  ].join('\n') + '\n'));
  await Promise.all(lab.sinks.map((s, i) => must(`sink ${i + 1} setup`, execArgv(['ip', '-n', s, '-batch', '-'], [
    'link set lo up', 'link set eth0 up', `addr add ${REMOTE_ADDR}/32 dev lo`, `addr add ${uplinkSinkAddr(i)}/24 dev eth0`,
    `route add default via ${uplinkRouterAddr(i)}`,
    `neigh add ${uplinkRouterAddr(i)} lladdr ${mac(i + 1, 1)} dev eth0 nud permanent`,
  ].join('\n') + '\n'))));
  // rp_filter and friends come from init_net's all/default: pin them so the lab does not depend on the host
  const sysctls = [
    'net.ipv4.ip_forward=1', 'net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.default.rp_filter=0',
    ...ROUTER_DEVICES.map((d) => `net.ipv4.conf.${d}.rp_filter=0`),
    'net.ipv4.conf.all.src_valid_mark=0', 'net.ipv4.fwmark_reflect=0', 'net.ipv4.tcp_fwmark_accept=0',
  ];
  await must('router sysctls', runIn(r, ['sysctl', '-q', '-w', ...sysctls]));
  for (const s of lab.sinks) {
    await must('sink sysctls', runIn(s, ['sysctl', '-q', '-w', 'net.ipv4.ip_forward=0', 'net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.default.rp_filter=0', 'net.ipv4.conf.eth0.rp_filter=0']));
    await must('sink table', runIn(s, ['nft', '-f', '-'], SINK_SCRIPT));
  }
  await must('client sysctls', runIn(lab.client, ['sysctl', '-q', '-w', 'net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.eth0.rp_filter=0']));
}

/** Link-layer address of one end of a veth: link 0 is lan, 1–3 the uplinks; end 1 is the router's. */
function mac(link: number, end: 1 | 2): string {
  return `02:00:00:00:${link.toString(16).padStart(2, '0')}:0${end}`;
}

export async function destroyLab(lab: Lab): Promise<void> {
  await execArgv(['ip', '-force', '-batch', '-'], labNamespaces(lab).map((n) => `netns del ${n}\n`).join(''));
  untrackNamespaces(labNamespaces(lab));
}

export async function withLab<T>(body: (lab: Lab) => Promise<T>): Promise<T> {
  const lab = await createLab();
  try {
    return await body(lab);
  } finally {
    await destroyLab(lab);
  }
}

/** Replaces the router's whole ruleset (nft and iptables-nft alike) with `text`; the kernel's complaint when it refuses. */
export async function applyRuleset(lab: Lab, syntax: 'nft' | 'iptables', text: string): Promise<string | undefined> {
  if (syntax === 'nft') {
    const r = await runIn(lab.router, ['nft', '-f', '-'], `flush ruleset\n${text}`);
    return r.code === 0 ? undefined : r.stderr.trim();
  }
  await must('nft flush ruleset', runIn(lab.router, ['nft', 'flush', 'ruleset']));
  const r = await runIn(lab.router, ['iptables-restore'], text);
  return r.code === 0 ? undefined : r.stderr.trim();
}

/** Adds the observer table to the router and empties the sinks' records. */
export async function armObservers(lab: Lab): Promise<void> {
  await must('observer table', runIn(lab.router, ['nft', '-f', '-'], OBSERVER_SCRIPT));
  await Promise.all(lab.sinks.map((s) => must('sink flush', runIn(s, ['nft', 'flush', 'set', 'inet', SINK_TABLE, 'got']))));
}

export async function readObserver(lab: Lab): Promise<unknown> {
  return JSON.parse(await must('read observer', runIn(lab.router, ['nft', '-j', 'list', 'table', 'inet', OBSERVER_TABLE]))) as unknown;
}

export async function readSinks(lab: Lab): Promise<unknown[]> {
  return Promise.all(lab.sinks.map(async (s) => JSON.parse(await must('read sink', runIn(s, ['nft', '-j', 'list', 'set', 'inet', SINK_TABLE, 'got']))) as unknown));
}



/** Why the lab cannot run here, or undefined when it can. */
export async function labUnavailableReason(): Promise<string | undefined> {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'not root (ip netns needs CAP_SYS_ADMIN)';
  for (const tool of [['nft', '--version'], ['iptables-restore', '--version']]) {
    const r = await execArgv(tool).catch((e: unknown) => ({ code: 127, stdout: '', stderr: String(e) }));
    if (r.code !== 0) return `${tool[0] as string} is not usable: ${r.stderr.trim()}`;
  }
  try {
    await withLab(async () => undefined);
    return undefined;
  } catch (e) {
    return `the namespace lab cannot be built: ${(e as Error).message}`;
  }
}
