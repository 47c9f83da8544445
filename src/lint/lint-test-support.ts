// Hand-built states for the lint checks' unit tests: the docs' base host (lan0, wan1, wan2) without root.
import { parseIp } from '../addr/address.ts';
import { parsePrefix } from '../addr/prefix.ts';
import { Ipv4StateBuilder } from '../engine/ipv4/test-support.ts';
import { RT_SCOPE_UNIVERSE, RT_TABLE_MAIN, RULE_DEFAULTS, type NetworkState, type Route, type RouteType, type Rule } from '../model/network-state.ts';

/** lan0 10.0.0.1/24, wan1 192.0.2.2/24, wan2 198.51.100.2/24; main: default via 192.0.2.1 dev wan1. */
export function baseRouter(): Ipv4StateBuilder {
  return new Ipv4StateBuilder()
    .device('lan0')
    .device('wan1')
    .device('wan2')
    .address('lan0', '10.0.0.1/24')
    .address('wan1', '192.0.2.2/24')
    .address('wan2', '198.51.100.2/24')
    .route({ dst: '0.0.0.0/0', via: '192.0.2.1', dev: 'wan1' });
}

/** The state with rt_tables names added (as `# rt_tables: 100 isp2` in a docs example). */
export function withTableNames(state: NetworkState, names: readonly (readonly [number, string])[]): NetworkState {
  const byId = new Map(state.rtTables.names);
  const byName = new Map(state.rtTables.ids);
  for (const [id, name] of names) {
    byId.set(id, name);
    byName.set(name, id);
  }
  return { ...state, rtTables: { names: byId, ids: byName } };
}

function prefix(text: string): NonNullable<ReturnType<typeof parsePrefix>> {
  const p = parsePrefix(text);
  if (!p) throw new Error(`not a prefix: ${text}`);
  return p;
}

export interface Rule6Spec extends Partial<Omit<Rule, 'family' | 'order' | 'src' | 'dst'>> {
  readonly priority: number;
  readonly from?: string;
  readonly to?: string;
}

export interface Route6Spec {
  readonly dst: string;
  readonly via?: string;
  readonly dev?: string;
  readonly table?: number;
  readonly type?: RouteType;
}

/** The state with IPv6 rules (after the kernel's 0 and 32766) and IPv6 routes added. */
export function withIpv6(state: NetworkState, rules: readonly Rule6Spec[], routes: readonly Route6Spec[]): NetworkState {
  const defaults: Rule6Spec[] = [{ priority: 0, table: 255 }, { priority: 32766, table: RT_TABLE_MAIN }];
  const rules6 = [...defaults, ...rules].map(({ from, to, ...rest }, order): Rule => ({
    family: 6,
    ...RULE_DEFAULTS,
    ...rest,
    ...(from !== undefined ? { src: prefix(from) } : {}),
    ...(to !== undefined ? { dst: prefix(to) } : {}),
    order,
  }));
  const routes6 = routes.map((r, i): Route => {
    const gateway = r.via === undefined ? undefined : parseIp(r.via);
    return {
      family: 6,
      table: r.table ?? RT_TABLE_MAIN,
      type: r.type ?? 'unicast',
      dst: prefix(r.dst),
      tos: 0,
      metric: 1024,
      scope: RT_SCOPE_UNIVERSE,
      protocol: 'boot',
      nexthops: r.dev === undefined ? [] : [{ ...(gateway ? { gateway } : {}), dev: r.dev, weight: 1, onlink: false, dead: false, linkdown: false, flags: [] }],
      flags: [],
      order: state.routes.length + i,
    };
  });
  return { ...state, rules6, routes: [...state.routes, ...routes6] };
}
