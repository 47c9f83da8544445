// Seeded generator of random but valid router configurations (ip and sysctl commands).
import {
  addressInPrefix, formatAddrText, formatPrefixText, parsePrefixText, prefixMask, randomAddress, randomAddressIn,
  type AddrFamily, type TextPrefix,
} from './addr-text.ts';
import { PEER_NETNS_TOKEN, type ConfigCommand, type DiffConfig } from './config-types.ts';
import { createRandom, type Random } from './prng.ts';

const DEVICE_NAMES = ['a0', 'b0', 'c0', 'd0', 'e0'] as const;
export const MISSING_DEVICE = 'nosuch0';

type DeviceState = 'up' | 'linkdown' | 'down';

interface OwnAddress {
  readonly address: string;
  readonly prefix: TextPrefix;
}

interface GenDevice {
  readonly name: string;
  readonly peer: string;
  readonly state: DeviceState;
  readonly v4: OwnAddress[];
  readonly v6: OwnAddress[];
  group: number;
}

const V4_DESTINATIONS = [
  '0.0.0.0/0', '192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24', '198.18.0.0/15', '100.64.0.0/10',
  '8.8.8.0/24', '172.20.0.0/16', '10.200.0.0/16',
];
const V6_DESTINATIONS = [
  '::/0', '2001:db8:100::/48', '2001:db8:200::/48', '2001:db8:300::/56', '64:ff9b::/96', 'fd00:1::/64',
  '2001:db8:400::/64',
];
const V4_SUBNET_BASES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];
const V6_SUBNET_BASES = ['2001:db8::/32', 'fd00::/8'];

export function generateConfig(seed: number): DiffConfig {
  const rnd = createRandom(seed);
  const g = new ConfigBuilder(rnd);
  g.build();
  return { seed, commands: g.commands, facts: g.facts() };
}

class ConfigBuilder {
  readonly commands: ConfigCommand[] = [];
  private readonly devices: GenDevice[] = [];
  private readonly loAddresses: OwnAddress[] = [];
  private readonly allAddresses = new Set<string>();
  private uniqueMetric = 0;
  private readonly destinations: Record<AddrFamily, TextPrefix[]> = { 4: [], 6: [] };
  private readonly tables: number[] = [];
  private readonly marks = new Set<number>();
  private readonly uids = new Set<number>([0]);
  private readonly ports = new Set<number>();
  private readonly tosValues = new Set<number>();
  private readonly groups = new Set<number>();
  private readonly rulePrefs: Record<AddrFamily, number[]> = { 4: [], 6: [] };
  /** nexthop objects; `members` are the single nexthops a route through it uses (itself, or a group's) */
  private readonly nexthopIds: { id: number; family: AddrFamily; members: number[] }[] = [];
  /** gateways handed out to routes (neighbour entries are made for some) */
  private readonly gateways: { family: AddrFamily; gateway: string; dev: string }[] = [];
  /** single IPv6 nexthops some route already uses */
  private readonly usedNexthops6 = new Set<number>();

  constructor(private readonly rnd: Random) {}

  build(): void {
    const rnd = this.rnd;
    const count = rnd.int(2, 5);
    for (let i = 0; i < count; i++) {
      const name = DEVICE_NAMES[i] as string;
      this.devices.push({
        name,
        peer: name.replace(/0$/, '1'),
        state: rnd.weighted<DeviceState>([[70, 'up'], [15, 'linkdown'], [15, 'down']]),
        v4: [],
        v6: [],
        group: 0,
      });
    }
    // DAD off before any device exists, so that no address stays "tentative" (answers must not age); a
    // link-local address is still tentative until the DAD work runs, after up to router_solicitation_delay: none
    this.sysctl('net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0', 'net.ipv6.conf.default.router_solicitation_delay=0');
    if (rnd.chance(0.97)) this.ip('link', 'set', 'lo', 'up');
    // fixed MAC addresses: the kernel derives the IPv6 link-local addresses (candidate sources) from them
    for (const d of this.devices) {
      this.ip('link', 'add', d.name, 'address', this.randomMac(), 'type', 'veth', 'peer', 'name', d.peer, 'address', this.randomMac(), 'netns', PEER_NETNS_TOKEN);
    }
    for (const d of this.devices) {
      if (d.state !== 'linkdown') this.peerIp('link', 'set', d.peer, 'up');
    }
    for (const d of this.devices) this.ip('link', 'set', d.name, 'up');
    for (const d of this.devices) {
      if (rnd.chance(0.2)) {
        d.group = rnd.pick([1, 5, 7]);
        this.groups.add(d.group);
        this.ip('link', 'set', 'dev', d.name, 'group', String(d.group));
      }
    }
    this.addAddresses();
    this.addSysctls();
    for (const p of V4_DESTINATIONS.slice(0, 4)) this.destinations[4].push(parsePrefixText(p));
    for (const p of V6_DESTINATIONS.slice(0, 3)) this.destinations[6].push(parsePrefixText(p));
    const tableCount = rnd.int(1, 3);
    this.tables.push(...rnd.sample([100, 101, 200, 1000, 253, 10], tableCount));
    // before any route: nexthops cache their source address, and an IPv4 address change after that leaves
    // the cache stale until some lookup refreshes it (query-order dependent answers); likewise a gateway keeps
    // the scope of the route that resolved it when it was added, even if that route is deleted later
    this.deleteAddresses();
    this.deleteKernelRoutes();
    // host-scope routes (local type, `scope host`) first: a gateway's nh_scope is fixed when its route or
    // nexthop is added (fib_check_nh_v4_gw()), so a host-scope route covering it added later would make the
    // answer depend on an order no dump shows
    for (const family of [4, 6] as const) {
      const n = rnd.weighted([[60, 0], [30, 1], [10, 2]]);
      for (let i = 0; i < n; i++) this.addRoute(family, true);
    }
    if (rnd.chance(0.3)) this.addNexthopObjects();
    if (rnd.chance(0.6)) this.addDefaultRoute(4);
    if (rnd.chance(0.5)) this.addDefaultRoute(6);
    const routes4 = rnd.int(4, 18);
    const routes6 = rnd.int(2, 12);
    for (let i = 0; i < routes4; i++) this.addRoute(4);
    for (let i = 0; i < routes6; i++) this.addRoute(6);
    if (rnd.chance(0.15)) this.addExtraDefaults();
    if (rnd.chance(0.3)) this.addNeighbours();
    this.addRules();
    for (const d of this.devices) {
      if (d.state === 'down') this.ip('link', 'set', d.name, 'down');
    }
    if (rnd.chance(0.1)) {
      const d = rnd.pick(this.devices);
      if (d.state === 'up') this.peerIp('link', 'set', d.peer, 'down');
    }
  }

