// Builds IPv4 NetworkStates by hand for tests, with the routes and addresses the kernel itself creates.
import { ipv4Netmask } from '../../addr/address.ts';
import { makeIpv4, parseIpv4 } from '../../addr/ipv4.ts';
import type { IpPrefix, Ipv4Address } from '../../addr/types.ts';
import {
  RT_SCOPE_HOST,
  RT_SCOPE_LINK,
  RT_SCOPE_UNIVERSE,
  RT_TABLE_DEFAULT,
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
  type RouteType,
  type Rule,
} from '../../model/network-state.ts';
import type { RouteAnswer, RouteQuery } from '../../model/route-query.ts';
import { builtinRtTables } from '../../model/rt-tables.ts';

export function ip4(text: string): Ipv4Address {
  const a = parseIpv4(text);
  if (!a) throw new Error(`not an IPv4 address: ${text}`);
  return a;
}

export function prefix4(text: string): IpPrefix {
  if (text === 'default') return { address: makeIpv4(0), length: 0 };
  const [addr, len] = text.split('/');
  const length = len === undefined ? 32 : Number(len);
  return { address: makeIpv4(ip4(addr ?? '').value & ipv4Netmask(length)), length };
}

export interface RouteSpec4 {
  readonly dst: string;
  readonly type?: RouteType;
  readonly via?: string;
  readonly dev?: string;
  /** multipath: one [via, dev, weight?, dead?] per next hop */
  readonly nexthops?: readonly (readonly [string, string, number?, boolean?])[];
  readonly nhid?: number;
  readonly table?: number;
  readonly metric?: number;
  readonly tos?: number;
  /** default: link for routes without gateway, host for local, universe otherwise */
  readonly scope?: number;
  readonly src?: string;
  readonly protocol?: string;
  readonly onlink?: boolean;
  readonly dead?: boolean;
  readonly linkdown?: boolean;
  readonly realms?: number;
}

export type RuleSpec4 = Partial<Omit<Rule, 'family' | 'order' | 'src' | 'dst'>> & {
  readonly priority: number;
  readonly from?: string;
  readonly to?: string;
};

function nexthop(via: string | undefined, dev: string | undefined, weight: number, spec: RouteSpec4): Nexthop {
  const dead = spec.dead ?? false;
  const linkdown = spec.linkdown ?? false;
  return {
    ...(via !== undefined ? { gateway: ip4(via) } : {}),
    ...(dev !== undefined ? { dev } : {}),
    weight,
    onlink: spec.onlink ?? false,
    dead,
    linkdown,
    flags: [...(dead ? ['dead'] : []), ...(spec.onlink ? ['onlink'] : []), ...(linkdown ? ['linkdown'] : [])],
  };
}

/**
 * A namespace under construction, as `ip` commands would leave it: `device()` adds an up veth-like link,
 * `address()` an address with the local/broadcast/connected routes the kernel adds for it, `route()`,
 * `rule()` (the first rule change splits local and main as the kernel does), `sysctl()`, neighbours.
 */
export class Ipv4StateBuilder {
  private readonly links: Link[] = [];
  private readonly addresses = new Map<string, Omit<InterfaceAddress, 'order'>[]>();
  private readonly routes: Route[] = [];
  private rules: Rule[] = [];
  private readonly neighbours: Neighbour[] = [];
  private readonly nexthopObjects: NexthopObject[] = [];
  private readonly multicast: { dev: string; group: Ipv4Address }[] = [];
  private readonly sysctls = new Map<string, string>();
  private routeOrder = 0;
  private merged = true;
  private customLocalRoutes = false;
  private kernelRelease = '6.18.44';

  constructor() {
    this.links.push({ ifindex: 1, name: 'lo', up: true, carrier: true, loopback: true, flags: ['LOOPBACK', 'UP'], mtu: 65536, group: 0, l3Master: false });
    this.joinAllHosts('lo');
    this.address('lo', '127.0.0.1/8', { scope: RT_SCOPE_HOST });
    for (const [priority, table] of [[0, RT_TABLE_LOCAL], [32766, RT_TABLE_MAIN], [32767, RT_TABLE_DEFAULT]] as const) {
      this.rules.push(this.makeRule({ priority, table }));
    }
  }

  kernel(release: string): this {
    this.kernelRelease = release;
    return this;
  }

  /** An up device with carrier (unless `carrier: false`), joined to 224.0.0.1. */
  device(name: string, opts: { carrier?: boolean; up?: boolean; group?: number; master?: string } = {}): this {
    const ifindex = this.links.length + 1;
    const up = opts.up ?? true;
    this.links.push({
      ifindex,
      name,
      up,
      carrier: opts.carrier ?? true,
      loopback: false,
      flags: up ? ['UP'] : [],
      mtu: 1500,
      group: opts.group ?? 0,
      l3Master: false,
      ...(opts.master !== undefined ? { master: opts.master } : {}),
    });
    if (up) this.joinAllHosts(name);
    return this;
  }

