// Path selection after an IPv4 lookup: multipath and default gateway (net/ipv4/fib_semantics.c, nexthop.c).
import { makeIpv4 } from '../../addr/ipv4.ts';
import { RT_SCOPE_LINK } from '../../model/network-state.ts';
import type { EngineContext } from '../context.ts';
import type { ExplainSink } from '../explain.ts';
import { kernelAtLeast } from '../kernel-version.ts';
import { computeMultipathHash } from '../multipath-hash.ts';
import { nudIs, nudValid } from '../neighbour.ts';
import { describeRoute } from '../format.ts';
import { formatIp } from '../../addr/address.ts';
import { nhIgnoredForLinkdown, nhSaddr, numPaths, upperBounds, type FibInfo4, type FibNh4 } from './fib4-info.ts';
import type { FibResult4 } from './fib4-table.ts';
import { fmt4, IPPROTO_TCP, IPPROTO_UDP } from './flow4.ts';

/** What the multipath hash sees of the packet (the synthetic skb of `ip route get`). */
export interface HashPacket4 {
  readonly saddr: number;
  readonly daddr: number;
  readonly proto: number;
  readonly sport: number;
  readonly dport: number;
}

/** A path choice; `candidates` is set when the hash is unpredictable (random seed) and lists every possible next hop. */
export interface PathChoice4 {
  readonly result: FibResult4;
  readonly candidates?: readonly FibNh4[];
}

function describeNh(ctx: EngineContext, nh: FibNh4): string {
  return `${nh.gateway ? `via ${formatIp(nh.gateway)} ` : ''}dev ${nh.dev?.name ?? ctx.devName(nh.ifindex)}`;
}

// mirrors fib_multipath_hash(), net/ipv4/route.c, for the policies whose hash is reproducible (0, 1, 2 without encapsulation)
/** The hash compared with the upper bounds, or a reason why it cannot be known. */
export function multipathHash4(ctx: EngineContext, pkt: HashPacket4): { hash: number } | { unknown: string } {
  const seed = ctx.sysctls.netns('net/ipv4/fib_multipath_hash_seed');
  if (seed === 0) return { unknown: 'net.ipv4.fib_multipath_hash_seed is 0 (a random per-boot key)' };
  const policy = ctx.sysctls.netns('net/ipv4/fib_multipath_hash_policy');
  if (policy === 3) return { unknown: 'fib_multipath_hash_policy 3 (custom fields) is not modelled' };
  const l4 = policy === 1;
  const hasPorts = pkt.proto === IPPROTO_TCP || pkt.proto === IPPROTO_UDP;
  const hash = computeMultipathHash(seed, {
    src: makeIpv4(pkt.saddr),
    dst: makeIpv4(pkt.daddr),
    proto: l4 ? pkt.proto : 0,
    sport: l4 && hasPorts ? pkt.sport : 0,
    dport: l4 && hasPorts ? pkt.dport : 0,
    flowlabel: 0,
  });
  return { hash };
}

// mirrors fib_good_nh(), net/ipv4/fib_semantics.c
function fibGoodNh(ctx: EngineContext, nh: FibNh4): boolean {
  if (nh.scope !== RT_SCOPE_LINK || !nh.gateway || !nh.dev) return true;
  const state = ctx.neighbourState(nh.dev.name, nh.gateway);
  return state === undefined || nudValid(state);
}

// mirrors ipv4_good_nh() / nexthop_is_good_nh(), net/ipv4/nexthop.c
function nexthopObjectGood(ctx: EngineContext, nh: FibNh4): boolean {
  if (!nh.gateway || !nh.dev) return true;
  const state = ctx.neighbourState(nh.dev.name, nh.gateway);
  return state === undefined || nudValid(state);
}

function withNh(res: FibResult4, nh: FibNh4): FibResult4 {
  return { ...res, nh };
}

// mirrors nexthop_select_path_hthr(), net/ipv4/nexthop.c
function selectGroupMember(ctx: EngineContext, res: FibResult4, hash: number | undefined, explain: ExplainSink): PathChoice4 {
  const fi = res.fi;
  const first = fi.nexthops[0];
  if (!first) return { result: res };
  if (fi.nhObject?.groupType === 'resilient') {
    const id = fi.nhObject.id;
    explain.add('path', () => `resilient group ${id}: the bucket table is not in the snapshot, any member may carry the flow`);
    return { result: withNh(res, first), candidates: fi.nexthops };
  }
  const ubs = upperBounds(ctx, fi);
  const good = fi.nexthops.filter((nh) => nexthopObjectGood(ctx, nh));
  if (hash === undefined) {
    const only = good.length === 1 ? good[0] : good.length === 0 ? first : undefined;
    if (only) return { result: withNh(res, only) };
    return { result: withNh(res, good[0] ?? first), candidates: good };
  }
  for (const nh of fi.nexthops) {
    if (!nexthopObjectGood(ctx, nh)) {
      explain.add('path', () => `member ${nh.nhid ?? nh.index} ${describeNh(ctx, nh)}: neighbour not valid, skipped`);
      continue;
    }
    if (hash > (ubs[nh.index] ?? -1)) continue;
    explain.add('path', () => `hash ${hash} ≤ upper bound ${ubs[nh.index] ?? -1}: member ${nh.nhid ?? nh.index} ${describeNh(ctx, nh)}`);
    return { result: withNh(res, nh) };
  }
  const fallback = good[0] ?? first;
  explain.add('path', () => `no member took the hash: ${describeNh(ctx, fallback)}`);
  return { result: withNh(res, fallback) };
}