  facts(): DiffConfig['facts'] {
    const own = (f: AddrFamily): string[] => [
      ...this.devices.flatMap((d) => (f === 4 ? d.v4 : d.v6).map((a) => a.address)),
      ...this.loAddresses.filter((a) => a.prefix.family === f).map((a) => a.address),
    ];
    const prefixes = (f: AddrFamily): string[] => [
      ...new Set([
        ...this.destinations[f].map(formatPrefixText),
        ...this.devices.flatMap((d) => (f === 4 ? d.v4 : d.v6).map((a) => formatPrefixText(a.prefix))),
      ]),
    ];
    return {
      devices: ['lo', ...this.devices.map((d) => d.name)],
      subnets: Object.fromEntries(this.devices.map((d) => [d.name, {
        4: d.v4.map((a) => formatPrefixText(a.prefix)),
        6: d.v6.map((a) => formatPrefixText(a.prefix)),
      }])),
      addresses4: own(4),
      addresses6: own(6),
      prefixes4: prefixes(4),
      prefixes6: prefixes(6),
      marks: [...this.marks].sort((a, b) => a - b),
      uids: [...this.uids].sort((a, b) => a - b),
      ports: [...this.ports].sort((a, b) => a - b),
      tos: [...this.tosValues].sort((a, b) => a - b),
    };
  }

  private randomMac(): string {
    const bytes = [0x02, ...Array.from({ length: 5 }, () => this.rnd.int(0, 255))];
    return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
  }

  private ip(...args: string[]): void {
    this.commands.push({ target: 'router', tool: 'ip', args });
  }

  private peerIp(...args: string[]): void {
    this.commands.push({ target: 'peer', tool: 'ip', args });
  }

  private sysctl(...assignments: string[]): void {
    for (const a of assignments) this.commands.push({ target: 'router', tool: 'sysctl', args: [a] });
  }

  // ---------------------------------------------------------------- addresses

  private addAddresses(): void {
    const rnd = this.rnd;
    for (const d of this.devices) {
      const n4 = rnd.weighted([[10, 0], [60, 1], [22, 2], [8, 3]]);
      for (let i = 0; i < n4; i++) this.addAddress4(d);
      const n6 = rnd.weighted([[25, 0], [55, 1], [20, 2]]);
      for (let i = 0; i < n6; i++) this.addAddress6(d);
    }
    if (rnd.chance(0.3)) {
      const p = parsePrefixText(`198.18.${rnd.int(0, 255)}.${rnd.int(1, 254)}/32`);
      this.ownAddress(this.loAddresses, 'lo', p, formatAddrText(4, p.value), []);
    }
    if (rnd.chance(0.2)) {
      const p = parsePrefixText(`2001:db8:ff::${rnd.int(1, 0xffff).toString(16)}/128`);
      this.ownAddress(this.loAddresses, 'lo', p, formatAddrText(6, p.value), ['nodad']);
    }
  }

