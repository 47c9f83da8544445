// What apply verifies afterwards (and the example shows): for each policy, a packet it selects and the uplink
// the intent sends it to, traced through the state with pbr's own engine.
import { formatIp, maskAddress, parseIp } from '../addr/address.ts';
import { prefixContains } from '../addr/prefix.ts';
import type { Family, IpAddress, IpPrefix } from '../addr/types.ts';
import { traceJourney } from '../engine/journey/trace-journey.ts';
import type { Intent, PolicyMatch, Via } from '../model/intent.ts';
import type { JourneyOutcome, TraceRequest } from '../model/journey.ts';
import { RT_SCOPE_UNIVERSE, type InterfaceAddress, type NetworkState } from '../model/network-state.ts';
import { isLinkLocal6 } from '../addr/classify.ts';
import { gatewayOf } from './compile-intent.ts';

export interface PolicyCheck {
  readonly policy: string;
  readonly request: TraceRequest;
  readonly expect: { readonly dev: string; readonly probability?: number };
}

/** Destinations tried for a packet whose policy names none: the first no connected route of the host covers. */
const OUTSIDE: Readonly<Record<Family, readonly IpAddress[]>> = {
  4: ['198.18.0.119', '8.8.8.8', '1.1.1.1', '9.9.9.9'].map((text) => parseIp(text) as IpAddress),
  6: ['2001:db8:ffff::77', '2606:4700:4700::1111'].map((text) => parseIp(text) as IpAddress),
};
/** A port no policy is likely to name, for packets whose policy names none. */
const NEUTRAL_PORT = 9;
const EPHEMERAL_PORT = 40000;
const PORT_PROTOCOLS: ReadonlySet<number> = new Set([6, 17, 33, 132, 136]);

/** A packet in the intent's terms. */
interface Sample {
  readonly family: Family;
  readonly src?: IpAddress;
  readonly dst: IpAddress;
  readonly iif?: string;
  readonly proto: number;
  readonly sport: number;
  readonly dport: number;
  readonly uid?: number;
  readonly mark: number;
  readonly dscp: number;
}

// the intent's meaning of a selector: fields together all hold, a list holds when one element does
function matches(m: PolicyMatch, s: Sample): boolean {
  const inRanges = (ranges: readonly { start: number; end: number }[] | undefined, v: number | undefined): boolean =>
    !ranges || (v !== undefined && ranges.some((r) => v >= r.start && v <= r.end));
  const inPrefixes = (list: readonly IpPrefix[] | undefined, a: IpAddress | undefined): boolean =>
    !list || list.length === 0 || (a !== undefined && list.some((p) => prefixContains(p, a)));
  const ports = PORT_PROTOCOLS.has(s.proto);
  return (m.proto === undefined || m.proto === s.proto)
    && inPrefixes(m.src, s.src)
    && inPrefixes(m.dst, s.dst)
    && (m.iif === undefined || m.iif === s.iif)
    && inRanges(m.sport, ports ? s.sport : undefined)
    && inRanges(m.dport, ports ? s.dport : undefined)
    && (m.dscp === undefined || m.dscp === s.dscp)
    && (m.mark === undefined || ((s.mark & m.mark.mask) >>> 0) === (m.mark.value >>> 0))
    && inRanges(m.uid, s.uid)
    && (m.not === undefined || !matches(m.not, s));
}

function connectedPrefixes(state: NetworkState, family: Family): IpPrefix[] {
  return state.addresses.filter((a) => a.family === family).map((a) => ({ address: maskAddress(a.local, a.prefixLength), length: a.prefixLength }));
}

function hostIn(prefix: IpPrefix, avoid: readonly IpAddress[]): IpAddress {
  const bits = prefix.address.family === 4 ? 32 : 128;
  if (prefix.length >= bits - 1) return prefix.address;
  for (let n = 10; n < 250; n++) {
    const a: IpAddress = prefix.address.family === 4 ? { family: 4, value: (prefix.address.value + n) >>> 0 } : { family: 6, value: prefix.address.value + BigInt(n) };
    if (!avoid.some((b) => b.value === a.value)) return a;
  }
  return prefix.address;
}

/** The families a selector's packets are checked in: those of its prefixes, else IPv4 and, on a dual-stack host, IPv6. */
function familiesOf(m: PolicyMatch, intent: Intent, state: NetworkState): Family[] {
  const lists = [m.src, m.dst].filter((l): l is readonly IpPrefix[] => l !== undefined && l.length > 0);
  if (lists.length > 0) return ([4, 6] as const).filter((f) => lists.every((l) => l.some((p) => p.address.family === f)));
  const dualStack = intent.uplinks.some((u) => gatewayOf(u, 6) !== undefined)
    && state.addresses.some((a) => a.family === 6 && a.scope === RT_SCOPE_UNIVERSE && !isLinkLocal6(a.local));
  return dualStack ? [4, 6] : [4];
}