  private joinAllHosts(dev: string): void {
    this.multicast.push({ dev, group: ip4('224.0.0.1') });
  }

  join(dev: string, group: string): this {
    this.multicast.push({ dev, group: ip4(group) });
    return this;
  }

  /**
   * An address with its kernel routes: local /32 and subnet broadcast in table local, the connected
   * route in main. Kernel order: primaries by scope (host, link, …, global), ties in insertion order;
   * an address in the subnet of an existing primary becomes a secondary at the end.
   */
  // mirrors __inet_insert_ifa() and fib_add_ifaddr(), net/ipv4/devinet.c, fib_frontend.c
  address(dev: string, cidr: string, opts: { scope?: number; peer?: string } = {}): this {
    const link = this.links.find((l) => l.name === dev);
    if (!link) throw new Error(`no device ${dev}`);
    const [text, len] = cidr.split('/');
    const local = ip4(text ?? '');
    const prefixLength = len === undefined ? 32 : Number(len);
    const scope = opts.scope ?? RT_SCOPE_UNIVERSE;
    const mask = ipv4Netmask(prefixLength);
    const list = this.addresses.get(dev) ?? [];
    this.addresses.set(dev, list);
    const secondary = list.some((a) => !a.secondary && a.prefixLength === prefixLength && ((Number(a.local.value) ^ local.value) & mask) === 0);
    const entry: Omit<InterfaceAddress, 'order'> = {
      ifindex: link.ifindex,
      dev,
      family: 4,
      local,
      prefixLength,
      scope,
      secondary,
      flags: secondary ? ['secondary'] : [],
      ...(opts.peer ? { peer: prefix4(opts.peer) } : {}),
    };
    if (secondary) list.push(entry);
    else {
      const at = list.findIndex((a) => a.secondary || a.scope < scope);
      list.splice(at < 0 ? list.length : at, 0, entry);
    }
    const src = text ?? '';
    this.kernelRoute({ dst: `${src}/32`, type: 'local', dev, table: RT_TABLE_LOCAL, scope: RT_SCOPE_HOST, src });
    if (secondary) return this;
    const net = local.value & mask;
    if (dev === 'lo' && prefixLength < 32) this.kernelRoute({ dst: cidr, type: 'local', dev, table: RT_TABLE_LOCAL, scope: RT_SCOPE_HOST, src });
    if (prefixLength < 31) {
      const bcast = makeIpv4((net | ~mask) >>> 0);
      this.kernelRoute({ dst: `${fmt(bcast)}/32`, type: 'broadcast', dev, table: RT_TABLE_LOCAL, scope: RT_SCOPE_LINK, src });
    }
    if (dev !== 'lo' && prefixLength < 32) {
      this.kernelRoute({ dst: `${fmt(makeIpv4(net))}/${prefixLength}`, dev, scope: RT_SCOPE_LINK, src, linkdown: !link.carrier });
    }
    return this;
  }

  private kernelRoute(spec: RouteSpec4): void {
    this.routes.push(this.makeRoute({ ...spec, protocol: 'kernel' }));
  }

  private makeRoute(spec: RouteSpec4): Route {
    const nexthops =
      spec.nexthops?.map(([via, dev, weight, dead]) => nexthop(via, dev, weight ?? 1, dead === undefined ? spec : { ...spec, dead, linkdown: dead })) ??
      (spec.nhid !== undefined || (spec.dev === undefined && spec.via === undefined) ? [] : [nexthop(spec.via, spec.dev, 1, spec)]);
    const type = spec.type ?? 'unicast';
    const defaultScope =
      type === 'local' ? RT_SCOPE_HOST : type === 'broadcast' ? RT_SCOPE_LINK : type === 'unicast' && !spec.via && !spec.nexthops && spec.nhid === undefined ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
    return {
      family: 4,
      table: spec.table ?? RT_TABLE_MAIN,
      type,
      dst: prefix4(spec.dst),
      tos: spec.tos ?? 0,
      metric: spec.metric ?? 0,
      scope: spec.scope ?? defaultScope,
      protocol: spec.protocol ?? 'boot',
      ...(spec.src ? { prefsrc: ip4(spec.src) } : {}),
      nexthops,
      ...(spec.nhid !== undefined ? { nhid: spec.nhid } : {}),
      flags: [...(spec.onlink ? ['onlink'] : []), ...(spec.linkdown ? ['linkdown'] : [])],
      ...(spec.realms !== undefined ? { realms: spec.realms } : {}),
      order: this.routeOrder++,
    };
  }