/** fib_select_multipath(): the 6.16+ score (cached source = flow saddr, then hash) or the older hash-only walk. */
// mirrors fib_select_multipath(), net/ipv4/fib_semantics.c
export function selectMultipath4(
  ctx: EngineContext,
  res: FibResult4,
  hash: number | undefined,
  saddr: number,
  explain: ExplainSink,
): PathChoice4 {
  const fi: FibInfo4 = res.fi;
  if (fi.nhObject) return selectGroupMember(ctx, res, hash, explain);
  const useNeigh = ctx.sysctls.netns('net/ipv4/fib_multipath_use_neigh') !== 0;
  const ubs = upperBounds(ctx, fi);
  const eligible = fi.nexthops.filter((nh) => (ubs[nh.index] ?? -1) !== -1 && (!useNeigh || fibGoodNh(ctx, nh)));
  const scored = kernelAtLeast(ctx.kernel, 6, 16);
  if (hash === undefined) {
    const bySaddr = scored && saddr !== 0 ? eligible.filter((nh) => nhSaddr(ctx, fi, nh) === saddr) : [];
    const candidates = bySaddr.length > 0 ? bySaddr : eligible.length > 0 ? eligible : [res.nh];
    if (bySaddr.length > 0) explain.add('path', () => `next hops whose cached source is ${fmt4(saddr)} win over the others`);
    const [only] = candidates;
    if (candidates.length === 1 && only) {
      explain.add('path', () => `only ${describeNh(ctx, only)} can be chosen, whatever the hash`);
      return { result: withNh(res, only) };
    }
    return { result: withNh(res, candidates[0] ?? res.nh), candidates };
  }
  if (scored) {
    let best = -1;
    let chosen = res.nh;
    for (const nh of eligible) {
      const ub = ubs[nh.index] ?? -1;
      const s = (saddr !== 0 && nhSaddr(ctx, fi, nh) === saddr ? 2 : 0) + (hash <= ub ? 1 : 0);
      if (s > best) {
        chosen = nh;
        if (s === 3 || (saddr === 0 && s === 1)) {
          best = s;
          break;
        }
        best = s;
      }
    }
    explain.add('path', () => `hash ${hash}: next hop ${chosen.index} ${describeNh(ctx, chosen)} (score ${best}: 2 for cached source = ${fmt4(saddr)}, 1 for hash ≤ its upper bound ${ubs[chosen.index] ?? -1})`);
    return { result: withNh(res, chosen) };
  }
  let chosen = res.nh;
  let first = false;
  for (const nh of fi.nexthops) {
    if (useNeigh) {
      if (!fibGoodNh(ctx, nh)) continue;
      if (!first) {
        chosen = nh;
        first = true;
      }
    }
    if (hash > (ubs[nh.index] ?? -1)) continue;
    explain.add('path', () => `hash ${hash} ≤ upper bound ${ubs[nh.index] ?? -1}: next hop ${nh.index} ${describeNh(ctx, nh)}`);
    return { result: withNh(res, nh) };
  }
  explain.add('path', () => `no next hop took hash ${hash}: ${describeNh(ctx, chosen)}`);
  return { result: withNh(res, chosen) };
}

/** Route-level upper bounds with alive flags, for explain. */
export function describeUpperBounds(ctx: EngineContext, fi: FibInfo4): string {
  const ubs = upperBounds(ctx, fi);
  return fi.nexthops
    .map((nh) => `${describeNh(ctx, nh)} weight ${nh.weight} ub ${ubs[nh.index] ?? -1}${nh.dead ? ' (dead)' : nhIgnoredForLinkdown(ctx, nh) ? ' (linkdown, ignored)' : ''}`)
    .join('; ');
}

