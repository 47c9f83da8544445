// Hand-built model values for renderer tests (no parser involved).
import { parseIp } from '../../src/addr/address.ts';
import type { IpAddress, IpPrefix } from '../../src/addr/types.ts';
import { RULE_DEFAULTS, type NetworkState, type Nexthop, type Route, type Rule } from '../../src/model/network-state.ts';
import { builtinRtTables } from '../../src/model/rt-tables.ts';

export function ip(text: string): IpAddress {
  const a = parseIp(text);
  if (!a) throw new Error(`bad test address ${text}`);
  return a;
}

export function prefix(text: string): IpPrefix {
  const [addr, len] = text.split('/');
  const address = ip(addr ?? '');
  return { address, length: len === undefined ? (address.family === 4 ? 32 : 128) : Number(len) };
}

export function nexthop(gateway: string | undefined, dev: string, extra: Partial<Nexthop> = {}): Nexthop {
  return { ...(gateway ? { gateway: ip(gateway) } : {}), dev, weight: 1, onlink: false, dead: false, linkdown: false, flags: [], ...extra };
}

let order = 0;

/** A main-table unicast route with the defaults `ip route add` gives; override what a test needs. */
export function route(dst: string, extra: Partial<Route> = {}): Route {
  const p = prefix(dst);
  return {
    family: p.address.family,
    table: 254,
    type: 'unicast',
    dst: p,
    tos: 0,
    metric: p.address.family === 6 ? 1024 : 0,
    scope: 0,
    protocol: 'boot',
    nexthops: [],
    flags: [],
    order: order++,
    ...extra,
  };
}

/** A rule with every selector unset; override what a test needs. */
export function rule(priority: number, extra: Partial<Rule> = {}): Rule {
  return {
    family: 4,
    priority,
    ...RULE_DEFAULTS,
    order: order++,
    ...extra,
  };
}

export function state(parts: Partial<NetworkState>): NetworkState {
  return {
    kernelRelease: '6.18.44',
    links: [],
    addresses: [],
    rules4: [],
    rules6: [],
    routes: [],
    nexthopObjects: [],
    neighbours: [],
    multicast: [],
    sysctls: new Map(),
    rtTables: builtinRtTables(),
    fib: { v4TablesMerged: true, v4HasCustomLocalRoutes: false },
    ...parts,
  };
}
