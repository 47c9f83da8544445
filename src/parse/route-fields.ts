// One route's fields as `ip -j route show` names them → a Route. The text parser produces the same fields.
import type { Family, IpAddress, IpPrefix } from '../addr/types.ts';
import type { Nexthop, Route, RouteMetric, RouteType } from '../model/network-state.ts';
import { RT_SCOPE_UNIVERSE } from '../model/network-state.ts';
import type { RtTables } from '../model/rt-tables.ts';
import { ipEquals, makeIpv4, makeIpv6, maskAddress, parseIp } from '../addr/ip.ts';
import { parseUnsigned, type FieldReader } from './json-fields.ts';
import type { Mutable } from './mutable.ts';
import { parseDsfield, parseRouteType, parseScope } from './iproute2-names.ts';
import { resolveTableName } from './table-names.ts';

export interface RouteContext {
  readonly family: Family;
  readonly rtTables?: RtTables;
  readonly order: number;
  /** table of routes printed without one: main for `ip route show table all`, X for `ip route show table X` */
  readonly defaultTable: number;
}

/** Route types without next hops: the lookup ends (or, for throw, continues) at the route itself. */
export const ERROR_TYPES: ReadonlySet<RouteType> = new Set<RouteType>(['blackhole', 'unreachable', 'prohibit', 'throw']);

/** The flags print_rt_flags() prints that belong to a next hop (RTNH_F_*). */
export const NEXTHOP_FLAGS: ReadonlySet<string> = new Set([
  'dead', 'onlink', 'pervasive', 'offload', 'trap', 'linkdown', 'unresolved',
]);

/** undefined (with an error diagnostic) when the route cannot be represented. */
// mirrors print_route() and print_rta_multipath(), ip/iproute.c (iproute2 6.1)
export function buildRoute(f: FieldReader, ctx: RouteContext): Route | undefined {
  const { sink, where } = f;
  const dstText = f.string('dst');
  if (dstText === undefined) {
    if (!f.has('dst')) sink.error('route-missing-dst', 'route: no "dst"', where);
    return undefined;
  }
  const what = `route ${dstText}`;
  const errorsBefore = sink.errorCount;
  const fail = (code: string, message: string, hint?: string): undefined => {
    sink.error(code, `${what}: ${message}`, where, hint);
    return undefined;
  };

  const typeText = f.string('type');
  const type = typeText === undefined
    ? 'unicast'
    : (parseRouteType(typeText) ?? fail('route-unknown-type', `unknown route type "${typeText}"`,
      'route types are unicast, local, broadcast, anycast, multicast, blackhole, unreachable, prohibit, throw, nat, xresolve'));

  const dst = routePrefix(dstText, ctx.family, 'dst', f, fail);
  const fromText = f.string('from');
  const src = fromText === undefined ? undefined : routePrefix(fromText, ctx.family, 'from', f, fail);

  const tosText = f.string('tos');
  const tos = tosText === undefined ? 0 : (parseDsfield(tosText) ?? fail('route-bad-tos', `bad tos "${tosText}"`));

  const metric = f.has('metric') ? f.uint('metric') : 0;
  const scopeText = f.string('scope');
  const scope = scopeText === undefined
    ? RT_SCOPE_UNIVERSE
    : (parseScope(scopeText) ?? fail('route-bad-scope', `unknown scope "${scopeText}"`));

  const tableText = f.string('table');
  const table = tableText === undefined ? ctx.defaultTable : resolveTableName(tableText, ctx.rtTables, sink, where, what);

  const prefsrcText = f.string('prefsrc');
  const prefsrc = prefsrcText === undefined ? undefined : (parseIp(prefsrcText, 'strict', ctx.family) ?? fail('route-bad-address', `prefsrc "${prefsrcText}" is not an IPv${ctx.family} address`));

  const flags = f.stringArray('flags') ?? [];
  const nhid = f.has('nhid') ? f.uint('nhid') : undefined;
  const metrics = routeMetrics(f, fail);
  const realms = routeRealms(f, what);
  const expires = f.has('expires') ? f.int('expires') : undefined;
  const pref = f.has('pref') ? String(f.object['pref']) : undefined;
  const protocol = f.string('protocol') ?? 'boot';

  let nexthops: Nexthop[] = [];
  if (type !== undefined && !ERROR_TYPES.has(type) && nhid === undefined) {
    const list = f.objectArray('nexthops');
    if (list !== undefined) {
      nexthops = list.flatMap((nh, i) => {
        const hop = buildNexthop(f.nested(nh, `${what} nexthop #${i + 1}`), ctx.family, fail);
        return hop ? [hop] : [];
      });
    } else if (f.has('dev') || f.has('gateway') || f.has('via')) {
      const hop = buildNexthop(f, ctx.family, fail, flags.filter((w) => NEXTHOP_FLAGS.has(w)));
      if (hop) nexthops = [hop];
    }
  }

  if (sink.errorCount > errorsBefore || type === undefined || dst === undefined || metric === undefined ||
      scope === undefined || table === undefined) {
    return undefined;
  }
  const route: Mutable<Route> = { family: ctx.family, table, type, dst, tos: tos ?? 0, metric, scope, protocol, nexthops, flags, order: ctx.order };
  if (src !== undefined) route.src = src;
  if (prefsrc !== undefined) route.prefsrc = prefsrc;
  if (nhid !== undefined) route.nhid = nhid;
  if (pref !== undefined) route.pref = pref;
  if (metrics !== undefined && metrics.length > 0) route.metrics = metrics;
  if (realms !== undefined) route.realms = realms;
  if (expires !== undefined) route.expires = expires;
  return route;
}

