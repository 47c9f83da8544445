// The reverse-path lookup of a received IPv4 packet, as fib_validate_source() makes it, with the rule and table it used.
import { formatIp } from '../../addr/address.ts';
import type { Ipv4Address } from '../../addr/types.ts';
import { EngineContext } from '../../engine/context.ts';
import { ExplainSink } from '../../engine/explain.ts';
import { describeRoute } from '../../engine/format.ts';
import { l3mdevMasterIfindex } from '../../engine/ipv4/addr4.ts';
import { Fib4 } from '../../engine/ipv4/fib4-lookup.ts';
import type { Flow4 } from '../../engine/ipv4/flow4.ts';
import { LOOPBACK_IFINDEX, type NetworkState } from '../../model/network-state.ts';
import type { Errno } from '../../model/route-query.ts';
import { tableName } from '../../model/rt-tables.ts';

export interface ReversePath {
  /** where the packet itself went: local delivery, or forwarded out this device */
  readonly forward: { readonly kind: 'local' } | { readonly kind: 'forward'; readonly dev: string } | { readonly kind: 'none'; readonly errno: Errno };
  /** iif of the reverse lookup: the forward output device, or lo for local delivery */
  readonly reverseIif: string;
  /** the mark the reverse lookup used (the packet's mark only with src_valid_mark) */
  readonly reverseMark: number;
  /** the rule and table the reverse lookup ended in; undefined when nothing matched */
  readonly rule?: { readonly pref: number; readonly table: number; readonly tableName: string };
  /** the route found back to the source ("default via 192.0.2.1 dev wan1"), or the errno */
  readonly route: { readonly text: string; readonly devs: readonly string[] } | { readonly errno: Errno };
  /** the route back leaves by the input device: strict rp_filter accepts */
  readonly usesInputDev: boolean;
}

export interface ReceivedPacket {
  readonly dev: string;
  readonly src: Ipv4Address;
  readonly dst: Ipv4Address;
  readonly mark: number;
}

function baseFlow(daddr: number, saddr: number, iif: number, mark: number): Flow4 {
  return { daddr, saddr, tos: 0, scope: 0, iif, oif: 0, mark, uid: 0, proto: 0, sport: 0, dport: 0, l3mdev: 0, l3mdevFromOif: false };
}

/** The forward lookup of `pkt` on `dev`, then the reverse lookup rp_filter makes; undefined when `dev` is unknown. */
// mirrors ip_route_input_slow() and __fib_validate_source(), net/ipv4/route.c and fib_frontend.c
export function lookupReversePath4(state: NetworkState, pkt: ReceivedPacket): ReversePath | undefined {
  const ctx = new EngineContext(state);
  const dev = ctx.linkByName(pkt.dev);
  if (!dev) return undefined;
  const fib = new Fib4(ctx);
  const silent = new ExplainSink(false);
  const forwardFlow = baseFlow(pkt.dst.value, pkt.src.value, dev.ifindex, pkt.mark);
  const fwd = fib.lookup(forwardFlow, false, silent);
  let forward: ReversePath['forward'];
  let oif = 0;
  if (fwd.kind === 'error') forward = { kind: 'none', errno: fwd.errno };
  else if (fwd.result.type === 'local' || fwd.result.type === 'broadcast') forward = { kind: 'local' };
  else {
    oif = fwd.result.nh.ifindex;
    forward = { kind: 'forward', dev: ctx.devName(oif) };
  }
  const reverseMark = ctx.sysctls.srcValidMark(dev.name) ? pkt.mark : 0;
  const reverseFlow: Flow4 = { ...baseFlow(pkt.src.value, pkt.dst.value, oif !== 0 ? oif : LOOPBACK_IFINDEX, reverseMark), l3mdev: l3mdevMasterIfindex(ctx, dev.ifindex) };
  const back = fib.lookup(reverseFlow, false, silent);
  const reverseIif = ctx.devName(reverseFlow.iif);
  const decided = back.kind === 'result' ? back.result.decidedBy : back.decidedBy;
  const rule = decided ? { pref: decided.pref, table: decided.table, tableName: tableName(state.rtTables, decided.table) } : undefined;
  if (back.kind === 'error') return { forward, reverseIif, reverseMark, ...(rule ? { rule } : {}), route: { errno: back.errno }, usesInputDev: false };
  const devs = back.result.fi.nexthops.map((nh) => ctx.devName(nh.ifindex));
  return {
    forward,
    reverseIif,
    reverseMark,
    ...(rule ? { rule } : {}),
    route: { text: describeRoute(back.result.fi.route), devs },
    usesInputDev: devs.includes(dev.name) || (back.result.type === 'local' && dev.loopback),
  };
}

/** "rule 32766 → table main: default via 192.0.2.1 dev wan1" */
export function describeReversePath(path: ReversePath, src: Ipv4Address): string {
  const where = path.rule ? `rule ${path.rule.pref} → table ${path.rule.tableName}` : 'no rule';
  const what = 'errno' in path.route ? `no route back to ${formatIp(src)} (${path.route.errno})` : path.route.text;
  return `${where}: ${what}`;
}
