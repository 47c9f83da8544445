// The example intent and a router it fits, built by hand for the plan tests.
import { maskAddress, parseIp } from '../addr/address.ts';
import { parsePrefix } from '../addr/prefix.ts';
import type { IpAddress, IpPrefix } from '../addr/types.ts';
import { Ipv4StateBuilder } from '../engine/ipv4/test-support.ts';
import type { Intent, IntentOptions, Policy, PolicyMatch, Uplink, Via } from '../model/intent.ts';
import { RT_SCOPE_UNIVERSE, RT_TABLE_LOCAL, RT_TABLE_MAIN, type NetworkState, type Route } from '../model/network-state.ts';
import { defaultRules } from '../parse/snapshot.ts';

export function addr(text: string): IpAddress {
  const a = parseIp(text);
  if (!a) throw new Error(`not an address: ${text}`);
  return a;
}

export function prefix(text: string): IpPrefix {
  const p = parsePrefix(text);
  if (!p) throw new Error(`not a prefix: ${text}`);
  return p;
}

const at = (line: number) => ({ file: 'pbr.yaml', line, column: 3 });

export const DEFAULT_OPTIONS: IntentOptions = {
  rulePriorities: { start: 1000, end: 1999 },
  tableIds: { start: 100, end: 199 },
  markMask: 0xff00,
  forwarding: true,
  rpFilter: 'loose',
  logMartians: false,
};

export function uplink(name: string, iface: string, gateway: string, extra: Partial<Uplink> = {}): Uplink {
  return { name, interface: iface, gateway: addr(gateway), location: at(2), ...extra };
}

export function policy(name: string, match: PolicyMatch, via: Via | string): Policy {
  return { name, match, via: typeof via === 'string' ? { kind: 'uplink', uplink: via } : via, location: at(5) };
}

/** The pbr.yaml. */
export function exampleIntent(options: Partial<IntentOptions> = {}): Intent {
  return {
    file: 'pbr.yaml',
    uplinks: [uplink('isp1', 'wan1', '192.0.2.1'), uplink('isp2', 'wan2', '198.51.100.1', { gateway6: addr('fe80::1') })],
    policies: [
      policy('ssh-via-isp2', { proto: 6, dport: [{ start: 22, end: 22 }] }, 'isp2'),
      policy('web-via-isp1', { proto: 6, dport: [{ start: 80, end: 80 }, { start: 443, end: 443 }] }, 'isp1'),
      policy('office', { src: [prefix('10.0.0.0/24')] }, { kind: 'balance', weights: [{ uplink: 'isp1', weight: 3 }, { uplink: 'isp2', weight: 1 }] }),
      policy('backup-first', { uid: [{ start: 1000, end: 1000 }] }, { kind: 'failover', order: ['isp2', 'isp1'] }),
    ],
    default: 'isp1',
    options: { ...DEFAULT_OPTIONS, ...options },
  };
}

/** lan 10.0.0.1/24, wan1 192.0.2.2/24 (ISP1 .1, main's default), wan2 198.51.100.2/24 (ISP2 .1); strict rp_filter. */
export function exampleRouter(): Ipv4StateBuilder {
  const b = new Ipv4StateBuilder()
    .device('lan')
    .device('wan1')
    .device('wan2')
    .address('lan', '10.0.0.1/24')
    .address('wan1', '192.0.2.2/24')
    .address('wan2', '198.51.100.2/24')
    .route({ dst: 'default', via: '192.0.2.1', dev: 'wan1' });
  for (const dev of ['all', 'default', 'lan', 'wan1', 'wan2']) b.sysctl(`net.ipv4.conf.${dev}.rp_filter`, 1).sysctl(`net.ipv4.conf.${dev}.forwarding`, 0);
  return b.sysctl('net.ipv4.ip_forward', 0);
}

/** `ip -6 addr add CIDR dev DEV` on a built state: the address, its local route and its connected route. */
export function withIpv6Address(state: NetworkState, dev: string, cidr: string): NetworkState {
  const [text, len] = cidr.split('/');
  const local = addr(text ?? '');
  const prefixLength = Number(len);
  const link = state.links.find((l) => l.name === dev);
  if (!link || local.family !== 6) throw new Error(`cannot add ${cidr} to ${dev}`);
  const route = (table: number, type: Route['type'], dst: IpPrefix, metric: number): Route => ({
    family: 6, table, type, dst, tos: 0, metric, scope: RT_SCOPE_UNIVERSE, protocol: 'kernel', flags: [], pref: 'medium', order: state.routes.length,
    nexthops: [{ dev, weight: 1, onlink: false, dead: false, linkdown: !link.carrier, flags: [] }],
  });
  return {
    ...state,
    addresses: [...state.addresses, { ifindex: link.ifindex, dev, family: 6, local, prefixLength, scope: RT_SCOPE_UNIVERSE, secondary: false, flags: [], order: state.addresses.length }],
    routes: [...state.routes, route(RT_TABLE_LOCAL, 'local', { address: local, length: 128 }, 0), route(RT_TABLE_MAIN, 'unicast', { address: maskAddress(local, prefixLength), length: prefixLength }, 256)],
    rules6: state.rules6.length > 0 ? state.rules6 : defaultRules(6),
  };
}
