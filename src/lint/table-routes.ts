// The routes of one table and family, and the `ip route add default …` a table most likely needs.
import { formatIp } from '../addr/address.ts';
import type { Family } from '../addr/types.ts';
import { RT_TABLE_MAIN, type NetworkState, type Route } from '../model/network-state.ts';
import { tableName } from '../model/rt-tables.ts';

export function tableRoutes(state: NetworkState, family: Family, table: number): Route[] {
  return state.routes.filter((r) => r.family === family && r.table === table);
}

function gatewayOf(routes: readonly Route[]): string | undefined {
  for (const route of routes) {
    const nh = route.nexthops[0];
    if (route.type === 'unicast' && nh?.gateway !== undefined && nh.dev !== undefined) return `via ${formatIp(nh.gateway)} dev ${nh.dev}`;
  }
  return undefined;
}

/**
 * `ip route add default via GW dev DEV table T`: the gateway of a route already in the table, else main's default
 * route's, else placeholders.
 */
export function defaultRouteCommand(state: NetworkState, family: Family, table: number): string {
  const own = tableRoutes(state, family, table);
  const mainDefaults = tableRoutes(state, family, RT_TABLE_MAIN).filter((r) => r.dst.length === 0);
  const via = gatewayOf(own) ?? gatewayOf(mainDefaults) ?? 'via GATEWAY dev DEVICE';
  return `ip${family === 6 ? ' -6' : ''} route add default ${via} table ${tableName(state.rtTables, table)}`;
}
