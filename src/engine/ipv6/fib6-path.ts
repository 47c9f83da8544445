// Multipath: which sibling (or nexthop group member) carries the flow.
import { formatIp } from '../../addr/address.ts';
import type { IpAddress } from '../../addr/types.ts';
import type { ExplainSink } from '../explain.ts';
import { computeMultipathHash, computeUpperBounds, type MultipathHashKeys } from '../multipath-hash.ts';
import { nudValid } from '../neighbour.ts';
import type { Ipv6Context } from './context.ts';
import { describeEntry, ignoresLinkdown, scoreRoute6, type Fib6Match, type Fib6Strictness } from './fib6-lookup.ts';
import type { Fib6Entry, Fib6Nh } from './fib6-table.ts';

/** The flow fields the IPv6 multipath hash may use. */
export interface Fib6HashFlow {
  readonly saddr: IpAddress;
  readonly daddr: IpAddress;
  readonly proto: number;
  readonly sport: number;
  readonly dport: number;
  /** the 20-bit flow label */
  readonly flowlabel: number;
}

/** The path chosen; with a random hash seed also every path the kernel may choose. */
export interface Fib6Path {
  readonly entry: Fib6Entry;
  readonly nh: Fib6Nh | undefined;
  /** a blackhole nexthop object (the lookup answers EINVAL) */
  readonly blackholeNh: boolean;
  readonly candidates?: readonly { readonly entry: Fib6Entry; readonly nh: Fib6Nh }[];
}

// FIB_MULTIPATH_HASH_FIELD_* bits, include/net/ip_fib.h
const FIELD_SRC_IP = 0x01;
const FIELD_DST_IP = 0x02;
const FIELD_IP_PROTO = 0x04;
const FIELD_FLOWLABEL = 0x08;
const FIELD_SRC_PORT = 0x10;
const FIELD_DST_PORT = 0x20;
const FIELD_OUTER_MASK = 0x3f;

const NO_ADDRESS: IpAddress = { family: 6, value: 0n };

/** The flow_keys rt6_multipath_hash() fills from the flow (no skb: both `ip -6 route get` paths). */
// mirrors rt6_multipath_hash() and rt6_multipath_custom_hash_fl6(), net/ipv6/route.c
function hashKeys(policy: number, fields: number, f: Fib6HashFlow): MultipathHashKeys | undefined {
  switch (policy) {
    case 1:
      return { src: f.saddr, dst: f.daddr, proto: f.proto, sport: f.sport, dport: f.dport, flowlabel: 0 };
    case 3:
      if ((fields & FIELD_OUTER_MASK) === 0) return undefined;
      return {
        src: fields & FIELD_SRC_IP ? f.saddr : NO_ADDRESS,
        dst: fields & FIELD_DST_IP ? f.daddr : NO_ADDRESS,
        proto: fields & FIELD_IP_PROTO ? f.proto : 0,
        sport: fields & FIELD_SRC_PORT ? f.sport : 0,
        dport: fields & FIELD_DST_PORT ? f.dport : 0,
        flowlabel: fields & FIELD_FLOWLABEL ? f.flowlabel : 0,
      };
    default:
      // policies 0 and 2 (without an skb there is no inner header)
      return { src: f.saddr, dst: f.daddr, proto: f.proto, sport: 0, dport: 0, flowlabel: f.flowlabel };
  }
}

/** The hash compared with the upper bounds, or undefined when the seed is random (0). */
function multipathHash(ctx: Ipv6Context, flow: Fib6HashFlow, explain: ExplainSink): number | undefined {
  const sysctls = ctx.engine.sysctls;
  const seed = sysctls.netns('net/ipv4/fib_multipath_hash_seed');
  const policy = sysctls.netns('net/ipv6/fib_multipath_hash_policy');
  if (seed === 0) {
    explain.add('note', 'net.ipv4.fib_multipath_hash_seed is 0 (a random seed per boot): the path cannot be predicted, every possible one is listed');
    return undefined;
  }
  const keys = hashKeys(policy, sysctls.netns('net/ipv6/fib_multipath_hash_fields'), flow);
  const hash = keys ? computeMultipathHash(seed, keys) : 0;
  explain.add('path', () => `multipath hash (policy ${policy}, seed ${seed}) = ${hash}`);
  return hash;
}

function nhText(nh: Fib6Nh): string {
  return `${nh.gateway ? `via ${formatIp(nh.gateway)} ` : ''}dev ${nh.dev}`;
}

function uniqueCandidates(list: readonly { entry: Fib6Entry; nh: Fib6Nh }[]): { entry: Fib6Entry; nh: Fib6Nh }[] {
  const out: { entry: Fib6Entry; nh: Fib6Nh }[] = [];
  for (const c of list) if (!out.some((o) => o.nh === c.nh)) out.push(c);
  return out;
}