/**
 * "metrics": [{NAME: VALUE, …}] in print order (rtt, rttvar, rto_min in ms; "congestion" a name; "ecn" null).
 * JSON does not say which are locked; the text parser passes the locked names as "metrics_lock".
 */
// mirrors print_rta_metrics(), ip/iproute.c
function routeMetrics(f: FieldReader, fail: Fail): RouteMetric[] | undefined {
  const list = f.objectArray('metrics');
  if (list === undefined) return undefined;
  const locked = new Set(f.stringArray('metrics_lock') ?? []);
  const metrics: RouteMetric[] = [];
  for (const object of list) {
    for (const [name, value] of Object.entries(object)) {
      const lock = locked.has(name);
      // RTAX_FEATURE_ECN, printed with print_null()
      if (name === 'ecn' && value === null) metrics.push({ name, value: 1, lock });
      else if (typeof value === 'number' || typeof value === 'string') metrics.push({ name, value, lock });
      else return fail('route-bad-metric', `metric "${name}" has the value ${JSON.stringify(value)}`);
    }
  }
  return metrics;
}

/** A realm as rtnl_rtrealm_n2a() prints it: decimal, or "cosmos" (0, from the rt_realms iproute2 installs). */
function realmId(text: string | undefined): number | undefined {
  if (text === undefined) return 0;
  if (text === 'cosmos' || text === 'unknown') return 0;
  const value = parseUnsigned(text);
  return value !== undefined && value <= 0xffff ? value : undefined;
}

/** "flow": {"from": REALM, "to": REALM} (RTA_FLOW) → (from << 16) | to; an unknown realm name is left out with a warning. */
// mirrors print_rta_flow(), ip/iproute.c
function routeRealms(f: FieldReader, what: string): number | undefined {
  const flow = f.child('flow');
  if (flow === undefined) return undefined;
  const r = f.nested(flow, `${what} realms`);
  const from = realmId(r.string('from'));
  const to = realmId(r.string('to'));
  if (from === undefined || to === undefined) {
    f.sink.warning(
      'route-unknown-realm',
      `${what}: unknown realm in ${JSON.stringify(flow)}; the route is kept without realms`,
      f.where,
      'realm names other than "cosmos" come from /etc/iproute2/rt_realms, which a snapshot does not record; use numbers',
    );
    return undefined;
  }
  return ((from << 16) | to) >>> 0;
}

type Fail = (code: string, message: string, hint?: string) => undefined;

/** "default", "ADDR/LEN" or a host address; print_route() prints "0/LEN" when only a length was sent. */
function routePrefix(text: string, family: Family, key: string, f: FieldReader, fail: Fail): IpPrefix | undefined {
  const bits = family === 4 ? 32 : 128;
  const trimmed = text.trim();
  if (trimmed === 'default') return { address: (family === 4 ? makeIpv4(0) : makeIpv6(0n)), length: 0 };
  const slash = trimmed.indexOf('/');
  const addressText = slash < 0 ? trimmed : trimmed.slice(0, slash);
  const lengthText = slash < 0 ? String(bits) : trimmed.slice(slash + 1);
  const address = addressText === '0' ? (family === 4 ? makeIpv4(0) : makeIpv6(0n)) : parseIp(addressText, 'strict', family);
  if (address === undefined) return fail('route-bad-address', `${key} "${text}" is not an IPv${family} prefix`);
  if (!/^\d{1,3}$/.test(lengthText) || Number(lengthText) > bits) {
    return fail('route-bad-prefix', `${key} "${text}" has a bad prefix length`);
  }
  const length = Number(lengthText);
  const masked = maskAddress(address, length);
  if (!ipEquals(masked, address)) {
    f.sink.warning('route-prefix-host-bits', `${key} ${text} has host bits set, which the kernel never stores; cleared`, f.where);
  }
  return { address: masked, length };
}

/** A next hop from a "nexthops" element, or from the route's own gateway/dev (single path). */
function buildNexthop(
  f: FieldReader,
  family: Family,
  fail: Fail,
  routeFlags?: readonly string[],
): Nexthop | undefined {
  let gateway: IpAddress | undefined;
  const gatewayText = f.string('gateway');
  if (gatewayText !== undefined) {
    gateway = parseIp(gatewayText, 'strict', family) ?? fail('route-bad-gateway', `gateway "${gatewayText}" is not an IPv${family} address`);
    if (gateway === undefined) return undefined;
  }
  const via = f.child('via');
  if (via !== undefined) {
    const v = f.nested(via, f.what);
    const host = v.string('host');
    const viaFamily = v.string('family');
    const parsed = host === undefined ? undefined : parseIp(host, 'strict', viaFamily === 'inet6' ? 6 : viaFamily === 'inet' ? 4 : undefined);
    if (parsed === undefined) return fail('route-bad-gateway', `via ${viaFamily ?? '?'} "${host ?? ''}" is not an IP address`);
    gateway = parsed;
  }
  const dev = f.string('dev');
  const weight = routeFlags === undefined ? (f.has('weight') ? f.uint('weight') : 1) : 1;
  if (weight === undefined) return undefined;
  const flags = routeFlags ?? f.stringArray('flags') ?? [];
  const hop: Mutable<Nexthop> = {
    weight,
    onlink: flags.includes('onlink'),
    dead: flags.includes('dead'),
    linkdown: flags.includes('linkdown'),
    flags,
  };
  if (gateway !== undefined) hop.gateway = gateway;
  if (dev !== undefined) hop.dev = dev;
  return hop;
}

