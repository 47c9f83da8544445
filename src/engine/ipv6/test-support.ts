// Builds IPv6 NetworkStates by hand for tests, with the routes and addresses the kernel itself creates.
import { parseIp } from '../../addr/address.ts';
import { makePrefix, parsePrefix, prefixEquals } from '../../addr/prefix.ts';
import type { IpPrefix, Ipv6Address } from '../../addr/types.ts';
import {
  RT_SCOPE_HOST,
  RT_SCOPE_LINK,
  RT_SCOPE_UNIVERSE,
  RT_TABLE_LOCAL,
  RT_TABLE_MAIN,
  RULE_DEFAULTS,
  type InterfaceAddress,
  type Link,
  type Neighbour,
  type NetworkState,
  type Nexthop,
  type NexthopObject,
  type Route,
  type RouteMetric,
  type RouteType,
  type Rule,
} from '../../model/network-state.ts';
import type { RouteQuery } from '../../model/route-query.ts';
import { builtinRtTables } from '../../model/rt-tables.ts';
import { classifyIpv6 } from './addr-type.ts';

export function ip6(text: string): Ipv6Address {
  const a = parseIp(text, 'strict', 6);
  if (a?.family !== 6) throw new Error(`not an IPv6 address: ${text}`);
  return a;
}

export function prefix6(text: string): IpPrefix {
  const p = parsePrefix(text === 'default' ? '::/0' : text, 6);
  if (!p) throw new Error(`not an IPv6 prefix: ${text}`);
  return p;
}

export interface RouteSpec {
  readonly dst: string;
  readonly type?: RouteType;
  /** `via` of a single-path route */
  readonly via?: string;
  readonly dev?: string;
  /** multipath: one [via, dev, weight?] per next hop */
  readonly nexthops?: readonly (readonly [string, string, number?])[];
  readonly nhid?: number;
  readonly table?: number;
  readonly metric?: number;
  readonly pref?: 'low' | 'medium' | 'high';
  readonly from?: string;
  readonly src?: string;
  readonly protocol?: string;
  readonly dead?: boolean;
  readonly linkdown?: boolean;
  readonly metrics?: readonly RouteMetric[];
  readonly expires?: number;
}

export type RuleSpec = Partial<Omit<Rule, 'family' | 'order' | 'src' | 'dst'>> & {
  readonly priority: number;
  readonly from?: string;
  readonly to?: string;
};

function nexthop(via: string | undefined, dev: string | undefined, weight: number, dead: boolean, linkdown: boolean): Nexthop {
  return {
    ...(via !== undefined ? { gateway: ip6(via) } : {}),
    ...(dev !== undefined ? { dev } : {}),
    weight,
    onlink: false,
    dead,
    linkdown,
    flags: [...(dead ? ['dead'] : []), ...(linkdown ? ['linkdown'] : [])],
  };
}

/**
 * A namespace under construction. `device()` adds a veth-like link with its link-local address, and
 * `address()` the address plus the routes the kernel adds for it (connected, local, multicast), so
 * tests spell out only what `ip` commands would add.
 */
export class Ipv6StateBuilder {
  private readonly links: Link[] = [];
  /** per device, in the kernel's address list order */
  private readonly addresses = new Map<string, Omit<InterfaceAddress, 'order'>[]>();
  private readonly routes: Route[] = [];
  private readonly rules: Rule[] = [];
  private readonly neighbours: Neighbour[] = [];
  private readonly nexthopObjects: NexthopObject[] = [];
  private readonly sysctls = new Map<string, string>();
  private routeOrder = 0;

  constructor() {
    this.links.push({ ifindex: 1, name: 'lo', up: true, carrier: true, loopback: true, flags: ['LOOPBACK', 'UP'], mtu: 65536, group: 0, l3Master: false });
    this.address('lo', '::1/128');
    this.rule({ priority: 0, table: RT_TABLE_LOCAL });
    this.rule({ priority: 32766, table: RT_TABLE_MAIN });
  }

  /** A device that is up, with carrier unless `carrier: false`, and a link-local address. */
  device(name: string, linkLocal: string, opts: { carrier?: boolean; group?: number } = {}): this {
    const ifindex = this.links.length + 1;
    this.links.push({ ifindex, name, up: true, carrier: opts.carrier ?? true, loopback: false, flags: ['UP'], mtu: 1500, group: opts.group ?? 0, l3Master: false });
    this.route({ dst: 'ff00::/8', type: 'multicast', dev: name, table: RT_TABLE_LOCAL, metric: 256, protocol: 'kernel', linkdown: opts.carrier === false });
    this.address(name, `${linkLocal}/64`);
    return this;
  }