  private addAddress4(d: GenDevice): void {
    const rnd = this.rnd;
    const existing = d.v4[0];
    const kind = existing
      ? rnd.weighted([[30, 'secondary'], [25, 'host-link'], [45, 'subnet']] as const)
      : rnd.weighted([[85, 'subnet'], [10, 'host-link'], [5, 'peer']] as const);
    if (kind === 'secondary' && existing) {
      const address = randomAddressIn(rnd, existing.prefix);
      if (d.v4.some((a) => a.address === address)) return;
      this.ownAddress(d.v4, d.name, existing.prefix, address, []);
      return;
    }
    if (kind === 'host-link') {
      const address = `192.168.${rnd.int(50, 99)}.${rnd.int(1, 254)}`;
      this.ownAddress(d.v4, d.name, parsePrefixText(`${address}/32`), address, ['scope', 'link']);
      return;
    }
    if (kind === 'peer') {
      const base = rnd.int(1, 250);
      const local = `10.250.${base}.1`;
      const remote = `10.250.${base}.2`;
      if (this.allAddresses.has(local)) return;
      this.allAddresses.add(local);
      d.v4.push({ address: local, prefix: parsePrefixText(`${remote}/32`) });
      this.ip('addr', 'add', local, 'peer', `${remote}/32`, 'dev', d.name);
      return;
    }
    const length = rnd.weighted([[60, 24], [10, 16], [10, 28], [8, 30], [6, 20], [4, 8], [2, 31]]);
    const prefix = this.randomSubnet(4, length);
    const address = length >= 31 ? formatAddrText(4, prefix.value) : formatAddrText(4, addressInPrefix(prefix, BigInt(rnd.chance(0.7) ? 1 : rnd.int(1, 6))));
    const extra = rnd.chance(0.08) ? ['noprefixroute'] : [];
    this.ownAddress(d.v4, d.name, prefix, address, extra);
  }

  private addAddress6(d: GenDevice): void {
    const rnd = this.rnd;
    const kind = rnd.weighted([[70, 'subnet'], [12, 'host'], [10, 'linklocal'], [8, 'secondary']] as const);
    const existing = d.v6[0];
    if (kind === 'secondary' && existing) {
      const address = randomAddressIn(rnd, existing.prefix);
      if (!d.v6.some((a) => a.address === address)) this.ownAddress(d.v6, d.name, existing.prefix, address, ['nodad']);
      return;
    }
    if (kind === 'linklocal') {
      const address = `fe80::${rnd.int(1, 0xfff).toString(16)}`;
      this.ownAddress(d.v6, d.name, parsePrefixText(`${address}/64`), address, ['nodad']);
      return;
    }
    const length = kind === 'host' ? 128 : rnd.weighted([[80, 64], [10, 48], [10, 112]]);
    const prefix = this.randomSubnet(6, length);
    const address = length === 128 ? formatAddrText(6, prefix.value) : formatAddrText(6, addressInPrefix(prefix, 1n));
    const extra = rnd.chance(0.06) ? ['noprefixroute', 'nodad'] : ['nodad'];
    this.ownAddress(d.v6, d.name, prefix, address, extra);
  }

  private ownAddress(list: OwnAddress[], dev: string, prefix: TextPrefix, address: string, extra: string[]): void {
    // one address on two devices: which one the kernel finds first (__ip_dev_find) depends on the
    // order they were added, which no dump shows
    if (this.allAddresses.has(address)) return;
    this.allAddresses.add(address);
    list.push({ address, prefix });
    this.ip('addr', 'add', `${address}/${prefix.length}`, 'dev', dev, ...extra);
  }

  private randomSubnet(family: AddrFamily, length: number): TextPrefix {
    const rnd = this.rnd;
    const base = parsePrefixText(rnd.pick(family === 4 ? V4_SUBNET_BASES : V6_SUBNET_BASES));
    const total = family === 4 ? 32 : 128;
    let value = base.value;
    // fill the bits between the base length and the subnet length with small random numbers
    const span = Math.max(0, length - base.length);
    if (span > 0) {
      const chunk = BigInt(rnd.int(0, Math.min(2 ** Math.min(span, 12) - 1, 255)));
      value |= chunk << BigInt(total - length);
    }
    return { family, value: value & prefixMask(family, length), length };
  }

  // ---------------------------------------------------------------- sysctls

