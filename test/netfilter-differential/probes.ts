// The packets sent through each rule set, and how they are sent: one short-lived node process per
// sending namespace opens every probe's socket (TCP connect → SYN, the sink's RST is the reply;
// UDP one datagram, the sink drops it), waits, and closes them before any retransmission.
import type { Random } from '../differential/prng.ts';
import { execArgv } from '../differential/exec.ts';
import { CLIENT_ADDR, PROBE_PORTS, REMOTE_ADDR, ROUTER_LAN_ADDR } from './lab-topology.ts';
import type { Lab } from './lab.ts';

/** forward: client → router → uplink; local: generated on the router; inbound: client → the router itself. */
export type ProbeKind = 'forward' | 'local' | 'inbound';

export interface Probe {
  readonly kind: ProbeKind;
  readonly proto: 'tcp' | 'udp';
  /** unique within a lab's life: it names the probe in the observers' records */
  readonly sport: number;
  readonly dport: number;
}

export function probeSource(p: Probe): string | undefined {
  return p.kind === 'local' ? undefined : CLIENT_ADDR;
}

export function probeDestination(p: Probe): string {
  return p.kind === 'inbound' ? ROUTER_LAN_ADDR : REMOTE_ADDR;
}

/** TCP probes get an answer (RST) from whatever receives them; UDP ones do not. */
export function expectsReply(p: Probe): boolean {
  return p.proto === 'tcp';
}

export function describeProbe(p: Probe): string {
  const from = p.kind === 'local' ? 'router (local)' : `${CLIENT_ADDR} iif lan`;
  return `${p.kind} ${p.proto} ${from}:${p.sport} → ${probeDestination(p)}:${p.dport}`;
}

const PLAN: readonly (readonly [ProbeKind, 'tcp' | 'udp', number])[] = [
  ['forward', 'tcp', 8], ['forward', 'udp', 3], ['local', 'tcp', 4], ['local', 'udp', 2], ['inbound', 'tcp', 3], ['inbound', 'udp', 1],
];

/** Allocates source ports: 20000…59999, then around again (conntrack entries of a lap ago are long gone). */
export class PortAllocator {
  private next = 20000;
  take(): number {
    const port = this.next;
    this.next = this.next >= 59999 ? 20000 : this.next + 1;
    return port;
  }
}

export function planProbes(rnd: Random, ports: PortAllocator): Probe[] {
  const probes: Probe[] = [];
  for (const [kind, proto, n] of PLAN) {
    const dports = n >= PROBE_PORTS.length ? [...PROBE_PORTS] : rnd.sample(PROBE_PORTS, n);
    for (const base of dports) {
      // one port off now and then, to land just outside a generated range
      const dport = base + rnd.weighted([[8, 0], [1, 1], [1, -1]] as const);
      probes.push({ kind, proto, sport: ports.take(), dport });
    }
  }
  return probes;
}

const SENDER = `
const net = require('node:net');
const dgram = require('node:dgram');
const [probes, waitMs] = JSON.parse(process.argv[1]);
const open = [];
for (const p of probes) {
  if (p.proto === 'tcp') {
    const s = net.connect({ host: p.dst, port: p.dport, localPort: p.sport });
    s.on('error', () => {});
    open.push(() => s.destroy());
  } else {
    const s = dgram.createSocket('udp4');
    s.on('error', () => {});
    s.bind(p.sport, () => s.send('pbrm', p.dport, p.dst, () => {}));
    open.push(() => s.close());
  }
}
setTimeout(() => { for (const close of open) { try { close(); } catch {} } process.exit(0); }, waitMs);
`;

/** Sends every probe from its namespace (client and router at once) and waits for the replies to land. */
export async function sendProbes(lab: Lab, probes: readonly Probe[], waitMs = 250): Promise<void> {
  const byNetns = new Map<string, { proto: string; dst: string; sport: number; dport: number }[]>();
  for (const p of probes) {
    const ns = p.kind === 'local' ? lab.router : lab.client;
    const list = byNetns.get(ns) ?? [];
    list.push({ proto: p.proto, dst: probeDestination(p), sport: p.sport, dport: p.dport });
    byNetns.set(ns, list);
  }
  await Promise.all([...byNetns].map(async ([ns, list]) => {
    const r = await execArgv(['ip', 'netns', 'exec', ns, process.execPath, '-e', SENDER, JSON.stringify([list, waitMs])]);
    if (r.code !== 0) throw new Error(`probe sender in ${ns} failed (${r.code}): ${r.stderr.trim()}`);
  }));
}
