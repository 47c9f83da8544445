// Route selection inside one IPv6 table: candidate scoring per tree node, then backtracking.
import { formatIp } from '../../addr/address.ts';
import { formatRouteDst } from '../../addr/prefix.ts';
import type { IpAddress } from '../../addr/types.ts';
import type { ExplainSink } from '../explain.ts';
import { nudIs } from '../neighbour.ts';
import type { Ipv6Context } from './context.ts';
import type { Fib6Entry, Fib6Nh, Fib6Node, Fib6Table } from './fib6-table.ts';

/** The RT6_LOOKUP_F_* bits that change how candidates score. */
export interface Fib6Strictness {
  /** RT6_LOOKUP_F_IFACE: a candidate not on the lookup's device fails */
  readonly iface: boolean;
  /** RT6_LOOKUP_F_REACHABLE (all.forwarding == 0): gateways with a FAILED neighbour entry are passed over */
  readonly reachable: boolean;
}

/** What one table lookup keys on: addresses and the device candidates are scored against. */
export interface Fib6TableKey {
  readonly daddr: IpAddress;
  /** :: when the lookup has no source */
  readonly saddr: IpAddress;
  /** the oif argument of ip6_pol_route(): the output device, or the input device on the input path (0 = none) */
  readonly oif: number;
}

/** The route rt6_select() picked: the fib6_info, its chosen nexthop, and whether it is a blackhole nexthop object. */
export interface Fib6Match {
  readonly entry: Fib6Entry;
  readonly nh: Fib6Nh | undefined;
  readonly blackholeNh: boolean;
}

// rt6_nud_state values below zero
const FAIL_HARD = -3;
const FAIL_PROBE = -2;

/** IPV6_DECODE_PREF(): low 1, medium 2, high 3. */
function decodePref(pref: string | undefined): number {
  return pref === 'high' ? 3 : pref === 'low' ? 1 : 2;
}

function describeNh(nh: Fib6Nh): string {
  return `${nh.gateway ? `via ${formatIp(nh.gateway)} ` : ''}dev ${nh.dev}`;
}

export function describeEntry(e: Fib6Entry, nh: Fib6Nh | undefined): string {
  const what = e.route.type === 'unicast' ? '' : `${e.route.type} `;
  const src = e.route.src && e.route.src.length > 0 ? ` from ${formatRouteDst(e.route.src)}` : '';
  const path = e.reject ? '' : nh ? ` ${describeNh(nh)}` : e.nhObject ? ` nhid ${e.nhObject.id}` : '';
  return `${what}${formatRouteDst(e.route.dst)}${src}${path} metric ${e.metric}${e.route.pref ? ` pref ${e.route.pref}` : ''}`.trim();
}

/** Whether routes through `dev` with no carrier are ignored (ip6_ignore_linkdown(): the device's own value). */
export function ignoresLinkdown(ctx: Ipv6Context, dev: string): boolean {
  return ctx.engine.sysctls.ipv6Conf(dev, 'ignore_routes_with_linkdown', 'dev') !== 0;
}

/** A neighbour entry exists and is FAILED (the only state rt6_check_neigh() rejects with ROUTER_PREF). */
function neighbourFailed(ctx: Ipv6Context, nh: Fib6Nh): boolean {
  const state = nh.gateway !== undefined ? ctx.neighbourState(nh.dev, nh.gateway) : undefined;
  return state !== undefined && nudIs(state, 'FAILED');
}

/** The score of one path, or FAIL_HARD / FAIL_PROBE. */
// mirrors rt6_score_route() and rt6_check_neigh() (CONFIG_IPV6_ROUTER_PREF=y), net/ipv6/route.c
export function scoreRoute6(ctx: Ipv6Context, entry: Fib6Entry, nh: Fib6Nh, oif: number, strict: Fib6Strictness): number {
  let m = oif === 0 || ctx.engine.ifindexOf(nh.dev) === oif ? 2 : 0;
  if (m === 0 && strict.iface) return FAIL_HARD;
  m |= decodePref(entry.route.pref) << 2;
  if (strict.reachable && !entry.reject && neighbourFailed(ctx, nh)) return FAIL_PROBE;
  return m;
}

const PREF_NAMES = ['', 'low', 'medium', 'high'];