/** The packets that exercise a selector: sent by this host and, on a router, forwarded from a LAN. */
function samplesOf(m: PolicyMatch, family: Family, intent: Intent, state: NetworkState): Sample[] {
  const own = state.addresses.filter((a) => a.family === family && a.scope === RT_SCOPE_UNIVERSE && !(family === 6 && isLinkLocal6(a.local)));
  const connected = connectedPrefixes(state, family);
  const dstPrefix = m.dst?.find((p) => p.address.family === family);
  const dst = dstPrefix ? hostIn(dstPrefix, own.map((a) => a.local)) : OUTSIDE[family].find((a) => !connected.some((p) => prefixContains(p, a))) ?? OUTSIDE[family][0];
  if (!dst) return [];
  const proto = m.proto ?? (m.sport || m.dport ? 6 : 17);
  const base = {
    family,
    dst,
    proto,
    sport: m.sport?.[0]?.start ?? EPHEMERAL_PORT,
    dport: m.dport?.[0]?.start ?? NEUTRAL_PORT,
    mark: m.mark?.value ?? 0,
    dscp: m.dscp ?? 0,
  };
  const samples: Sample[] = [];
  const srcPrefixes = m.src?.filter((p) => p.address.family === family);
  if (m.iif === undefined) {
    const local = srcPrefixes && srcPrefixes.length > 0 ? own.find((a) => srcPrefixes.some((p) => prefixContains(p, a.local))) : undefined;
    if (!srcPrefixes || srcPrefixes.length === 0 || local) {
      samples.push({ ...base, ...(local ? { src: local.local } : {}), ...(m.uid?.[0] ? { uid: m.uid[0].start } : {}) });
    }
  }
  const uplinkDevs = new Set(intent.uplinks.map((u) => u.interface));
  const lan = (a: InterfaceAddress): boolean => !uplinkDevs.has(a.dev) && a.dev !== 'lo';
  if (m.uid === undefined && (intent.options.forwarding || state.sysctls.get(`net/ipv${family}/conf/all/forwarding`) === '1')) {
    const srcPrefix = srcPrefixes?.[0];
    const via = own.filter(lan).find((a) => (m.iif === undefined || a.dev === m.iif) && (!srcPrefix || prefixContains({ address: maskAddress(a.local, a.prefixLength), length: a.prefixLength }, srcPrefix.address)));
    const src = srcPrefix ? hostIn(srcPrefix, own.map((a) => a.local)) : via ? hostIn({ address: maskAddress(via.local, via.prefixLength), length: via.prefixLength }, [via.local]) : undefined;
    const iif = m.iif ?? via?.dev;
    if (src && iif !== undefined) samples.push({ ...base, src, iif });
  }
  return samples;
}

/** Where the intent sends a packet of `family`: nowhere it promises when an uplink has no gateway of that family. */
function expectationsOf(via: Via, family: Family, intent: Intent, state: NetworkState): { dev: string; probability?: number }[] {
  const dev = (uplink: string): string | undefined => {
    const u = intent.uplinks.find((x) => x.name === uplink);
    return u && gatewayOf(u, family) ? u.interface : undefined;
  };
  if (via.kind === 'balance' && via.weights.some((w) => w.weight > 0 && dev(w.uplink) === undefined)) return [];
  if (via.kind === 'uplink') return [dev(via.uplink)].filter((d): d is string => d !== undefined).map((d) => ({ dev: d }));
  if (via.kind === 'failover') {
    const alive = via.order.map(dev).find((d) => state.links.some((l) => l.name === d && l.up && l.carrier));
    return alive === undefined ? [] : [{ dev: alive }];
  }
  const total = via.weights.reduce((sum, w) => sum + w.weight, 0);
  const byDev = new Map<string, number>();
  for (const w of via.weights) {
    const d = dev(w.uplink);
    if (d !== undefined && w.weight > 0) byDev.set(d, (byDev.get(d) ?? 0) + w.weight / total);
  }
  return [...byDev].map(([d, probability]) => ({ dev: d, probability }));
}

function requestOf(s: Sample, reply = false): TraceRequest {
  const ports = PORT_PROTOCOLS.has(s.proto) ? { sport: s.sport, dport: s.dport } : {};
  return {
    family: s.family,
    dst: s.dst,
    ...(s.src ? { src: s.src } : {}),
    ...(s.iif !== undefined ? { iif: s.iif } : {}),
    fromLocal: s.iif === undefined,
    ...(s.mark !== 0 ? { mark: s.mark } : {}),
    ...(s.dscp !== 0 ? { tos: s.dscp << 2 } : {}),
    ...(s.uid !== undefined ? { uid: s.uid } : {}),
    proto: s.proto,
    ...ports,
    reply,
  };
}