  private addSysctls(): void {
    const rnd = this.rnd;
    const devs = this.devices.map((d) => d.name);
    const s = (k: string, v: number | string): void => this.sysctl(`${k}=${v}`);
    s('net.ipv4.fib_multipath_hash_seed', rnd.int(1, 0x7fffffff));
    if (rnd.chance(0.5)) s('net.ipv4.fib_multipath_hash_policy', rnd.int(0, 1));
    if (rnd.chance(0.4)) s('net.ipv6.fib_multipath_hash_policy', rnd.int(0, 1));
    s('net.ipv4.conf.all.rp_filter', rnd.weighted([[40, 0], [30, 1], [30, 2]]));
    for (const d of devs) if (rnd.chance(0.35)) s(`net.ipv4.conf.${d}.rp_filter`, rnd.int(0, 2));
    s('net.ipv4.conf.all.forwarding', rnd.chance(0.6) ? 1 : 0);
    for (const d of devs) if (rnd.chance(0.25)) s(`net.ipv4.conf.${d}.forwarding`, rnd.int(0, 1));
    const flags: [string, number][] = [
      ['accept_local', 0.15], ['route_localnet', 0.12], ['src_valid_mark', 0.15], ['send_redirects', 0.15],
      ['ignore_routes_with_linkdown', 0.2], ['log_martians', 0.03], ['bc_forwarding', 0.05],
    ];
    for (const [name, p] of flags) {
      if (rnd.chance(p)) s(`net.ipv4.conf.all.${name}`, name === 'send_redirects' ? 0 : 1);
      for (const d of devs) if (rnd.chance(p / 2)) s(`net.ipv4.conf.${d}.${name}`, rnd.int(0, 1));
    }
    if (rnd.chance(0.4)) s('net.ipv6.conf.all.forwarding', 1);
    if (rnd.chance(0.15)) s('net.ipv6.conf.all.ignore_routes_with_linkdown', 1);
    for (const d of devs) if (rnd.chance(0.08)) s(`net.ipv6.conf.${d}.ignore_routes_with_linkdown`, 1);
    if (rnd.chance(0.05)) s('net.ipv4.fib_multipath_use_neigh', 1);
    if (rnd.chance(0.2)) s('net.ipv4.conf.all.promote_secondaries', 1);
    for (const d of devs) {
      if (rnd.chance(0.04)) s(`net.ipv6.conf.${d}.disable_ipv6`, 1);
      if (rnd.chance(0.05)) s(`net.ipv6.conf.${d}.use_oif_addrs_only`, 1);
    }
  }

  // ---------------------------------------------------------------- routes

  private addNexthopObjects(): void {
    const rnd = this.rnd;
    let id = 1;
    const singles: { id: number; family: AddrFamily }[] = [];
    const n = rnd.int(2, 5);
    for (let i = 0; i < n; i++) {
      const family: AddrFamily = rnd.chance(0.6) ? 4 : 6;
      const kind = rnd.weighted([[70, 'gateway'], [15, 'dev'], [15, 'blackhole']] as const);
      if (kind === 'blackhole') {
        this.ip(family === 6 ? '-6' : '-4', 'nexthop', 'add', 'id', String(id), 'blackhole');
        this.nexthopIds.push({ id, family, members: [id] });
        id++;
        continue;
      }
      const hop = this.pickGateway(family);
      if (!hop) continue;
      const args = kind === 'dev' || hop.gateway === undefined ? ['dev', hop.dev] : ['via', hop.gateway, 'dev', hop.dev, ...(hop.onlink ? ['onlink'] : [])];
      this.ip(family === 6 ? '-6' : '-4', 'nexthop', 'add', 'id', String(id), ...args);
      this.nexthopIds.push({ id, family, members: [id] });
      singles.push({ id, family });
      id++;
    }
    for (const family of [4, 6] as const) {
      const members = singles.filter((s) => s.family === family);
      if (members.length >= 2 && rnd.chance(0.7)) {
        const chosen = rnd.sample(members, rnd.int(2, members.length));
        const group = chosen.map((m) => (rnd.chance(0.4) ? `${m.id},${rnd.int(1, 4)}` : String(m.id))).join('/');
        const gid = 100 + id++;
        this.ip('nexthop', 'add', 'id', String(gid), 'group', group);
        this.nexthopIds.push({ id: gid, family, members: chosen.map((m) => m.id) });
      }
    }
  }

  /** A gateway reachable from one of the devices (or an onlink one), or a device-only next hop. */
  private pickGateway(family: AddrFamily, dev?: GenDevice): { gateway?: string; dev: string; onlink: boolean } | undefined {
    const rnd = this.rnd;
    const candidates = this.devices.filter((d) => (dev ? d === dev : true));
    const d = rnd.pick(candidates);
    const subnets = (family === 4 ? d.v4 : d.v6).filter((a) => a.prefix.length <= (family === 4 ? 30 : 126));
    if (family === 6 && rnd.chance(0.3)) return { gateway: `fe80::${rnd.int(2, 0xff).toString(16)}`, dev: d.name, onlink: false };
    const own = subnets[0];
    if (!own || rnd.chance(0.08)) {
      return { gateway: family === 4 ? `10.${rnd.int(100, 199)}.0.${rnd.int(1, 254)}` : `2001:db8:ee::${rnd.int(1, 99)}`, dev: d.name, onlink: true };
    }
    const pick = rnd.pick(subnets);
    let gateway = randomAddressIn(rnd, pick.prefix);
    for (let i = 0; i < 3 && (family === 4 ? d.v4 : d.v6).some((a) => a.address === gateway); i++) gateway = randomAddressIn(rnd, pick.prefix);
    this.gateways.push({ family, gateway, dev: d.name });
    return { gateway, dev: d.name, onlink: false };
  }

