// Typed reads of the snapshot's sysctls, with the kernel's all/dev combination rules (spec §10).
import type { NetworkState } from '../model/network-state.ts';

/** How `all` and the device value combine (include/linux/inetdevice.h): OR, AND, MAX, or the device alone. */
export type ConfCombine = 'or' | 'and' | 'max' | 'dev';

/** Compiled-in defaults of the IPv4 per-device conf values the engine reads. */
const IPV4_CONF_DEFAULTS: Readonly<Record<Ipv4ConfName, number>> = {
  forwarding: 0,
  rp_filter: 0,
  log_martians: 0,
  accept_local: 0,
  route_localnet: 0,
  src_valid_mark: 0,
  send_redirects: 1,
  ignore_routes_with_linkdown: 0,
  bc_forwarding: 0,
  mc_forwarding: 0,
  arp_filter: 0,
  shared_media: 1,
};

export type Ipv4ConfName =
  | 'forwarding'
  | 'rp_filter'
  | 'log_martians'
  | 'accept_local'
  | 'route_localnet'
  | 'src_valid_mark'
  | 'send_redirects'
  | 'ignore_routes_with_linkdown'
  | 'bc_forwarding'
  | 'mc_forwarding'
  | 'arp_filter'
  | 'shared_media';

const IPV6_CONF_DEFAULTS: Readonly<Record<Ipv6ConfName, number>> = {
  forwarding: 0,
  ignore_routes_with_linkdown: 0,
  use_oif_addrs_only: 0,
  disable_ipv6: 0,
  use_tempaddr: 0,
  optimistic_dad: 0,
  use_optimistic: 0,
};

export type Ipv6ConfName =
  | 'forwarding'
  | 'ignore_routes_with_linkdown'
  | 'use_oif_addrs_only'
  | 'disable_ipv6'
  | 'use_tempaddr'
  | 'optimistic_dad'
  | 'use_optimistic';

/** Per-netns values and their defaults. */
const NETNS_DEFAULTS = {
  'net/ipv4/fib_multipath_hash_policy': 0,
  'net/ipv4/fib_multipath_hash_fields': 0x0007,
  'net/ipv4/fib_multipath_hash_seed': 0,
  'net/ipv4/fib_multipath_use_neigh': 0,
  'net/ipv4/fwmark_reflect': 0,
  'net/ipv4/tcp_fwmark_accept': 0,
  'net/ipv6/fib_multipath_hash_policy': 0,
  'net/ipv6/fib_multipath_hash_fields': 0x0007,
  'net/ipv6/fwmark_reflect': 0,
} as const;

export type NetnsSysctlName = keyof typeof NETNS_DEFAULTS;

function readNumber(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const text = raw.trim();
  if (!/^(0x[0-9a-f]+|-?\d+)$/i.test(text)) return undefined;
  return Number(text);
}

function combine(how: ConfCombine, all: number, dev: number): number {
  switch (how) {
    case 'or':
      return all !== 0 || dev !== 0 ? 1 : 0;
    case 'and':
      return all !== 0 && dev !== 0 ? 1 : 0;
    case 'max':
      return Math.max(all, dev);
    case 'dev':
      return dev;
  }
}

export class Sysctls {
  /** conf values already read, by family, name, then device (the snapshot never changes) */
  private readonly confCache = { ipv4: new Map<string, Map<string, number>>(), ipv6: new Map<string, Map<string, number>>() };

  constructor(private readonly values: ReadonlyMap<string, string>) {}

  static of(state: NetworkState): Sysctls {
    return new Sysctls(state.sysctls);
  }

  /** One conf value: the device's own, else the `default` template, else the compiled default. */
  ipv4ConfValue(dev: string, name: Ipv4ConfName): number {
    return this.confValue('ipv4', dev, name, IPV4_CONF_DEFAULTS[name]);
  }

  private confValue(family: 'ipv4' | 'ipv6', dev: string, name: string, compiled: number): number {
    let byDev = this.confCache[family].get(name);
    if (!byDev) {
      byDev = new Map();
      this.confCache[family].set(name, byDev);
    }
    let value = byDev.get(dev);
    if (value === undefined) {
      value =
        readNumber(this.values.get(`net/${family}/conf/${dev}/${name}`)) ??
        readNumber(this.values.get(`net/${family}/conf/default/${name}`)) ??
        compiled;
      byDev.set(dev, value);
    }
    return value;
  }

  /** IN_DEV_CONF with its combination rule (IN_DEV_ORCONF, IN_DEV_ANDCONF, IN_DEV_MAXCONF, IN_DEV_CONF_GET). */
  ipv4Conf(dev: string, name: Ipv4ConfName, how: ConfCombine): number {
    const devValue = this.ipv4ConfValue(dev, name);
    if (how === 'dev') return devValue;
    return combine(how, this.ipv4ConfValue('all', name), devValue);
  }

  ipv6ConfValue(dev: string, name: Ipv6ConfName): number {
    return this.confValue('ipv6', dev, name, IPV6_CONF_DEFAULTS[name]);
  }

  ipv6Conf(dev: string, name: Ipv6ConfName, how: ConfCombine): number {
    const devValue = this.ipv6ConfValue(dev, name);
    if (how === 'dev') return devValue;
    return combine(how, this.ipv6ConfValue('all', name), devValue);
  }

  netns(name: NetnsSysctlName): number {
    return readNumber(this.values.get(name)) ?? NETNS_DEFAULTS[name];
  }

  // IPv4 conf values by the rule the kernel uses for each (spec §10).
  forwarding(dev: string): boolean {
    return this.ipv4Conf(dev, 'forwarding', 'dev') !== 0;
  }
  rpFilter(dev: string): number {
    return this.ipv4Conf(dev, 'rp_filter', 'max');
  }
  logMartians(dev: string): boolean {
    return this.ipv4Conf(dev, 'log_martians', 'or') !== 0;
  }
  acceptLocal(dev: string): boolean {
    return this.ipv4Conf(dev, 'accept_local', 'or') !== 0;
  }
  routeLocalnet(dev: string): boolean {
    return this.ipv4Conf(dev, 'route_localnet', 'or') !== 0;
  }
  srcValidMark(dev: string): boolean {
    return this.ipv4Conf(dev, 'src_valid_mark', 'or') !== 0;
  }
  sendRedirects(dev: string): boolean {
    return this.ipv4Conf(dev, 'send_redirects', 'or') !== 0;
  }
  ignoreRoutesWithLinkdown(dev: string): boolean {
    return this.ipv4Conf(dev, 'ignore_routes_with_linkdown', 'or') !== 0;
  }
  bcForwarding(dev: string): boolean {
    return this.ipv4Conf(dev, 'bc_forwarding', 'and') !== 0;
  }
  mcForwarding(dev: string): boolean {
    return this.ipv4Conf(dev, 'mc_forwarding', 'and') !== 0;
  }
  sharedMedia(dev: string): boolean {
    return this.ipv4Conf(dev, 'shared_media', 'or') !== 0;
  }

  // IPv6 conf values of source address selection (net/ipv6/addrconf.c).
  /** the device's use_tempaddr (≥ 2 prefers temporary addresses) */
  useTempaddr(dev: string): number {
    return this.ipv6Conf(dev, 'use_tempaddr', 'dev');
  }
  /** mirrors ipv6_use_optimistic_addr(): optimistic_dad and use_optimistic, each all OR dev */
  useOptimistic(dev: string): boolean {
    return this.ipv6Conf(dev, 'optimistic_dad', 'or') !== 0 && this.ipv6Conf(dev, 'use_optimistic', 'or') !== 0;
  }
}