/** ECMP siblings: the first one whose upper bound covers the hash, unless its score is negative. */
// mirrors fib6_select_path() and rt6_multipath_rebalance(), net/ipv6/route.c
function selectSibling(
  ctx: Ipv6Context,
  match: Fib6Match,
  oif: number,
  strict: Fib6Strictness,
  hash: number | undefined,
  explain: ExplainSink,
): Fib6Path {
  const siblings = match.entry.siblings;
  const nhs = siblings.map((s) => s.nh!);
  const alive = nhs.map((nh) => !nh.dead && !(nh.linkdown && ignoresLinkdown(ctx, nh.dev)));
  const bounds = computeUpperBounds(
    nhs.map((nh) => nh.weight),
    alive,
  );
  const pick = (i: number): Fib6Path => {
    const s = siblings[i]!;
    if (scoreRoute6(ctx, s, s.nh!, oif, strict) < 0) return { ...match, blackholeNh: false };
    return { entry: s, nh: s.nh, blackholeNh: false };
  };
  if (hash === undefined) {
    const options = bounds.flatMap((ub, i) => (ub < 0 ? [] : [pick(i)]));
    const candidates = uniqueCandidates(options.map((p) => ({ entry: p.entry, nh: p.nh! })));
    if (candidates.length > 1) {
      explain.add('path', () => `possible paths: ${candidates.map((c) => nhText(c.nh)).join(', ')}`);
      return { ...match, candidates };
    }
    return options[0] ?? match;
  }
  const i = bounds.findIndex((ub) => hash <= ub);
  if (i < 0) return match;
  const chosen = pick(i);
  explain.add('path', () =>
    chosen.entry === siblings[i]
      ? `hash ${hash} ≤ upper bound ${bounds[i]} of ${nhText(nhs[i]!)}: that path`
      : `hash ${hash} falls on ${nhText(nhs[i]!)}, which fails for this lookup: keeping ${describeEntry(match.entry, match.nh)}`,
  );
  return chosen;
}

/** A neighbour entry that exists and is not NUD_VALID makes a group member "not good" (ipv6_good_nh()). */
function goodMember(ctx: Ipv6Context, nh: Fib6Nh): boolean {
  if (!nh.gateway) return true;
  const state = ctx.neighbourState(nh.dev, nh.gateway);
  return state === undefined || nudValid(state);
}

/** A hash-threshold nexthop group: the first good member whose bound covers the hash. */
// mirrors nexthop_select_path_hthr() and nh_hthr_group_rebalance(), net/ipv4/nexthop.c
function selectGroupMember(ctx: Ipv6Context, entry: Fib6Entry, hash: number | undefined, explain: ExplainSink): Fib6Path {
  const members = entry.nhObject!.members;
  const bounds = computeUpperBounds(
    members.map((m) => m.weight),
    members.map(() => true),
  );
  const good = members.map((m) => goodMember(ctx, m));
  const fallback = members[good.indexOf(true)] ?? members[0]!;
  if (hash === undefined) {
    const reachable = members.filter((_, i) => good[i]);
    const missable = !good[good.length - 1];
    const candidates = uniqueCandidates([...reachable, ...(missable ? [fallback] : [])].map((nh) => ({ entry, nh })));
    explain.add('path', () => `nexthop group ${entry.nhObject!.id}: possible members ${candidates.map((c) => nhText(c.nh)).join(', ')}`);
    return { entry, nh: candidates[0]?.nh, blackholeNh: false, ...(candidates.length > 1 ? { candidates } : {}) };
  }
  const i = bounds.findIndex((ub, k) => good[k] && hash <= ub);
  const nh = i >= 0 ? members[i]! : fallback;
  explain.add('path', () => `nexthop group ${entry.nhObject!.id}: hash ${hash} → member ${nhText(nh)}`);
  return { entry, nh, blackholeNh: false };
}

/** Picks the path of a multipath result (siblings or a nexthop group); single paths pass through. */
// mirrors fib6_select_path(), net/ipv6/route.c (called with have_oif_match = false by ip6_pol_route())
export function selectFib6Path(
  ctx: Ipv6Context,
  match: Fib6Match,
  flow: Fib6HashFlow,
  oif: number,
  strict: Fib6Strictness,
  explain: ExplainSink,
): Fib6Path {
  const entry = match.entry;
  const group = entry.nhObject?.groupType;
  if (match.blackholeNh || (entry.nhObject && !group) || (!entry.nhObject && entry.siblings.length < 2)) return match;
  if (group === 'resilient') {
    const candidates = entry.nhObject!.members.map((nh) => ({ entry, nh }));
    explain.add('note', () => `resilient nexthop group ${entry.nhObject!.id}: the bucket table is kernel state, every member is possible`);
    return { ...match, candidates };
  }
  const hash = multipathHash(ctx, flow, explain);
  return group ? selectGroupMember(ctx, entry, hash, explain) : selectSibling(ctx, match, oif, strict, hash, explain);
}