  private pickDestination(family: AddrFamily): TextPrefix {
    const rnd = this.rnd;
    const pool = this.destinations[family];
    const total = family === 4 ? 32 : 128;
    const choice = rnd.weighted([[30, 'fixed'], [25, 'narrower'], [10, 'subnet'], [10, 'host'], [10, 'random'], [15, 'reuse']] as const);
    let p: TextPrefix;
    if (choice === 'fixed' || pool.length === 0) {
      p = parsePrefixText(rnd.pick(family === 4 ? V4_DESTINATIONS : V6_DESTINATIONS));
    } else if (choice === 'narrower') {
      const base = rnd.pick(pool);
      const length = Math.min(total, base.length + rnd.pick(family === 4 ? [1, 2, 4, 8] : [1, 8, 16, 64]));
      p = { family, value: parsePrefixText(randomAddressIn(rnd, base)).value & prefixMask(family, length), length };
    } else if (choice === 'subnet') {
      const owned = this.devices.flatMap((d) => (family === 4 ? d.v4 : d.v6));
      p = owned.length > 0 ? rnd.pick(owned).prefix : parsePrefixText(rnd.pick(family === 4 ? V4_DESTINATIONS : V6_DESTINATIONS));
    } else if (choice === 'host') {
      const base = rnd.pick(pool);
      p = parsePrefixText(`${randomAddressIn(rnd, base)}/${total}`);
    } else if (choice === 'random') {
      const length = family === 4 ? rnd.pick([8, 12, 16, 24, 32]) : rnd.pick([16, 32, 48, 64, 128]);
      p = parsePrefixText(`${randomAddress(rnd, family)}/${length}`);
    } else {
      p = rnd.pick(pool);
    }
    if (!pool.some((q) => q.value === p.value && q.length === p.length)) pool.push(p);
    return p;
  }

  /** One route; `hostScope` makes it a local route or (IPv4) a device route with scope host. */
  private addRoute(family: AddrFamily, hostScope = false): void {
    const rnd = this.rnd;
    const scopeHost = hostScope && family === 4 && rnd.chance(0.3);
    const type = hostScope ? (scopeHost ? 'unicast' : 'local') : family === 4
      ? rnd.weighted([[56, 'unicast'], [3, 'broadcast'], [8, 'unreachable'], [6, 'prohibit'], [6, 'blackhole'], [9, 'throw'], [2, 'multicast']] as const)
      : rnd.weighted([[58, 'unicast'], [3, 'anycast'], [8, 'unreachable'], [6, 'prohibit'], [6, 'blackhole'], [9, 'throw'], [2, 'multicast']] as const);
    const dst = type === 'multicast'
      ? parsePrefixText(family === 4 ? rnd.pick(['239.1.0.0/16', '224.0.0.0/4', '239.255.0.0/24']) : rnd.pick(['ff05::/16', 'ff00::/8']))
      : type === 'broadcast' ? parsePrefixText(`${this.broadcastCandidate()}/32`) : this.pickDestination(family);
    const verb = rnd.weighted([[80, 'add'], [10, 'append'], [6, 'prepend'], [4, 'replace']]);
    const args = ['route', verb];
    if (type !== 'unicast') args.push(type);
    args.push(formatPrefixText(dst));
    if (family === 6 && rnd.chance(0.08)) {
      const from = this.pickDestination(6);
      args.push('from', formatPrefixText(from));
    }
    const table = this.pickRouteTable(type);
    // multipath "nexthop …" words must come last
    const hops: string[] = [];
    const stable = this.devices.filter((x) => x.state !== 'down');
    if (scopeHost) {
      hops.push('dev', stable.length > 0 ? rnd.pick(stable).name : 'lo', 'scope', 'host');
    } else if (type === 'unicast' || type === 'multicast') {
      if (!this.appendNexthops(hops, family, type)) return;
      if (hops[0] !== 'nexthop') args.push(...hops.splice(0));
    } else if (type === 'local' || type === 'broadcast' || type === 'anycast') {
      // never on a device that goes down later: a user-added local route sets the kernel's sticky
      // has_custom_local_routes flag, which no dump shows once the route is gone
      const d = (rnd.chance(0.4) && type !== 'broadcast') || stable.length === 0 ? 'lo' : rnd.pick(stable).name;
      args.push('dev', d);
    }
    if (table !== undefined) args.push('table', table);
    if (rnd.chance(0.3)) args.push('metric', String(rnd.pick([0, 1, 10, 20, 100, 1024])));
    if (family === 4 && rnd.chance(0.08)) {
      const tos = rnd.weighted([[90, rnd.pick([0x04, 0x08, 0x0c, 0x10, 0x14, 0x18, 0x1c])], [10, 0x20]]);
      this.tosValues.add(tos);
      args.push('tos', `0x${tos.toString(16)}`);
    }
    if ((type === 'unicast' || type === 'local') && rnd.chance(0.12)) {
      const own = this.ownAddresses(family);
      if (own.length > 0) args.push('src', rnd.pick(own));
      // IPv6 gateway routes of equal metric become ECMP siblings, and a dump shows one merged route with
      // the first sibling's src only: a metric of its own keeps this route's src observable
      if (own.length > 0 && family === 6 && [...args, ...hops].includes('via')) {
        const at = args.indexOf('metric');
        if (at >= 0) args.splice(at, 2);
        args.push('metric', String(3000 + this.uniqueMetric++));
      }
    }
    if (family === 6 && type === 'unicast' && rnd.chance(0.1)) args.push('pref', rnd.pick(['low', 'medium', 'high']));
    this.ip(...args, ...hops);
  }

