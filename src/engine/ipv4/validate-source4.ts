// Reverse-path and source checks of received packets (net/ipv4/fib_frontend.c: fib_validate_source).
import type { Link } from '../../model/network-state.ts';
import { LOOPBACK_IFINDEX, RT_SCOPE_HOST } from '../../model/network-state.ts';
import type { EngineContext } from '../context.ts';
import type { ExplainSink } from '../explain.ts';
import { describeRoute } from '../format.ts';
import { hasIpv4Address, l3mdevMasterIfindex, lookupIfaddr } from './addr4.ts';
import type { Fib4 } from './fib4-lookup.ts';
import type { FibResult4 } from './fib4-table.ts';
import { fmt4, type Flow4 } from './flow4.ts';

/** The received packet as the checks see it. */
export interface InputPacket4 {
  readonly saddr: number;
  readonly daddr: number;
  readonly tos: number;
  readonly mark: number;
  /** protocol and ports as the rules see them (zero unless rules need flow dissection) */
  readonly proto: number;
  readonly sport: number;
  readonly dport: number;
}

/** < 0 is a failure (EINVAL or EXDEV), 0 ok, 1 ok and the source is on-link (a redirect may be sent). */
export type ValidateSourceResult = { readonly ok: true; readonly onlink: boolean } | { readonly ok: false; readonly errno: 'EINVAL' | 'EXDEV' };

function usesDev(res: FibResult4, ifindex: number): boolean {
  return res.fi.nexthops.some((nh) => nh.ifindex === ifindex);
}

// mirrors __fib_validate_source(), net/ipv4/fib_frontend.c
function fullCheck(
  ctx: EngineContext,
  fib: Fib4,
  pkt: InputPacket4,
  src: number,
  dst: number,
  oif: number,
  dev: Link,
  rpf: number,
  explain: ExplainSink,
): ValidateSourceResult {
  const srcValidMark = ctx.sysctls.srcValidMark(dev.name);
  const flow: Flow4 = {
    daddr: src,
    saddr: dst,
    tos: pkt.tos,
    scope: 0,
    iif: oif !== 0 ? oif : LOOPBACK_IFINDEX,
    oif: 0,
    mark: srcValidMark ? pkt.mark : 0,
    uid: 0,
    proto: pkt.proto,
    sport: pkt.dport,
    dport: pkt.sport,
    l3mdev: l3mdevMasterIfindex(ctx, dev.ifindex),
    l3mdevFromOif: false,
  };
  const noAddr = !hasIpv4Address(ctx, dev.ifindex);
  const rpfFail = (why: string): ValidateSourceResult => {
    explain.add('check', () => `${why}: rp_filter ${rpf === 1 ? 'strict' : 'loose'} rejects the packet (EXDEV)`);
    return { ok: false, errno: 'EXDEV' };
  };
  const lastResort = (why: string): ValidateSourceResult => {
    if (rpf !== 0) return rpfFail(why);
    explain.add('check', () => `${why}; rp_filter is off, accepted`);
    return { ok: true, onlink: false };
  };
  explain.add(
    'check',
    () => `reverse lookup: to ${fmt4(src)} from ${dst ? fmt4(dst) : '0.0.0.0'} iif ${ctx.devName(flow.iif)}${flow.mark ? ` mark 0x${flow.mark.toString(16)}` : ''}${srcValidMark ? ' (src_valid_mark)' : ''}`,
  );
  const back = explain.nest(() => fib.lookup(flow, false, explain));
  if (back.kind === 'error') return lastResort(`no route back to ${fmt4(src)} (${back.errno})`);
  const res = back.result;
  if (res.type !== 'unicast') {
    if (res.type !== 'local') {
      explain.add('check', () => `the route back to ${fmt4(src)} is of type ${res.type}: martian source (EINVAL)`);
      return { ok: false, errno: 'EINVAL' };
    }
    if (!ctx.sysctls.acceptLocal(dev.name)) {
      explain.add('check', () => `${fmt4(src)} is a local address and accept_local is off: martian source (EINVAL)`);
      return { ok: false, errno: 'EINVAL' };
    }
  }
  const devMatch = usesDev(res, dev.ifindex) || (res.type === 'local' && dev.loopback);
  if (devMatch) {
    const onlink = res.nh.scope >= RT_SCOPE_HOST;
    explain.add('check', () => `the route back (${describeRoute(res.fi.route)}) uses ${dev.name}: source accepted${onlink ? ' (on-link)' : ''}`);
    return { ok: true, onlink };
  }
  if (noAddr) return lastResort(`${dev.name} has no IPv4 address and the route back uses another device`);
  if (rpf === 1) return rpfFail(`the route back (${describeRoute(res.fi.route)}) does not use ${dev.name}`);
  flow.oif = dev.ifindex;
  const second = explain.nest(() => fib.lookup(flow, true, explain));
  const onlink = second.kind === 'result' && second.result.type === 'unicast' && second.result.nh.scope >= RT_SCOPE_HOST;
  explain.add('check', () => `the route back does not use ${dev.name}; rp_filter ${rpf === 2 ? 'loose' : 'off'} accepts it`);
  return { ok: true, onlink };
}

/** fib_validate_source(): the "is this one of my addresses" shortcut or the full reverse-path check. */
// mirrors fib_validate_source(), net/ipv4/fib_frontend.c
export function validateSource4(
  ctx: EngineContext,
  fib: Fib4,
  pkt: InputPacket4,
  src: number,
  dst: number,
  oif: number,
  dev: Link,
  explain: ExplainSink,
): ValidateSourceResult {
  const rpf = ctx.sysctls.rpFilter(dev.name);
  const sendRedirects = ctx.sysctls.sendRedirects(dev.name);
  if (rpf === 0 && !fib.realmsUsed && (dev.ifindex !== oif || !sendRedirects)) {
    if (ctx.sysctls.acceptLocal(dev.name)) {
      explain.add('check', 'rp_filter off and accept_local on: source accepted');
      return { ok: true, onlink: false };
    }
    if (!ctx.state.fib.v4HasCustomLocalRoutes && fib.merged) {
      const owner = lookupIfaddr(ctx, src);
      if (owner) {
        explain.add('check', () => `rp_filter off: source ${fmt4(src)} is our own address (on ${owner.dev}): martian source (EINVAL)`);
        return { ok: false, errno: 'EINVAL' };
      }
      explain.add('check', 'rp_filter off, no custom rules or local routes: only "is the source one of my addresses" is checked, it is not');
      return { ok: true, onlink: false };
    }
    explain.add('check', 'rp_filter off, but custom rules or local routes exist: full source check');
  } else {
    explain.add('check', () =>
      rpf !== 0
        ? `rp_filter ${rpf === 1 ? 'strict' : 'loose'} (max of all and ${dev.name})`
        : fib.realmsUsed
          ? 'routes with realms exist: full source check'
          : `hairpin on ${dev.name} with send_redirects on: full source check`,
    );
  }
  return fullCheck(ctx, fib, pkt, src, dst, oif, dev, rpf, explain);
}
