// The IPv6 lookup key (struct flowi6 plus the RT6_LOOKUP_F_* flags) of `ip -6 route get`.
import type { IpAddress } from '../../addr/types.ts';
import { LOOPBACK_IFINDEX } from '../../model/network-state.ts';
import type { RouteQuery } from '../../model/route-query.ts';
import type { RuleFlowCommon } from '../rules.ts';
import { needsStrictIface } from './addr-type.ts';
import type { Fib6Strictness } from './fib6-lookup.ts';
import type { Fib6HashFlow } from './fib6-path.ts';

/** INVALID_UID: what `ip -6 route get … iif` uses as the uid when none is given. */
export const INVALID_UID = 0xffffffff;

export interface Flow6 extends RuleFlowCommon, Fib6HashFlow {
  /** the lookup is on the input path (`iif`) */
  readonly input: boolean;
  /** RT6_LOOKUP_F_HAS_SADDR: `from` rules can only match when the lookup carries a source */
  readonly hasSaddr: boolean;
  /** the traffic class (`tos`/`dsfield`), bits 20-27 of flowi6.flowlabel */
  readonly tclass: number;
  readonly strict: Fib6Strictness;
  /** the device tables score candidates against: the oif, or on the input path the iif */
  readonly lookupOif: number;
}

const NO_ADDRESS: IpAddress = { family: 6, value: 0n };

/**
 * The flow of one query. `iif`/`oif` are ifindexes already resolved by the caller (0 = none);
 * `forwarding` is net.ipv6.conf.all.forwarding.
 */
// mirrors inet6_rtm_getroute(), ip6_route_output_flags_noref() and ip6_route_input_lookup(), net/ipv6/route.c
export function buildFlow6(query: RouteQuery, iif: number, oif: number, forwarding: boolean): Flow6 {
  const input = query.iif !== undefined;
  const saddr = query.from ?? NO_ADDRESS;
  const hasSaddr = saddr.value !== 0n;
  const strictDst = needsStrictIface(BigInt(query.dst.value));
  return {
    input,
    daddr: query.dst,
    saddr,
    hasSaddr,
    // the output path runs with iif = lo; `oif` is ignored on the input path
    iif: input ? iif : LOOPBACK_IFINDEX,
    oif: input ? 0 : oif,
    mark: query.mark ?? 0,
    uid: input ? (query.uid ?? INVALID_UID) : (query.uid ?? query.callerUid ?? 0),
    proto: query.ipproto ?? 0,
    sport: query.sport ?? 0,
    dport: query.dport ?? 0,
    tclass: (query.tos ?? 0) & 0xff,
    flowlabel: 0,
    l3mdev: 0,
    l3mdevFromOif: false,
    strict: { iface: strictDst || (!input && oif !== 0 && !hasSaddr), reachable: !forwarding },
    lookupOif: input ? iif : oif,
  };
}