  /** A default route in main through one of the devices (most real routers have one). */
  private addDefaultRoute(family: AddrFamily): void {
    const hops: string[] = [];
    if (!this.appendNexthops(hops, family, 'unicast')) return;
    this.ip('route', 'add', family === 4 ? '0.0.0.0/0' : '::/0', ...hops);
  }

  /** More default routes in main with the same metric: fib_select_default() picks among them by neighbour state. */
  private addExtraDefaults(): void {
    const n = this.rnd.int(1, 2);
    for (let i = 0; i < n; i++) {
      const hop = this.pickGateway(4);
      if (hop?.gateway === undefined || hop.onlink) continue;
      this.ip('route', 'append', '0.0.0.0/0', 'via', hop.gateway, 'dev', hop.dev);
    }
  }

  /**
   * Static neighbour entries for some gateways, in states that never change by themselves or by lookups.
   * Not for IPv4 default-route gateways: with several defaults, fib_select_default() consults their
   * neighbour state and remembers the last choice (fa_default), so answers would depend on earlier queries.
   */
  private addNeighbours(): void {
    const rnd = this.rnd;
    const defaultGateways = this.defaultRouteGateways();
    const candidates = this.gateways.filter((g) => g.family === 6 || !defaultGateways.has(g.gateway));
    for (const g of rnd.sample(candidates, rnd.int(1, 4))) {
      const state = rnd.pick(g.family === 4 ? ['permanent', 'stale', 'noarp', 'failed'] : ['permanent', 'stale', 'noarp']);
      this.ip(...(g.family === 6 ? ['-6'] : []), 'neigh', 'replace', g.gateway, 'lladdr', this.randomMac(), 'dev', g.dev, 'nud', state);
    }
  }

  /** Gateways of IPv4 /0 routes so far, directly or through nexthop objects. */
  private defaultRouteGateways(): Set<string> {
    const nexthopGateway = new Map<string, string>();
    const groups = new Map<string, string[]>();
    const out = new Set<string>();
    for (const c of this.commands) {
      const a = c.args.filter((w) => !w.startsWith('-'));
      const after = (word: string): string[] => a.flatMap((w, i) => (w === word && a[i + 1] !== undefined ? [a[i + 1] as string] : []));
      if (a[0] === 'nexthop' && a[1] === 'add') {
        const id = after('id')[0] ?? '';
        const via = after('via')[0];
        if (via !== undefined) nexthopGateway.set(id, via);
        const group = after('group')[0];
        if (group !== undefined) groups.set(id, group.split('/').map((m) => m.split(',')[0] ?? ''));
      } else if (a[0] === 'route' && a.includes('0.0.0.0/0')) {
        for (const g of after('via')) out.add(g);
        for (const id of after('nhid')) {
          for (const member of groups.get(id) ?? [id]) {
            const g = nexthopGateway.get(member);
            if (g !== undefined) out.add(g);
          }
        }
      }
    }
    return out;
  }

  /** Deletes a few kernel-made routes (missing connected and local routes). */
  private deleteKernelRoutes(): void {
    const rnd = this.rnd;
    const withV4 = this.devices.filter((d) => d.v4.length > 0);
    if (withV4.length === 0) return;
    if (rnd.chance(0.08)) {
      const d = rnd.pick(withV4);
      const a = rnd.pick(d.v4);
      this.ip('route', 'del', formatPrefixText(a.prefix), 'dev', d.name);
    }
    if (rnd.chance(0.05)) {
      const d = rnd.pick(withV4);
      this.ip('route', 'del', 'local', rnd.pick(d.v4).address, 'dev', d.name, 'table', 'local');
    }
  }

  /** Deletes a primary address that has secondaries (promoted with promote_secondaries, else deleted with it). */
  private deleteAddresses(): void {
    const rnd = this.rnd;
    const sameSubnet = (a: OwnAddress, b: OwnAddress): boolean => a.prefix.value === b.prefix.value && a.prefix.length === b.prefix.length;
    // the primary of a subnet is its first address; it has a secondary when a later one shares the subnet
    const primaries = this.devices.flatMap((d) => d.v4
      .filter((a, i) => d.v4.findIndex((b) => sameSubnet(a, b)) === i && d.v4.some((b, j) => j > i && sameSubnet(a, b)))
      .map((a) => ({ d, a })));
    if (primaries.length > 0 && rnd.chance(0.3)) {
      const { d, a } = rnd.pick(primaries);
      if (rnd.chance(0.5)) this.sysctl(`net.ipv4.conf.${d.name}.promote_secondaries=1`);
      this.ip('addr', 'del', `${a.address}/${a.prefix.length}`, 'dev', d.name);
    }
  }

