// The lab cases: a router firewall (nftables or iptables), sysctls, one exchange of real packets, what the
// kernel did with them, and the `pbr trace` that must say the same.
import { ADDR, ADDR6, IPTABLES_MASQUERADE, NFT_MASQUERADE, type LabNode } from './lab.ts';
import type { ExchangeOptions } from './traffic.ts';

export type Flavour = 'nft' | 'iptables';
export type Uplink = 'wan1' | 'wan2';

/** What the real packets did. */
export interface ExpectedObservation {
  /** the exchange completed (TCP connected and answered, UDP answered) */
  readonly ok: boolean;
  /** the one uplink the router's packets toward the far side left by (from the ISPs' counters) */
  readonly uplink: Uplink;
  /** the one uplink the far side's packets toward the router came in by */
  readonly returnUplink: Uplink;
  /** source address the far side saw, when it saw anything */
  readonly seenPeer?: string;
  /** the ISP dropped the router's packets for their source address (BCP 38) */
  readonly spoofed?: boolean;
  /** ct mark of the router's conntrack entry for the connection (0 unless a case says otherwise) */
  readonly ctMark?: number;
}

/** How a trace ends, in the terms of JourneyOutcome.disposition. */
export interface ExpectedFate {
  readonly kind: 'forwarded' | 'sent' | 'delivered' | 'dropped';
  /** egress device (forwarded, sent) */
  readonly dev?: string;
  /** source address as the packet leaves (after NAT) */
  readonly src?: string;
  /** destination address as the packet leaves or arrives (after NAT) */
  readonly dst?: string;
  /** who dropped it */
  readonly by?: string;
}

export interface LabCase {
  readonly name: string;
  readonly flavour: Flavour;
  /** nft ruleset or iptables-restore file for the router (masquerade included) */
  readonly firewall: string;
  readonly sysctls?: Readonly<Record<string, number>>;
  /** the node that starts the exchange and what it sends; every case has its own source port */
  readonly from: LabNode;
  readonly traffic: ExchangeOptions & { readonly sport: number };
  readonly expect: ExpectedObservation;
  /** `pbr trace` words for the router's view of the first packet (the source port is added) */
  readonly trace: readonly string[];
  readonly traceRequest: ExpectedFate;
  readonly traceReply: ExpectedFate;
}

type LabAddresses = { readonly [K in keyof typeof ADDR]: string };

/** An nft `inet pbr` table with these chains, after the masquerade. */
function nft(chains: string): string {
  return `${NFT_MASQUERADE}table inet pbr {\n${chains}}\n`;
}

