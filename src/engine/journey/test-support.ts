// The lab router of issue 3 as a hand-built NetworkState, trace requests in words, and short outcome summaries.
import { formatIp } from '../../addr/address.ts';
import type { JourneyOutcome, JourneyResult, JourneyStep, TraceRequest } from '../../model/journey.ts';
import type { NetfilterRuleset, NfStatement } from '../../model/netfilter.ts';
import type { NetworkState } from '../../model/network-state.ts';
import { ip4, Ipv4StateBuilder } from '../ipv4/test-support.ts';
import { ip6 } from '../ipv6/test-support.ts';
import { konst, meta, setMark } from '../netfilter/nf-test-support.ts';

/**
 * The router: lan 192.168.1.1/24 (client .10), wan1 198.51.100.2/24 (ISP1 .1, the main default route),
 * wan2 203.0.113.2/24 (ISP2 .1, table 102 = isp2, `fwmark 0x2 lookup isp2` at pref 100); forwarding on.
 */
export function labRouter(): Ipv4StateBuilder {
  const b = new Ipv4StateBuilder()
    .device('lan')
    .device('wan1')
    .device('wan2')
    .address('lan', '192.168.1.1/24')
    .address('wan1', '198.51.100.2/24')
    .address('wan2', '203.0.113.2/24')
    .route({ dst: 'default', via: '198.51.100.1', dev: 'wan1' })
    .route({ dst: 'default', via: '203.0.113.1', dev: 'wan2', table: 102 })
    .rule({ priority: 100, fwmark: 2, fwmask: 0xffffffff, table: 102 });
  for (const dev of ['all', 'lan', 'wan1', 'wan2']) b.sysctl(`net.ipv4.conf.${dev}.forwarding`, 1);
  return b;
}

export function withRuleset(state: NetworkState, ruleset: NetfilterRuleset): NetworkState {
  const names = new Map(state.rtTables.names);
  names.set(102, 'isp2');
  return { ...state, rtTables: { ...state.rtTables, names }, netfilter: ruleset };
}

const PROTOCOLS: Readonly<Record<string, number>> = { tcp: 6, udp: 17, icmp: 1, 'ipv6-icmp': 58, gre: 47 };

/** "192.0.2.10 from 192.168.1.10 iif lan tcp dport 22 [sport N] [mark N] [uid N] [oif D] [local] [reply]" */
export function traceRequest(text: string): TraceRequest {
  const words = text.trim().split(/\s+/);
  const dst = words[0] ?? '';
  const family = dst.includes(':') ? 6 : 4;
  const addr = (w: string) => (family === 6 ? ip6(w) : ip4(w));
  const r: Record<string, unknown> = { family, dst: addr(dst), fromLocal: false, reply: false, proto: 17 };
  for (let i = 1; i < words.length; i++) {
    const w = words[i] ?? '';
    if (w === 'local') r.fromLocal = true;
    else if (w === 'reply') r.reply = true;
    else if (PROTOCOLS[w] !== undefined) r.proto = PROTOCOLS[w];
    else {
      const v = words[++i] ?? '';
      if (w === 'from') r.src = addr(v);
      else if (w === 'iif' || w === 'oif') r[w] = v;
      else if (w === 'icmp-type') r.icmpType = Number(v);
      else r[w] = Number(v);
    }
  }
  return r as unknown as TraceRequest;
}

/** "forwarded wan2 via 203.0.113.1 src 203.0.113.2", "dropped by …", "unreachable ENETUNREACH". */
export function fate(o: JourneyOutcome): string {
  const d = o.disposition;
  const parts: string[] = [d.kind];
  if (d.kind === 'forwarded' || d.kind === 'sent' || d.kind === 'delivered') {
    parts.push(d.dev ?? '?');
    if (d.gateway) parts.push('via', formatIp(d.gateway));
    if (d.src) parts.push('src', formatIp(d.src));
    if (d.dst) parts.push('dst', formatIp(d.dst));
  } else {
    if (d.errno) parts.push(d.errno);
    if (d.by) parts.push('by', d.by);
  }
  return parts.join(' ');
}

/** Every outcome as "p=0.5 fate", in order. */
export function fates(r: JourneyResult): string[] {
  return r.outcomes.map((o) => `p=${o.probability} ${fate(o)}`);
}

export function routeSteps(o: JourneyOutcome): Array<JourneyStep & { kind: 'route' }> {
  return o.steps.filter((s): s is JourneyStep & { kind: 'route' } => s.kind === 'route');
}

export const markSet = (mark: number): NfStatement => setMark(konst(BigInt(mark)));
export const restoreMark: NfStatement = setMark({ kind: 'ct', key: 'mark' });
export const saveMark: NfStatement = { kind: 'set', target: { kind: 'ct', key: 'mark' }, value: meta('mark') };