  private broadcastCandidate(): string {
    const owned = this.devices.flatMap((d) => d.v4).filter((a) => a.prefix.length < 31);
    const rnd = this.rnd;
    if (owned.length === 0) return `10.${rnd.int(0, 255)}.0.255`;
    const a = rnd.pick(owned);
    return formatAddrText(4, addressInPrefix(a.prefix, -1n));
  }

  private pickRouteTable(type: string): string | undefined {
    const rnd = this.rnd;
    if (type === 'local' || type === 'broadcast' || type === 'anycast') {
      return rnd.weighted([[60, undefined], [25, 'main'], [15, String(rnd.pick(this.tables))]]);
    }
    // now and then a unicast/error route in table local: it shares the merged trie with main until a rule changes
    return rnd.weighted<string | undefined>([[45, undefined], [10, 'main'], [45, String(rnd.pick(this.tables))], [3, 'local']]);
  }

  /** Appends the next-hop part of a unicast/multicast route; false when no next hop can be built. */
  private appendNexthops(args: string[], family: AddrFamily, type: string): boolean {
    const rnd = this.rnd;
    // IPv6 routes sharing a nexthop share its cached route: `ip -6 route get` then reports the metric and
    // prefsrc of whichever route filled the cache first (query-order dependent), so never share one
    const nhids = this.nexthopIds.filter((n) => n.family === family && (family === 4 || !n.members.some((m) => this.usedNexthops6.has(m))));
    const form = rnd.weighted([[50, 'via'], [20, 'dev'], [15, 'multipath'], [nhids.length > 0 ? 15 : 0, 'nhid']] as const);
    if (type === 'multicast' || form === 'dev') {
      args.push('dev', rnd.pick(this.devices).name);
      return true;
    }
    if (form === 'nhid') {
      const nh = rnd.pick(nhids);
      if (family === 6) for (const m of nh.members) this.usedNexthops6.add(m);
      args.push('nhid', String(nh.id));
      return true;
    }
    if (form === 'multipath') {
      const n = rnd.int(2, 3);
      for (let i = 0; i < n; i++) {
        const hop = this.pickGateway(family);
        if (!hop?.gateway) return false;
        args.push('nexthop', 'via', hop.gateway, 'dev', hop.dev);
        if (hop.onlink) args.push('onlink');
        if (rnd.chance(0.5)) args.push('weight', String(rnd.int(1, 5)));
      }
      return true;
    }
    const hop = this.pickGateway(family);
    if (!hop?.gateway) return false;
    args.push('via', hop.gateway);
    if (hop.onlink || rnd.chance(0.5) || hop.gateway.startsWith('fe80')) args.push('dev', hop.dev);
    if (hop.onlink) args.push('onlink');
    return true;
  }

  private ownAddresses(family: AddrFamily): string[] {
    return [
      ...this.devices.flatMap((d) => (family === 4 ? d.v4 : d.v6).map((a) => a.address)),
      ...this.loAddresses.filter((a) => a.prefix.family === family).map((a) => a.address),
    ];
  }

  // ---------------------------------------------------------------- rules

  private addRules(): void {
    const rnd = this.rnd;
    const mode = rnd.weighted([[25, 'none'], [10, 'add-delete'], [65, 'rules']] as const);
    if (mode === 'none') return;
    if (mode === 'add-delete' || rnd.chance(0.1)) {
      const family: AddrFamily = rnd.chance(0.7) ? 4 : 6;
      const pref = String(rnd.int(1000, 2000));
      const f = family === 6 ? ['-6'] : [];
      this.ip(...f, 'rule', 'add', 'pref', pref, 'from', randomAddress(rnd, family), 'lookup', String(rnd.pick(this.tables)));
      this.ip(...f, 'rule', 'del', 'pref', pref);
      if (mode === 'add-delete') return;
    }
    if (rnd.chance(0.08)) this.moveDefaultRule(rnd.chance(0.7) ? 4 : 6);
    const n4 = rnd.int(1, 8);
    const n6 = rnd.weighted([[30, 0], [70, rnd.int(1, 5)]]);
    for (let i = 0; i < n4; i++) this.addRule(4);
    for (let i = 0; i < n6; i++) this.addRule(6);
  }

  private moveDefaultRule(family: AddrFamily): void {
    const rnd = this.rnd;
    const f = family === 6 ? ['-6'] : [];
    const which = rnd.weighted([[40, 'main'], [40, 'local'], [20, 'default']] as const);
    if (which === 'main') {
      this.ip(...f, 'rule', 'del', 'pref', '32766');
      this.ip(...f, 'rule', 'add', 'pref', String(rnd.pick([500, 20000, 32000])), 'lookup', 'main');
    } else if (which === 'local') {
      this.ip(...f, 'rule', 'del', 'pref', '0');
      this.ip(...f, 'rule', 'add', 'pref', String(rnd.pick([100, 1000, 32765])), 'lookup', 'local');
    } else if (family === 4) {
      this.ip('rule', 'del', 'pref', '32767');
    }
  }