/** Connections opened from outside to an uplink's address are answered through that uplink (in each family it has a gateway of). */
function replyChecks(intent: Intent, state: NetworkState): PolicyCheck[] {
  return intent.uplinks.flatMap((u) => ([4, 6] as const).flatMap((family): PolicyCheck[] => {
    const address = state.addresses.find((a) => a.dev === u.interface && a.family === family && a.scope === RT_SCOPE_UNIVERSE && !(family === 6 && isLinkLocal6(a.local)));
    const connected = connectedPrefixes(state, family);
    const remote = OUTSIDE[family].find((a) => !connected.some((p) => prefixContains(p, a)));
    if (!address || !remote || gatewayOf(u, family) === undefined) return [];
    const request: TraceRequest = { family, dst: address.local, src: remote, iif: u.interface, fromLocal: false, proto: 6, sport: EPHEMERAL_PORT, dport: 22, reply: true };
    return [{ policy: `replies of ${u.name}`, request, expect: { dev: u.interface } }];
  }));
}

export function policyChecks(intent: Intent, state: NetworkState): PolicyCheck[] {
  const checks: PolicyCheck[] = [];
  const seen = new Set<string>();
  for (const policy of intent.policies) {
    const samples = familiesOf(policy.match, intent, state).flatMap((family) => samplesOf(policy.match, family, intent, state));
    for (const sample of samples) {
      const decider = intent.policies.find((p) => matches(p.match, sample));
      const via: Via | undefined = decider?.via ?? (intent.default !== undefined ? { kind: 'uplink', uplink: intent.default } : undefined);
      if (!via) continue;
      const request = requestOf(sample);
      const key = JSON.stringify(request, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
      if (seen.has(key)) continue;
      seen.add(key);
      for (const expect of expectationsOf(via, sample.family, intent, state)) checks.push({ policy: decider?.name ?? 'default', request, expect });
    }
  }
  return [...checks, ...replyChecks(intent, state)];
}

function describe(o: JourneyOutcome): string {
  const d = o.disposition;
  return d.kind === 'sent' || d.kind === 'forwarded' ? (d.dev ?? '?') : `${d.kind}${d.errno ? ` ${d.errno}` : ''}${d.by ? ` by ${d.by}` : ''}`;
}

/** Every check traced: ok when the expected device gets the expected share of the outcomes (all of them by default). */
export function verifyPolicies(intent: Intent, state: NetworkState): { check: PolicyCheck; ok: boolean; got: string }[] {
  return policyChecks(intent, state).map((check) => {
    const result = traceJourney(state, check.request);
    // a reply check: where each reply goes, or what became of a request that got no reply
    const weighted = check.request.reply
      ? result.outcomes.flatMap((o) => (o.reply && o.reply.outcomes.length > 0
        ? o.reply.outcomes.map((r) => ({ what: describe(r), probability: r.probability * o.probability }))
        : [{ what: `request ${describe(o)}`, probability: o.probability }]))
      : result.outcomes.map((o) => ({ what: describe(o), probability: o.probability }));
    const shares = new Map<string, number>();
    for (const o of weighted) shares.set(o.what, (shares.get(o.what) ?? 0) + o.probability);
    const share = shares.get(check.expect.dev) ?? 0;
    const ok = Math.abs(share - (check.expect.probability ?? 1)) < 1e-9;
    const got = shares.size === 0 ? `nothing (${result.diagnostics.map((d) => d.message).join('; ') || 'no outcome'})` : [...shares].map(([what, p]) => (shares.size === 1 ? what : `${what} p=${Number(p.toFixed(6))}`)).join(', ');
    return { check, ok, got };
  });
}

/** "tcp 192.0.2.10:22 from 10.0.0.10 iif lan" for a check's packet. */
export function describeRequest(r: TraceRequest): string {
  const proto = r.proto === 6 ? 'tcp' : r.proto === 17 ? 'udp' : `proto ${r.proto}`;
  return `${proto} ${r.dport === undefined ? formatIp(r.dst) : r.dst.family === 6 ? `[${formatIp(r.dst)}]:${r.dport}` : `${formatIp(r.dst)}:${r.dport}`}${r.src ? ` from ${formatIp(r.src)}` : ''}${r.iif !== undefined ? ` iif ${r.iif}` : ' (sent by this host)'}${r.uid !== undefined ? ` uid ${r.uid}` : ''}${r.reply ? ', the reply' : ''}`;
}