  route(spec: RouteSpec4): this {
    if (spec.type === 'local') this.customLocalRoutes = true;
    this.routes.push(this.makeRoute(spec));
    return this;
  }

  private makeRule(spec: RuleSpec4): Rule {
    const { from, to, ...rest } = spec;
    return {
      family: 4,
      ...RULE_DEFAULTS,
      ...rest,
      ...(from ? { src: prefix4(from) } : {}),
      ...(to ? { dst: prefix4(to) } : {}),
      order: this.rules.length,
    };
  }

  /** Adds a rule; like the kernel, any rule change splits the merged local/main trie for good. */
  rule(spec: RuleSpec4): this {
    this.merged = false;
    this.rules.push(this.makeRule(spec));
    return this;
  }

  deleteRule(priority: number): this {
    this.merged = false;
    this.rules = this.rules.filter((r) => r.priority !== priority);
    return this;
  }

  neighbour(dev: string, address: string, state: string): this {
    this.neighbours.push({ dev, address: ip4(address), state: [state] });
    return this;
  }

  nexthopObject(o: Omit<NexthopObject, 'onlink' | 'blackhole' | 'fdb' | 'dead' | 'linkdown'> & Partial<NexthopObject>): this {
    this.nexthopObjects.push({ onlink: false, blackhole: false, fdb: false, dead: false, linkdown: false, family: 4, ...o });
    return this;
  }

  /** `path` below /proc/sys with dots or slashes, e.g. "net.ipv4.conf.all.rp_filter". */
  sysctl(path: string, value: number): this {
    this.sysctls.set(path.replaceAll('.', '/'), String(value));
    return this;
  }

  build(): NetworkState {
    let order = 0;
    const addresses: InterfaceAddress[] = [];
    for (const link of this.links) for (const a of this.addresses.get(link.name) ?? []) addresses.push({ ...a, order: order++ });
    return {
      kernelRelease: this.kernelRelease,
      links: [...this.links],
      addresses,
      rules4: [...this.rules],
      rules6: [],
      routes: [...this.routes],
      nexthopObjects: [...this.nexthopObjects],
      neighbours: [...this.neighbours],
      multicast: [...this.multicast],
      sysctls: new Map(this.sysctls),
      rtTables: builtinRtTables(),
      fib: { v4TablesMerged: this.merged, v4HasCustomLocalRoutes: this.customLocalRoutes },
    };
  }
}

function fmt(a: Ipv4Address): string {
  const v = a.value;
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

/** Topology "B" of spec §11: a0 10.0.0.1/24, b0 10.1.0.1/24, c0 10.2.0.1/24. */
export function topologyB(): Ipv4StateBuilder {
  return new Ipv4StateBuilder()
    .device('a0')
    .device('b0')
    .device('c0')
    .address('a0', '10.0.0.1/24')
    .address('b0', '10.1.0.1/24')
    .address('c0', '10.2.0.1/24');
}

/** A query in `ip route get` words: "192.0.2.1 from 10.0.0.2 iif a0 mark 7 tos 0x10 uid 5 ipproto tcp sport 1 dport 2 fibmatch". */
export function query4(text: string): RouteQuery {
  const words = text.trim().split(/\s+/);
  const protos: Record<string, number> = { tcp: 6, udp: 17, icmp: 1, gre: 47 };
  const q: Record<string, unknown> = { family: 4, dst: ip4(words[0] ?? '') };
  for (let i = 1; i < words.length; i++) {
    const k = words[i] ?? '';
    if (k === 'fibmatch') {
      q.fibmatch = true;
      continue;
    }
    const v = words[++i] ?? '';
    if (k === 'from') q.from = ip4(v);
    else if (k === 'iif' || k === 'oif') q[k] = v;
    else if (k === 'ipproto') q.ipproto = protos[v] ?? Number(v);
    else q[k] = Number(v);
  }
  return q as unknown as RouteQuery;
}

/** A short text of an answer for table-driven assertions: "unicast via 10.1.0.2 dev b0 table 100 src 10.1.0.1" or the errno. */
export function summarize(a: RouteAnswer): string {
  if (!a.ok) return a.errno;
  const r = a.route;
  const parts: string[] = [r.type];
  if (r.gateway) parts.push('via', r.gateway.family === 4 ? fmt(r.gateway) : String(r.gateway.value));
  parts.push('dev', r.dev);
  if (r.table !== RT_TABLE_MAIN) parts.push('table', r.table === RT_TABLE_LOCAL ? 'local' : String(r.table));
  if (r.prefsrc?.family === 4) parts.push('src', fmt(r.prefsrc));
  if (r.cache.length > 0) parts.push(`<${r.cache.join(',')}>`);
  return parts.join(' ');
}