  private rulePrefix(family: AddrFamily): string {
    const rnd = this.rnd;
    const own = this.ownAddresses(family);
    const choice = rnd.weighted([[30, 'own'], [25, 'subnet'], [35, 'destination'], [10, 'random']] as const);
    if (choice === 'own' && own.length > 0) return `${rnd.pick(own)}/${family === 4 ? 32 : 128}`;
    const owned = this.devices.flatMap((d) => (family === 4 ? d.v4 : d.v6));
    if (choice === 'subnet' && owned.length > 0) return formatPrefixText(rnd.pick(owned).prefix);
    if (choice === 'random') return `${randomAddress(rnd, family)}/${family === 4 ? rnd.pick([8, 16, 24]) : rnd.pick([32, 48, 64])}`;
    return formatPrefixText(this.pickDestination(family));
  }

  private addRule(family: AddrFamily): void {
    const rnd = this.rnd;
    const args: string[] = family === 6 ? ['-6', 'rule', 'add'] : ['rule', 'add'];
    if (rnd.chance(0.12)) args.push('not');
    if (rnd.chance(0.3)) args.push('from', this.rulePrefix(family));
    if (rnd.chance(0.25)) args.push('to', this.rulePrefix(family));
    if (rnd.chance(0.1)) {
      const tos = family === 4
        ? rnd.weighted([[95, rnd.pick([0x04, 0x08, 0x0c, 0x10, 0x14, 0x18, 0x1c])], [5, 0x20]])
        : rnd.int(1, 63) << 2;
      this.tosValues.add(tos);
      args.push('tos', `0x${tos.toString(16)}`);
    }
    if (rnd.chance(0.2)) {
      const value = rnd.pick([0, 1, 2, 7, 0x10, 0x100, 0x1234]);
      this.marks.add(value);
      if (rnd.chance(0.4)) {
        const mask = rnd.pick([0xff, 0xf0, 0xffff, 0xffffffff, 0x3]);
        this.marks.add(value | (~mask & 0x300));
        args.push('fwmark', `0x${value.toString(16)}/0x${mask.toString(16)}`);
      } else {
        args.push('fwmark', `0x${value.toString(16)}`);
      }
    }
    if (rnd.chance(0.15)) args.push('iif', rnd.weighted([[60, rnd.pick(this.devices).name], [25, 'lo'], [15, MISSING_DEVICE]]));
    if (rnd.chance(0.1)) args.push('oif', rnd.weighted([[80, rnd.pick(this.devices).name], [20, MISSING_DEVICE]]));
    if (rnd.chance(0.1)) {
      const start = rnd.pick([0, 0, 1000, 1001, 65534]);
      const end = rnd.chance(0.5) ? start : start + rnd.int(0, 1000);
      this.uids.add(start);
      this.uids.add(end);
      this.uids.add(end + 1);
      args.push('uidrange', `${start}-${end}`);
    }
    if (rnd.chance(0.1)) args.push('ipproto', rnd.pick(family === 4 ? ['tcp', 'udp', 'icmp'] : ['tcp', 'udp', 'ipv6-icmp']));
    for (const selector of ['sport', 'dport']) {
      if (!rnd.chance(0.08)) continue;
      const start = rnd.pick([22, 53, 80, 443, 1000, 5000]);
      this.ports.add(start);
      if (rnd.chance(0.5)) {
        const end = start + rnd.int(1, 100);
        this.ports.add(end);
        this.ports.add(end + 1);
        args.push(selector, `${start}-${end}`);
      } else {
        args.push(selector, String(start));
      }
    }
    const prefs = this.rulePrefs[family];
    const explicit = rnd.chance(0.7);
    const pref = explicit ? rnd.weighted([[50, rnd.int(1, 32000)], [50, rnd.pick([10, 50, 100, 200, 300, 1000, 32000])]]) : undefined;
    const action = rnd.weighted([[64, 'lookup'], [pref !== undefined ? 8 : 0, 'goto'], [4, 'nop'], [8, 'blackhole'], [8, 'unreachable'], [8, 'prohibit']] as const);
    if (action === 'lookup') {
      const table = rnd.weighted([[55, String(rnd.pick(this.tables))], [20, 'main'], [8, 'local'], [7, 'default'], [10, '555']]);
      args.push(rnd.chance(0.5) ? 'lookup' : 'table', table);
      if (rnd.chance(0.12)) args.push('suppress_prefixlength', String(rnd.pick(family === 4 ? [0, 8, 16, 24, 32] : [0, 32, 48, 64, 128])));
      if (rnd.chance(0.08)) {
        const group = this.groups.size > 0 && rnd.chance(0.8) ? rnd.pick([...this.groups]) : rnd.pick([0, 5]);
        args.push('suppress_ifgroup', String(group));
      }
    } else if (action === 'goto' && pref !== undefined) {
      const later = prefs.filter((p) => p > pref);
      const target = later.length > 0 && rnd.chance(0.7) ? rnd.pick(later) : pref + rnd.int(1, 50);
      args.push('goto', String(target));
    } else {
      args.push(action);
    }
    if (pref !== undefined) {
      args.push(rnd.pick(['pref', 'priority', 'preference']), String(pref));
      prefs.push(pref);
    }
    this.ip(...args);
  }
}
