// The routing engine: `ip route get` answers for a NetworkState, IPv4 and IPv6.
import { makeIpv4 } from '../addr/ipv4.ts';
import type { IpAddress } from '../addr/types.ts';
import { RT_SCOPE_UNIVERSE, type NetworkState } from '../model/network-state.ts';
import type { RouteAnswer, RouteQuery } from '../model/route-query.ts';
import { EngineContext } from './context.ts';
import { ExplainSink } from './explain.ts';
import { inetSelectAddr, v4 } from './ipv4/addr4.ts';
import { Fib4 } from './ipv4/fib4-lookup.ts';
import { routeGet4 } from './ipv4/route-get4.ts';
import { buildIpv6Context, type Ipv6Context } from './ipv6/context.ts';
import { routeGet6 } from './ipv6/route-get6.ts';
import { selectSourceAddress6 } from './ipv6/source-address.ts';

export interface QueryOptions {
  /** collect the reasoning in the answer's `explain` (--explain); without it `explain` is empty and no text is built */
  readonly explain?: boolean;
}

export interface Engine {
  /** Answers one query as `ip route get` does on the snapshot's kernel. */
  routeGet(query: RouteQuery, options?: QueryOptions): RouteAnswer;
  /**
   * The source address the kernel picks on `dev` for a packet toward `toward` with no route preference,
   * as masquerade does (IPv4: toward the next hop; IPv6: toward the destination); undefined when there is none.
   */
  selectSourceAddress(dev: string, toward: IpAddress): IpAddress | undefined;
}

/** Builds the indexes of `state` once; every query after that reuses them. */
export function createEngine(state: NetworkState): Engine {
  const ctx = new EngineContext(state);
  let fib4: Fib4 | undefined;
  let ipv6: Ipv6Context | undefined;
  return {
    routeGet(query: RouteQuery, options: QueryOptions = {}): RouteAnswer {
      const explain = new ExplainSink(options.explain ?? false);
      const mixed = [query.dst, query.from].some((a) => a !== undefined && a.family !== query.family);
      if (mixed) {
        explain.add('check', () => `addresses of another family in an IPv${query.family} query: EINVAL`);
        return { ok: false, errno: 'EINVAL', explain: explain.steps };
      }
      if (query.family === 6) {
        ipv6 ??= buildIpv6Context(state, ctx);
        return routeGet6(ipv6, query, explain);
      }
      fib4 ??= new Fib4(ctx);
      return routeGet4(ctx, fib4, query, explain);
    },
    // mirrors inet_select_addr(out, nh, RT_SCOPE_UNIVERSE) in nf_nat_masquerade_ipv4() and ipv6_dev_get_saddr() in nf_nat_masquerade_ipv6()
    selectSourceAddress(dev: string, toward: IpAddress): IpAddress | undefined {
      const link = ctx.linkByName(dev);
      if (!link) return undefined;
      if (toward.family === 6) {
        ipv6 ??= buildIpv6Context(state, ctx);
        return selectSourceAddress6(ipv6, link, toward, new ExplainSink(false));
      }
      const addr = inetSelectAddr(ctx, link.ifindex, v4(toward), RT_SCOPE_UNIVERSE);
      return addr !== 0 ? makeIpv4(addr) : undefined;
    },
  };
}
