// The state a host would be in after applying a desired state: what `pbr plan` and the built-in example show
// traces of, and what a re-plan must find nothing to change in.
import type { DesiredState } from '../model/desired-state.ts';
import type { NetworkState, Route, Rule } from '../model/network-state.ts';
import { EMPTY_RULESET } from '../model/netfilter.ts';
import { parseRtTablesFiles } from '../parse/rt-tables-files.ts';
import { desiredNftTable } from './nft-table.ts';
import { isPbrRoute, isPbrRule, PBR_FILES, PBR_NFT_FAMILY, PBR_NFT_TABLE } from './ownership.ts';

function mergeRules(live: readonly Rule[], own: readonly Rule[]): Rule[] {
  // equal priorities keep insertion order: pbr's rules come after what was there
  return [...live.filter((r) => !isPbrRule(r)), ...own].map((r, i) => ({ r, i })).sort((a, b) => a.r.priority - b.r.priority || a.i - b.i).map(({ r }, order) => ({ ...r, order }));
}

/** Writing ip_forward / ipv6 all.forwarding also writes every device's forwarding (spec §10). */
function applySysctls(live: ReadonlyMap<string, string>, desired: ReadonlyMap<string, string>): Map<string, string> {
  const next = new Map(live);
  for (const [path, value] of desired) {
    next.set(path, value);
    const family = path === 'net/ipv4/ip_forward' ? 'ipv4' : path === 'net/ipv6/conf/all/forwarding' ? 'ipv6' : undefined;
    if (family === undefined) continue;
    for (const key of next.keys()) if (new RegExp(`^net/${family}/conf/[^/]+/forwarding$`).test(key)) next.set(key, value);
    if (family === 'ipv4') next.set('net/ipv4/conf/all/forwarding', value);
  }
  return next;
}

export function appliedState(live: NetworkState, desired: DesiredState): NetworkState {
  const carrier = new Map(live.links.map((l) => [l.name, l.carrier]));
  const ownRoutes = desired.routes.map((r): Route => ({
    ...r,
    nexthops: r.nexthops.map((nh) => {
      const down = nh.dev !== undefined && carrier.get(nh.dev) === false;
      return down ? { ...nh, linkdown: true, flags: [...nh.flags, 'linkdown'] } : nh;
    }),
  }));
  const routes = [...live.routes.filter((r) => !isPbrRoute(r)), ...ownRoutes].map((r, order) => ({ ...r, order }));
  const table = desiredNftTable(desired.nft);
  const others = (live.netfilter ?? EMPTY_RULESET).tables.filter((t) => !(t.origin === 'nft' && t.family === PBR_NFT_FAMILY && t.name === PBR_NFT_TABLE));
  const files = [...(live.rtTablesFiles ?? []).filter((f) => !PBR_FILES.includes(f.path)), ...desired.files];
  const rulesChanged = desired.rules4.length > 0 || live.rules4.some(isPbrRule);
  return {
    ...live,
    rules4: mergeRules(live.rules4, desired.rules4),
    rules6: mergeRules(live.rules6, desired.rules6),
    routes,
    sysctls: applySysctls(live.sysctls, desired.sysctls),
    rtTables: live.rtTablesFiles ? parseRtTablesFiles(files).value : withNames(live, desired),
    rtTablesFiles: files,
    fib: { ...live.fib, v4TablesMerged: live.fib.v4TablesMerged && !rulesChanged },
    netfilter: { tables: table ? [...others, table] : others },
  };
}

function withNames(live: NetworkState, desired: DesiredState): NetworkState['rtTables'] {
  const names = new Map(live.rtTables.names);
  const ids = new Map(live.rtTables.ids);
  for (const t of desired.tables) {
    if (!t.named) continue;
    names.set(t.id, t.name);
    ids.set(t.name, t.id);
  }
  return { names, ids };
}