  /** An address in the kernel's list position (by scope, newest first) with its local and connected routes. */
  address(dev: string, cidr: string, flags: readonly string[] = []): this {
    const link = this.links.find((l) => l.name === dev);
    if (!link) throw new Error(`no device ${dev}`);
    const [text, len] = cidr.split('/');
    const local = ip6(text ?? '');
    const prefixLength = Number(len);
    const scope = classifyIpv6(local.value).scope;
    const list = this.addresses.get(dev) ?? [];
    this.addresses.set(dev, list);
    // mirrors ipv6_link_dev_addr(), net/ipv6/addrconf.c: before the first address of the same or a narrower scope
    const at = list.findIndex((a) => scope >= classifyIpv6(BigInt(a.local.value)).scope);
    list.splice(at < 0 ? list.length : at, 0, {
      ifindex: link.ifindex,
      dev,
      family: 6,
      local,
      prefixLength,
      scope: scope === 14 ? RT_SCOPE_UNIVERSE : local.value === 1n ? RT_SCOPE_HOST : RT_SCOPE_LINK,
      secondary: false,
      flags,
    });
    const usable = !flags.includes('tentative') || flags.includes('optimistic');
    if (usable) this.route({ dst: `${text}/128`, type: 'local', dev, table: RT_TABLE_LOCAL, metric: 0, protocol: 'kernel' });
    if (prefixLength < 128) {
      const dst = makePrefix(local, prefixLength);
      const known = this.routes.some((r) => r.table === RT_TABLE_MAIN && prefixEquals(r.dst, dst) && r.nexthops[0]?.dev === dev);
      if (!known) this.routes.push({ ...this.baseRoute({ metric: 256, protocol: 'kernel' }), dst, nexthops: [nexthop(undefined, dev, 1, false, !link.carrier)] });
    }
    return this;
  }

  private baseRoute(spec: Partial<RouteSpec>): Omit<Route, 'dst' | 'nexthops'> {
    return {
      family: 6,
      table: spec.table ?? RT_TABLE_MAIN,
      type: spec.type ?? 'unicast',
      tos: 0,
      metric: spec.metric ?? 1024,
      scope: RT_SCOPE_UNIVERSE,
      protocol: spec.protocol ?? 'boot',
      ...(spec.src ? { prefsrc: ip6(spec.src) } : {}),
      ...(spec.from ? { src: prefix6(spec.from) } : {}),
      ...(spec.nhid !== undefined ? { nhid: spec.nhid } : {}),
      ...(spec.metrics ? { metrics: spec.metrics } : {}),
      ...(spec.expires !== undefined ? { expires: spec.expires } : {}),
      flags: [],
      pref: spec.pref ?? 'medium',
      order: this.routeOrder++,
    };
  }

  route(spec: RouteSpec): this {
    const dead = spec.dead ?? false;
    const linkdown = spec.linkdown ?? false;
    const nexthops =
      spec.nexthops?.map(([via, dev, weight]) => nexthop(via, dev, weight ?? 1, dead, linkdown)) ??
      (spec.nhid !== undefined || (spec.dev === undefined && spec.via === undefined) ? [] : [nexthop(spec.via, spec.dev, 1, dead, linkdown)]);
    this.routes.push({ ...this.baseRoute(spec), dst: prefix6(spec.dst), nexthops });
    return this;
  }

  rule(spec: RuleSpec): this {
    const { from, to, ...rest } = spec;
    this.rules.push({
      family: 6,
      ...RULE_DEFAULTS,
      ...rest,
      ...(from ? { src: prefix6(from) } : {}),
      ...(to ? { dst: prefix6(to) } : {}),
      order: this.rules.length,
    });
    return this;
  }

  neighbour(dev: string, address: string, state: string): this {
    this.neighbours.push({ dev, address: ip6(address), state: [state] });
    return this;
  }

  nexthopObject(o: Omit<NexthopObject, 'onlink' | 'blackhole' | 'fdb' | 'dead' | 'linkdown'> & Partial<NexthopObject>): this {
    this.nexthopObjects.push({ onlink: false, blackhole: false, fdb: false, dead: false, linkdown: false, family: 6, ...o });
    return this;
  }

  sysctl(path: string, value: number): this {
    this.sysctls.set(path, String(value));
    return this;
  }

  build(): NetworkState {
    return {
      kernelRelease: '6.18.44',
      links: this.links,
      addresses: [...this.addresses.values()].flatMap((list) => list.map((a, order) => ({ ...a, order }))),
      rules4: [],
      rules6: this.rules,
      routes: this.routes,
      nexthopObjects: this.nexthopObjects,
      neighbours: this.neighbours,
      multicast: [],
      sysctls: this.sysctls,
      rtTables: builtinRtTables(),
      fib: { v4TablesMerged: true, v4HasCustomLocalRoutes: false },
    };
  }
}

/**
 * The namespace of the kernel experiments: lo, then a0, b0, c0 (veth pairs, peers elsewhere) with
 * 2001:db8:{a,b,c}::1/64 and link-local fe80::{a,b,c}0.
 */
export function threeLinkLab(opts: { carrier?: Partial<Record<'a0' | 'b0' | 'c0', boolean>>; groups?: Partial<Record<'a0' | 'b0' | 'c0', number>> } = {}): Ipv6StateBuilder {
  const b = new Ipv6StateBuilder();
  for (const x of ['a', 'b', 'c'] as const) {
    const name = `${x}0` as const;
    b.device(name, `fe80::${x}0`, { carrier: opts.carrier?.[name] ?? true, group: opts.groups?.[name] ?? 0 });
    b.address(name, `2001:db8:${x}::1/64`, ['nodad']);
  }
  return b;
}

/** A query as `ip -6 route get DST [from F] …` run as root would send it. */
export function query6(dst: string, more: Partial<Omit<RouteQuery, 'family' | 'dst' | 'from'>> & { from?: string } = {}): RouteQuery {
  const { from, ...rest } = more;
  return { family: 6, dst: ip6(dst), callerUid: 0, ...(from ? { from: ip6(from) } : {}), ...rest };
}