function scoreText(score: number | string, oif: number): string {
  if (score === FAIL_HARD) return 'not on the required device';
  if (score === FAIL_PROBE) return 'gateway neighbour FAILED';
  if (typeof score === 'string') return score;
  const device = oif === 0 ? '' : score & 2 ? "the lookup's device, " : 'another device, ';
  return `score ${score} (${device}pref ${PREF_NAMES[score >> 2] ?? '?'})`;
}

/** The score find_match() gives, or the reason the path is not a candidate at all. */
// mirrors find_match(), net/ipv6/route.c
function matchScore(ctx: Ipv6Context, entry: Fib6Entry, nh: Fib6Nh, oif: number, strict: Fib6Strictness): number | string {
  if (nh.dead) return 'dead';
  if (nh.linkdown && ignoresLinkdown(ctx, nh.dev)) return `linkdown and ${nh.dev} ignores routes with linkdown`;
  const m = scoreRoute6(ctx, entry, nh, oif, strict);
  return m === FAIL_HARD ? scoreText(m, oif) : m;
}

function expired(entry: Fib6Entry): boolean {
  return entry.route.expires !== undefined && entry.route.expires < 0;
}

/**
 * The best entry of one node: the entries of the lowest metric first (the round-robin head is the
 * leaf: ROUTER_PREF never advances it); only when none of them qualifies, all later entries together.
 */
// mirrors rt6_select(), find_rr_leaf() and __find_rr_leaf(), net/ipv6/route.c
function selectInNode(ctx: Ipv6Context, node: Fib6Node, key: Fib6TableKey, strict: Fib6Strictness, explain: ExplainSink): Fib6Match | undefined {
  const entries = node.entries;
  const first = entries[0];
  if (!first) return undefined;
  let best = -1;
  let match: Fib6Match | undefined;
  const consider = (entry: Fib6Entry): 'stop' | undefined => {
    if (expired(entry)) {
      explain.add('route', () => `${describeEntry(entry, entry.nh)}: expired`);
      return undefined;
    }
    if (entry.nhObject?.blackhole) {
      explain.add('route', () => `${describeEntry(entry, undefined)}: blackhole nexthop, taken at once`);
      match = { entry, nh: undefined, blackholeNh: true };
      return 'stop';
    }
    const paths = entry.nhObject ? entry.nhObject.members : entry.nh ? [entry.nh] : [];
    for (const nh of paths) {
      const s = matchScore(ctx, entry, nh, key.oif, strict);
      const better = typeof s === 'number' && s > best;
      explain.add('route', () => `${describeEntry(entry, nh)}: ${scoreText(s, key.oif)}${better ? ', best so far' : ''}`);
      if (better) {
        best = s;
        match = { entry, nh, blackholeNh: false };
        // a nexthop group stops at the first member that improves the score
        return undefined;
      }
    }
    return undefined;
  };
  let cont = -1;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    if (entry.metric !== first.metric) {
      cont = i;
      break;
    }
    if (consider(entry) === 'stop') return match;
  }
  if (match || cont < 0) return match;
  explain.add('route', () => `nothing usable with metric ${first.metric}; trying the higher metrics together`);
  for (const entry of entries.slice(cont)) if (consider(entry) === 'stop') return match;
  return match;
}

function nodeName(node: Fib6Node): string {
  return `${formatRouteDst(node.dst)}${node.src ? ` from ${formatRouteDst(node.src)}` : ''}`;
}

/** The route a table gives for the key, or undefined (the kernel's null entry). */
// mirrors fib6_table_lookup(), net/ipv6/route.c
export function lookupFib6Table(
  ctx: Ipv6Context,
  table: Fib6Table,
  key: Fib6TableKey,
  strict: Fib6Strictness,
  explain: ExplainSink,
): Fib6Match | undefined {
  const nodes = table.nodesFor(key.daddr, key.saddr);
  const pass = (s: Fib6Strictness): Fib6Match | undefined => {
    for (const node of nodes) {
      explain.add('table', () => `node ${nodeName(node)}`);
      const m = explain.nest(() => selectInNode(ctx, node, key, s, explain));
      if (m) return m;
    }
    return undefined;
  };
  const found = pass(strict);
  if (found || !strict.reachable || nodes.length === 0) return found;
  explain.add('table', 'no route with a reachable gateway; trying again without the neighbour test');
  return pass({ ...strict, reachable: false });
}