// mirrors fib_detect_death(), net/ipv4/fib_semantics.c
function detectDeath(
  ctx: EngineContext,
  fi: FibInfo4,
  order: number,
  lastResort: { fi: FibInfo4 | undefined; idx: number },
  dflt: number,
): boolean {
  const nh = fi.nexthops[0];
  if (!nh?.gateway || !nh.dev) return false;
  const state = ctx.neighbourState(nh.dev.name, nh.gateway);
  if (state === undefined) return false;
  if (nudIs(state, 'REACHABLE')) return false;
  const valid = nudValid(state);
  if (valid && order !== dflt) return false;
  if (valid || (lastResort.idx < 0 && order > dflt && !nudIs(state, 'INCOMPLETE'))) {
    lastResort.fi = fi;
    lastResort.idx = order;
  }
  return true;
}

// mirrors fib_select_default(), net/ipv4/fib_semantics.c; `dflt` is the alias's fa_default (the order chosen last time, -1 at first)
function selectDefaultWith(ctx: EngineContext, res: FibResult4, flowTos: number, dflt: number): FibResult4 {
  let fi: FibInfo4 | undefined;
  let order = -1;
  let lastPrio = res.fi.route.metric;
  let lastTos = 0;
  const lastResort: { fi: FibInfo4 | undefined; idx: number } = { fi: undefined, idx: -1 };
  const assign = (chosen: FibInfo4): FibResult4 => ({ ...res, fi: chosen, nh: chosen.nexthops[0] ?? res.nh });
  for (const fa of res.leaf) {
    const next = fa.fi;
    if (fa.prefix.length !== res.prefixLength) continue;
    if (fa.tos !== 0 && fa.tos !== (flowTos & 0x1c)) continue;
    if (fa.tableId !== res.table) continue;
    if (next.route.metric > lastPrio && fa.tos === lastTos) {
      if (lastTos) continue;
      break;
    }
    if (next.allDead) continue;
    lastTos = fa.tos;
    lastPrio = next.route.metric;
    if (next.route.scope !== res.fi.route.scope || fa.type !== 'unicast') continue;
    const nh0 = next.nexthops[0];
    if (!nh0?.gateway || nh0.scope !== RT_SCOPE_LINK) continue;
    if (!fi) {
      if (next !== res.fi) break;
    } else if (!detectDeath(ctx, fi, order, lastResort, dflt)) {
      return assign(fi);
    }
    fi = next;
    order++;
  }
  if (order <= 0 || !fi) return res;
  if (!detectDeath(ctx, fi, order, lastResort, dflt)) return assign(fi);
  if (lastResort.idx >= 0 && lastResort.fi) return assign(lastResort.fi);
  return res;
}

/**
 * Default-gateway selection among the equal default routes. The kernel remembers per route which one it
 * chose last (fa_default) and treats a STALE/DELAY/PROBE gateway chosen last time as dead; that history is
 * not in a snapshot, so when it matters every possible answer is returned as candidates.
 */
export function selectDefault4(ctx: EngineContext, res: FibResult4, flowTos: number, explain: ExplainSink): PathChoice4 {
  const fresh = selectDefaultWith(ctx, res, flowTos, -1);
  const outcomes = [fresh];
  for (let dflt = 0; dflt < res.leaf.length; dflt++) {
    const r = selectDefaultWith(ctx, res, flowTos, dflt);
    if (!outcomes.some((o) => o.fi === r.fi)) outcomes.push(r);
  }
  explain.add('path', () => `several default routes: the first whose gateway is not known dead wins (neighbour states): ${describeRoute(fresh.fi.route)}`);
  if (outcomes.length === 1) return { result: fresh };
  explain.add('note', 'the choice also depends on which default gateway the kernel picked last time (fa_default), which a snapshot does not record');
  return { result: fresh, candidates: outcomes.map((o) => o.nh) };
}

/** fib_select_path() without the source step: multipath, else default-gateway selection (no oif only). */
// mirrors fib_select_path(), net/ipv4/fib_semantics.c
export function selectPath4(
  ctx: EngineContext,
  res: FibResult4,
  flow: { readonly oif: number; readonly saddr: number; readonly tos: number },
  pkt: HashPacket4,
  numDefault: number,
  explain: ExplainSink,
): PathChoice4 {
  if (flow.oif !== 0) return { result: res };
  if (numPaths(res.fi) > 1) {
    explain.add('path', () => `multipath route: ${describeUpperBounds(ctx, res.fi)}`);
    const h = multipathHash4(ctx, pkt);
    if ('unknown' in h) explain.add('note', () => `next hop not predictable: ${h.unknown}; listing every possible next hop`);
    return selectMultipath4(ctx, res, 'hash' in h ? h.hash : undefined, flow.saddr, explain);
  }
  if (res.prefixLength === 0 && numDefault > 1 && res.type === 'unicast') return selectDefault4(ctx, res, flow.tos, explain);
  return { result: res };
}