/** An iptables-restore file: a mangle (and optionally filter) table, then the masquerade. */
function iptables(mangle: readonly string[], filter: readonly string[] = []): string {
  const table = (name: string, chains: readonly string[], rules: readonly string[]): string =>
    `*${name}\n${chains.map((c) => `:${c} ACCEPT [0:0]\n`).join('')}${rules.map((r) => `${r}\n`).join('')}COMMIT\n`;
  return (
    table('mangle', ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'], mangle) +
    (filter.length > 0 ? table('filter', ['INPUT', 'FORWARD', 'OUTPUT'], filter) : '') +
    IPTABLES_MASQUERADE
  );
}

const SSH_MARK_NFT = `  chain prerouting {
    type filter hook prerouting priority mangle; policy accept;
    iifname "lan" tcp dport 22 meta mark set 0x1
  }
`;
const SSH_MARK_IPT = ['-A PREROUTING -i lan -p tcp -m tcp --dport 22 -j MARK --set-xmark 0x1/0xffffffff'];

/** (d) with src_valid_mark: the mark is saved in the connection and restored on the reply before routing. */
const SSH_CONNMARK_NFT = `  chain prerouting {
    type filter hook prerouting priority mangle; policy accept;
    iifname "lan" tcp dport 22 meta mark set 0x1 ct mark set meta mark
    iifname "wan2" meta mark set ct mark
  }
`;
const SSH_CONNMARK_IPT = [
  ...SSH_MARK_IPT,
  '-A PREROUTING -i lan -p tcp -m tcp --dport 22 -j CONNMARK --save-mark',
  '-A PREROUTING -i wan2 -j CONNMARK --restore-mark',
];

const ICMP_MARK_NFT = `  chain prerouting {
    type filter hook prerouting priority mangle; policy accept;
    iifname "lan" meta l4proto icmp meta mark set 0x1
  }
`;
const ICMP_MARK_IPT = ['-A PREROUTING -i lan -p icmp -j MARK --set-xmark 0x1/0xffffffff'];

const FORWARDED_SSH = { proto: 'tcp', to: ADDR.server, port: 22 } as const;
const TRACE_SSH = [ADDR.server, 'from', ADDR.client, 'iif', 'lan', 'proto', 'tcp', 'dport', '22'];
const VIA_WAN2 = { kind: 'forwarded', dev: 'wan2', src: ADDR.routerWan2, dst: ADDR.server } as const;
const BACK_TO_CLIENT = { kind: 'forwarded', dev: 'lan', src: ADDR.server, dst: ADDR.client } as const;
const RP_FILTER_DROP = { kind: 'dropped', dev: 'wan2', by: 'rp_filter' } as const;

/** Router-originated UDP to the server's port 5001; the rules mark it by that port or by the sender's uid. */
const OUTPUT_PORT = 5001;
const UID = 1000;
const outputChain = (type: 'route' | 'filter', match: string): string => `  chain output {
    type ${type} hook output priority mangle; policy accept;
    ${match} meta mark set 0x1
  }
`;
const ROUTER_UDP = { proto: 'udp', to: ADDR.server, port: OUTPUT_PORT } as const;
const TRACE_ROUTER_UDP = [ADDR.server, '--from-local', 'proto', 'udp', 'dport', String(OUTPUT_PORT)];
/** the server's answer, delivered to the router's socket (bound to `dst`) after arriving on this uplink */
const answerOn = (dev: Uplink, dst: string = ADDR.routerWan1, src: string = ADDR.server): ExpectedFate => ({ kind: 'delivered', dev, src, dst });

/** (c) the server connects to a service on the router's wan2 address. */
const SERVICE_PORT = 8080;
const INBOUND = { proto: 'tcp', to: ADDR.routerWan2, port: SERVICE_PORT } as const;
const TRACE_INBOUND = [ADDR.routerWan2, 'from', ADDR.server, 'iif', 'wan2', 'proto', 'tcp', 'dport', String(SERVICE_PORT)];
const INBOUND_DELIVERED = { kind: 'delivered', dev: 'wan2', src: ADDR.server, dst: ADDR.routerWan2 } as const;
const inboundReplyVia = (dev: Uplink, a: LabAddresses = ADDR): ExpectedFate => ({ kind: 'sent', dev, src: a.routerWan2, dst: a.server });
const INBOUND_CONNMARK_NFT = `  chain prerouting {
    type filter hook prerouting priority mangle; policy accept;
    iifname "wan2" ct state new ct mark set 0x1
  }
  chain output {
    type route hook output priority mangle; policy accept;
    meta mark set ct mark
  }
`;
const INBOUND_CONNMARK_IPT = [
  '-A PREROUTING -i wan2 -m conntrack --ctstate NEW -j CONNMARK --set-xmark 0x1/0xffffffff',
  '-A OUTPUT -j CONNMARK --restore-mark --nfmask 0xffffffff --ctmask 0xffffffff',
];

const STRICT = { 'net.ipv4.conf.all.rp_filter': 1 };
const LOOSE = { 'net.ipv4.conf.all.rp_filter': 2 };

/** The first source port (ICMP: echo id); case i uses FIRST_SPORT + i. */
const FIRST_SPORT = 41000;

type CaseWithoutPort = Omit<LabCase, 'traffic'> & { readonly traffic: ExchangeOptions };

function casesFor(flavour: Flavour): LabCase[] {
  const pick = <T>(n: T, i: T): T => (flavour === 'nft' ? n : i);
  const sshMark = pick(nft(SSH_MARK_NFT), iptables(SSH_MARK_IPT));
  const cases: CaseWithoutPort[] = [
    {
      name: '(a) a prerouting mark steers forwarded ssh to wan2',
      flavour, firewall: sshMark, from: 'client', traffic: FORWARDED_SSH,
      expect: { ok: true, uplink: 'wan2', returnUplink: 'wan2', seenPeer: ADDR.routerWan2 },
      trace: TRACE_SSH, traceRequest: VIA_WAN2, traceReply: BACK_TO_CLIENT,
    },
    {
      name: '(a) other tcp stays on wan1',
      flavour, firewall: sshMark, from: 'client', traffic: { proto: 'tcp', to: ADDR.server, port: 80 },
      expect: { ok: true, uplink: 'wan1', returnUplink: 'wan1', seenPeer: ADDR.routerWan1 },
      trace: [ADDR.server, 'from', ADDR.client, 'iif', 'lan', 'proto', 'tcp', 'dport', '80'],
      traceRequest: { kind: 'forwarded', dev: 'wan1', src: ADDR.routerWan1, dst: ADDR.server }, traceReply: BACK_TO_CLIENT,
    },
    {
      name: '(a) a prerouting mark steers a forwarded icmp echo to wan2',
      flavour, firewall: pick(nft(ICMP_MARK_NFT), iptables(ICMP_MARK_IPT)), from: 'client', traffic: { proto: 'icmp', to: ADDR.server },
      expect: { ok: true, uplink: 'wan2', returnUplink: 'wan2' },
      trace: [ADDR.server, 'from', ADDR.client, 'iif', 'lan', 'proto', 'icmp'], traceRequest: VIA_WAN2, traceReply: BACK_TO_CLIENT,
    },
    {
      name: `(b) ${pick('a type route output chain', 'mangle OUTPUT')} marks router-originated udp: rerouted to wan2`,
      flavour,
      firewall: pick(nft(outputChain('route', `udp dport ${OUTPUT_PORT}`)), iptables([`-A OUTPUT -p udp -m udp --dport ${OUTPUT_PORT} -j MARK --set-xmark 0x1/0xffffffff`])),
      from: 'router', traffic: ROUTER_UDP,
      expect: { ok: true, uplink: 'wan2', returnUplink: 'wan2', seenPeer: ADDR.routerWan2 },
      trace: TRACE_ROUTER_UDP, traceRequest: { kind: 'sent', dev: 'wan2', src: ADDR.routerWan2, dst: ADDR.server }, traceReply: answerOn('wan2'),
    },
    {
      name: `(b) ${pick('a type filter output chain', 'filter OUTPUT')} sets the same mark: no reroute, wan1`,
      flavour,
      firewall: pick(
        nft(outputChain('filter', `udp dport ${OUTPUT_PORT}`)),
        iptables([], [`-A OUTPUT -p udp -m udp --dport ${OUTPUT_PORT} -j MARK --set-xmark 0x1/0xffffffff`]),
      ),
      from: 'router', traffic: ROUTER_UDP,
      expect: { ok: true, uplink: 'wan1', returnUplink: 'wan1', seenPeer: ADDR.routerWan1 },
      trace: TRACE_ROUTER_UDP, traceRequest: { kind: 'sent', dev: 'wan1', src: ADDR.routerWan1, dst: ADDR.server }, traceReply: answerOn('wan1'),
    },
    {
      name: `(b) uid ${UID} is marked by ${pick('meta skuid', '-m owner')}: rerouted to wan2`,
      flavour,
      firewall: pick(nft(outputChain('route', `meta skuid ${UID}`)), iptables([`-A OUTPUT -m owner --uid-owner ${UID} -j MARK --set-xmark 0x1/0xffffffff`])),
      from: 'router', traffic: { ...ROUTER_UDP, uid: UID },
      expect: { ok: true, uplink: 'wan2', returnUplink: 'wan2', seenPeer: ADDR.routerWan2 },
      trace: [...TRACE_ROUTER_UDP, '--uid', String(UID)], traceRequest: { kind: 'sent', dev: 'wan2', src: ADDR.routerWan2, dst: ADDR.server }, traceReply: answerOn('wan2'),
    },
    {
      name: '(b) the same rules leave root\'s traffic on wan1',
      flavour,
      firewall: pick(nft(outputChain('route', `meta skuid ${UID}`)), iptables([`-A OUTPUT -m owner --uid-owner ${UID} -j MARK --set-xmark 0x1/0xffffffff`])),
      from: 'router', traffic: ROUTER_UDP,
      expect: { ok: true, uplink: 'wan1', returnUplink: 'wan1', seenPeer: ADDR.routerWan1 },
      trace: [...TRACE_ROUTER_UDP, '--uid', '0'], traceRequest: { kind: 'sent', dev: 'wan1', src: ADDR.routerWan1, dst: ADDR.server }, traceReply: answerOn('wan1'),
    },
    {
      name: '(b) ping -m 1 (SO_MARK) from the router takes wan2 by the fwmark rule alone',
      flavour, firewall: pick(NFT_MASQUERADE, IPTABLES_MASQUERADE), from: 'router', traffic: { proto: 'icmp', to: ADDR.server, mark: 1 },
      expect: { ok: true, uplink: 'wan2', returnUplink: 'wan2' },
      trace: [ADDR.server, '--from-local', 'mark', '1', 'proto', 'icmp'],
      traceRequest: { kind: 'sent', dev: 'wan2', src: ADDR.routerWan2, dst: ADDR.server }, traceReply: answerOn('wan2', ADDR.routerWan2),
    },
    {
      name: '(c) inbound on wan2 without CONNMARK: the replies leave by wan1 and die',
      flavour, firewall: pick(NFT_MASQUERADE, IPTABLES_MASQUERADE), from: 'server', traffic: INBOUND,
      expect: { ok: false, uplink: 'wan1', returnUplink: 'wan2', spoofed: true },
      trace: TRACE_INBOUND, traceRequest: INBOUND_DELIVERED, traceReply: inboundReplyVia('wan1'),
    },
    {
      name: `(c) inbound on wan2 with ${pick('ct mark set / meta mark set ct mark', 'CONNMARK --set-mark / --restore-mark')}: the replies leave by wan2`,
      flavour, firewall: pick(nft(INBOUND_CONNMARK_NFT), iptables(INBOUND_CONNMARK_IPT)), from: 'server', traffic: INBOUND,
      expect: { ok: true, uplink: 'wan2', returnUplink: 'wan2', seenPeer: ADDR.server, ctMark: 1 },
      trace: TRACE_INBOUND, traceRequest: INBOUND_DELIVERED, traceReply: inboundReplyVia('wan2'),
    },
    {
      name: '(d) strict rp_filter drops the ssh replies coming back on wan2',
      flavour, firewall: sshMark, sysctls: STRICT, from: 'client', traffic: FORWARDED_SSH,
      expect: { ok: false, uplink: 'wan2', returnUplink: 'wan2' },
      trace: TRACE_SSH, traceRequest: VIA_WAN2, traceReply: RP_FILTER_DROP,
    },
    {
      name: '(d) loose rp_filter lets them through',
      flavour, firewall: sshMark, sysctls: LOOSE, from: 'client', traffic: FORWARDED_SSH,
      expect: { ok: true, uplink: 'wan2', returnUplink: 'wan2', seenPeer: ADDR.routerWan2 },
      trace: TRACE_SSH, traceRequest: VIA_WAN2, traceReply: BACK_TO_CLIENT,
    },
    {
      name: '(d) strict rp_filter with src_valid_mark and the mark restored on the reply lets them through',
      flavour, firewall: pick(nft(SSH_CONNMARK_NFT), iptables(SSH_CONNMARK_IPT)),
      sysctls: { ...STRICT, 'net.ipv4.conf.all.src_valid_mark': 1 }, from: 'client', traffic: FORWARDED_SSH,
      expect: { ok: true, uplink: 'wan2', returnUplink: 'wan2', seenPeer: ADDR.routerWan2, ctMark: 1 },
      trace: TRACE_SSH, traceRequest: VIA_WAN2, traceReply: BACK_TO_CLIENT,
    },
    {
      name: '(d) strict rp_filter with the mark restored but without src_valid_mark drops them',
      flavour, firewall: pick(nft(SSH_CONNMARK_NFT), iptables(SSH_CONNMARK_IPT)), sysctls: STRICT, from: 'client', traffic: FORWARDED_SSH,
      expect: { ok: false, uplink: 'wan2', returnUplink: 'wan2', ctMark: 1 },
      trace: TRACE_SSH, traceRequest: VIA_WAN2, traceReply: RP_FILTER_DROP,
    },
    // IPv6: the same rule sets (nft inet tables; the iptables file is loaded by ip6tables-restore as well)
    {
      name: '(a) IPv6: a prerouting mark steers forwarded ssh to wan2',
      flavour, firewall: sshMark, from: 'client', traffic: { ...FORWARDED_SSH, to: ADDR6.server },
      expect: { ok: true, uplink: 'wan2', returnUplink: 'wan2', seenPeer: ADDR6.routerWan2 },
      trace: [ADDR6.server, 'from', ADDR6.client, 'iif', 'lan', 'proto', 'tcp', 'dport', '22'],
      traceRequest: { kind: 'forwarded', dev: 'wan2', src: ADDR6.routerWan2, dst: ADDR6.server },
      traceReply: { kind: 'forwarded', dev: 'lan', src: ADDR6.server, dst: ADDR6.client },
    },
    {
      name: `(b) IPv6: ${pick('a type route output chain', 'mangle OUTPUT')} marks router-originated udp: rerouted to wan2`,
      flavour,
      firewall: pick(nft(outputChain('route', `udp dport ${OUTPUT_PORT}`)), iptables([`-A OUTPUT -p udp -m udp --dport ${OUTPUT_PORT} -j MARK --set-xmark 0x1/0xffffffff`])),
      from: 'router', traffic: { ...ROUTER_UDP, to: ADDR6.server },
      expect: { ok: true, uplink: 'wan2', returnUplink: 'wan2', seenPeer: ADDR6.routerWan2 },
      trace: [ADDR6.server, '--from-local', 'proto', 'udp', 'dport', String(OUTPUT_PORT)],
      traceRequest: { kind: 'sent', dev: 'wan2', src: ADDR6.routerWan2, dst: ADDR6.server }, traceReply: answerOn('wan2', ADDR6.routerWan1, ADDR6.server),
    },
    {
      name: `(b) IPv6: ${pick('a type filter output chain', 'filter OUTPUT')} sets the same mark: no reroute, wan1`,
      flavour,
      firewall: pick(
        nft(outputChain('filter', `udp dport ${OUTPUT_PORT}`)),
        iptables([], [`-A OUTPUT -p udp -m udp --dport ${OUTPUT_PORT} -j MARK --set-xmark 0x1/0xffffffff`]),
      ),
      from: 'router', traffic: { ...ROUTER_UDP, to: ADDR6.server },
      expect: { ok: true, uplink: 'wan1', returnUplink: 'wan1', seenPeer: ADDR6.routerWan1 },
      trace: [ADDR6.server, '--from-local', 'proto', 'udp', 'dport', String(OUTPUT_PORT)],
      traceRequest: { kind: 'sent', dev: 'wan1', src: ADDR6.routerWan1, dst: ADDR6.server }, traceReply: answerOn('wan1', ADDR6.routerWan1, ADDR6.server),
    },
    {
      name: '(c) IPv6: inbound on wan2 without CONNMARK: the replies leave by wan1 and die',
      flavour, firewall: pick(NFT_MASQUERADE, IPTABLES_MASQUERADE), from: 'server', traffic: { ...INBOUND, to: ADDR6.routerWan2 },
      expect: { ok: false, uplink: 'wan1', returnUplink: 'wan2', spoofed: true },
      trace: [ADDR6.routerWan2, 'from', ADDR6.server, 'iif', 'wan2', 'proto', 'tcp', 'dport', String(SERVICE_PORT)],
      traceRequest: { kind: 'delivered', dev: 'wan2', src: ADDR6.server, dst: ADDR6.routerWan2 }, traceReply: inboundReplyVia('wan1', ADDR6),
    },
    {
      name: `(c) IPv6: inbound on wan2 with ${pick('ct mark set / meta mark set ct mark', 'CONNMARK --set-mark / --restore-mark')}: the replies leave by wan2`,
      flavour, firewall: pick(nft(INBOUND_CONNMARK_NFT), iptables(INBOUND_CONNMARK_IPT)), from: 'server', traffic: { ...INBOUND, to: ADDR6.routerWan2 },
      expect: { ok: true, uplink: 'wan2', returnUplink: 'wan2', seenPeer: ADDR6.server, ctMark: 1 },
      trace: [ADDR6.routerWan2, 'from', ADDR6.server, 'iif', 'wan2', 'proto', 'tcp', 'dport', String(SERVICE_PORT)],
      traceRequest: { kind: 'delivered', dev: 'wan2', src: ADDR6.server, dst: ADDR6.routerWan2 }, traceReply: inboundReplyVia('wan2', ADDR6),
    },
  ];
  return cases.map((c, i) => {
    const sport = FIRST_SPORT + i;
    const trace = c.traffic.proto === 'icmp' ? c.trace : [...c.trace, 'sport', String(sport)];
    return { ...c, traffic: { ...c.traffic, sport }, trace, expect: { ctMark: 0, ...c.expect } };
  });
}

export const FLAVOURS: readonly Flavour[] = ['nft', 'iptables'];
export const LAB_CASES: Readonly<Record<Flavour, readonly LabCase[]>> = { nft: casesFor('nft'), iptables: casesFor('iptables') };
/** The ports the lab's probe servers listen on. */
export const SERVER_PORTS = { tcp: [22, 80], udp: [OUTPUT_PORT] } as const;
export const ROUTER_PORTS = { tcp: [SERVICE_PORT] } as const;
