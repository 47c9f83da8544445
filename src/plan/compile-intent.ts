// Intent + the host's NetworkState → the DesiredState: pbr's tables, routes, rules, nft table, sysctls and files.
//
// Layout of the rules (one priority each, from options.rulePriorities.start, both families):
//   1. `fwmark M/MASK lookup T` per pbr mark: a packet pbr marked (a policy, a balance, a restored ct mark of an
//      established connection) follows its mark before anything else;
//   2. `from <uplink address> lookup T`: what the host sends from an uplink's address leaves by that uplink
//      (replies of connections that came in on it);
//   3. the policies that an ip rule can express, in intent order (`ipproto 6 dport 22 lookup T`, `from P lookup T`,
//      `uidrange`); the others are decided by nft marks, and nft stops (`return`) at every ip-rule policy that comes
//      first, so the first policy that matches wins either way;
//   4. with `default:`, `lookup main suppress_prefixlength 0` (main's specific routes stay in force) and `lookup T`.
// Every pbr table holds copies of main's connected routes (the link routes the kernel made for each address, the
// link-local fe80::/64 excepted: IPv6 pins link-local destinations to their device): a marked or policy-routed
// packet for a LAN host, a reply to one, and rp_filter's reverse lookup of a marked packet must still find the LAN
// directly instead of the uplink's default route. Local and broadcast destinations need nothing: the local table
// (rule 0) comes first. Routes added later in main (static routes, a VPN) are not copied: re-run `pbr apply`.
import { isLinkLocal6 } from '../addr/classify.ts';
import type { Family, IpAddress, IpPrefix } from '../addr/types.ts';
import type { DesiredFile, DesiredState, DesiredTable } from '../model/desired-state.ts';
import type { Diagnostic, Parsed } from '../model/diagnostics.ts';
import type { Intent, Policy, PolicyMatch, Uplink, Via } from '../model/intent.ts';
import {
  RT_SCOPE_LINK,
  RT_SCOPE_UNIVERSE,
  RT_TABLE_MAIN,
  RULE_DEFAULTS,
  type InterfaceAddress,
  type NetworkState,
  type Route,
  type Rule,
} from '../model/network-state.ts';
import type { RtTables } from '../model/rt-tables.ts';
import { parseRtTablesFiles } from '../parse/rt-tables-files.ts';
import { compileNft, type MarkTarget, type NftPolicy } from './compile-nft.ts';
import { isPbrRoute, PBR_PROTOCOL, PBR_RT_TABLES_FILE } from './ownership.ts';
import { Sysctls } from '../engine/sysctl.ts';

/** The most ip rules one policy may turn into (lists multiply); beyond it the policy is decided by an nft mark. */
const MAX_RULES_PER_POLICY = 16;
const RESERVED_TABLES: ReadonlySet<number> = new Set([0, 252, 253, 254, 255]);

interface Context {
  readonly intent: Intent;
  readonly state: NetworkState;
  readonly diagnostics: Diagnostic[];
}

interface ResolvedUplink {
  readonly uplink: Uplink;
  readonly table: DesiredTable;
  readonly addresses: readonly InterfaceAddress[];
}

function error(ctx: Context, code: string, message: string, hint: string, source = { file: ctx.intent.file }): void {
  ctx.diagnostics.push({ severity: 'error', code, message, source, hint });
}

/** The names and ids of rt_tables files that are not pbr's own, and those of pbr's own file. */
function tableNames(state: NetworkState): { foreign: RtTables; own: RtTables } {
  if (!state.rtTablesFiles) return { foreign: state.rtTables, own: { names: new Map(), ids: new Map() } };
  const own = state.rtTablesFiles.filter((f) => f.path === PBR_RT_TABLES_FILE);
  return {
    foreign: parseRtTablesFiles(state.rtTablesFiles.filter((f) => f.path !== PBR_RT_TABLES_FILE)).value,
    own: own.length > 0 ? parseRtTablesFiles(own).value : { names: new Map(), ids: new Map() },
  };
}

function lowestBit(mask: number): number {
  for (let bit = 0; bit < 32; bit++) if ((mask >>> bit) & 1) return bit;
  return 32;
}

/** Uplink marks: as given, else 1, 2, … shifted to the mask's lowest bit, skipping marks given explicitly. */
function allocateMarks(ctx: Context): (preset: number | undefined, what: string) => number {
  const mask = ctx.intent.options.markMask >>> 0;
  const shift = lowestBit(mask);
  const given = ctx.intent.uplinks.flatMap((u) => (u.mark === undefined ? [] : [{ u, mark: u.mark >>> 0 }]));
  const taken = new Set(given.map((g) => g.mark));
  for (const { u, mark } of given) {
    const first = given.find((g) => g.mark === mark);
    if (first && first.u !== u) error(ctx, 'intent-mark-duplicate', `uplink ${u.name}: mark 0x${mark.toString(16)} is uplink ${first.u.name}'s too`, 'give every uplink its own mark', u.location);
  }
  let next = 1;
  return (preset, what) => {
    if (preset !== undefined) {
      if (preset === 0 || ((preset >>> 0) & ~mask) !== 0) {
        error(ctx, 'intent-mark-outside-mask', `${what}: mark 0x${preset.toString(16)} is not a non-zero value within the mark mask 0x${mask.toString(16)}`, 'choose a mark whose bits all lie in options mark mask');
      }
      return preset >>> 0;
    }
    for (;;) {
      const mark = next * 2 ** shift;
      if (mark > 0xffffffff || ((mark >>> 0) & ~mask) !== 0) break;
      next++;
      if (taken.has(mark)) continue;
      taken.add(mark);
      return mark;
    }
    error(ctx, 'intent-mark-mask-too-small', `${what}: the mark mask 0x${mask.toString(16)} has no room for another mark`, 'widen options mark mask');
    return 0;
  };
}

function allocateTables(ctx: Context): (wanted: string | number | undefined, name: string, what: string) => { id: number; name: string; named: boolean } {
  const { state, intent } = ctx;
  const { foreign, own } = tableNames(state);
  const foreignRouteTables = new Set(state.routes.filter((r) => !isPbrRoute(r)).map((r) => r.table));
  const used = new Set<number>();
  const free = (id: number): boolean => !RESERVED_TABLES.has(id) && !used.has(id) && !foreignRouteTables.has(id) && !foreign.names.has(id);
  return (wanted, name, what) => {
    const take = (id: number, tableName: string, named: boolean): { id: number; name: string; named: boolean } => {
      used.add(id);
      return { id, name: tableName, named };
    };
    if (typeof wanted === 'number') {
      if (RESERVED_TABLES.has(wanted)) error(ctx, 'intent-table-reserved', `${what}: table ${wanted} is reserved`, 'choose a table id from 1 to 252 or above 255');
      const known = foreign.names.get(wanted);
      return take(wanted, known ?? name, known === undefined);
    }
    const tableName = wanted ?? name;
    const known = foreign.ids.get(tableName);
    if (known !== undefined && !RESERVED_TABLES.has(known)) return take(known, tableName, false);
    // the id pbr gave this name before, so that changing the intent does not renumber the tables
    const before = own.ids.get(tableName);
    if (before !== undefined && free(before)) return take(before, tableName, true);
    const { start, end } = intent.options.tableIds;
    for (let id = start; id <= end; id++) if (free(id) && !own.names.has(id)) return take(id, tableName, true);
    for (let id = start; id <= end; id++) if (free(id)) return take(id, tableName, true);
    error(ctx, 'intent-table-range-full', `${what}: no free table id in ${start}-${end}`, 'widen options table ids, or give the uplink a table');
    return take(0, tableName, false);
  };
}

function kernelConnectedRoutes(state: NetworkState, family: Family): Route[] {
  return state.routes.filter((r) => {
    const [nh] = r.nexthops;
    if (r.table !== RT_TABLE_MAIN || r.family !== family || r.protocol !== 'kernel' || r.type !== 'unicast') return false;
    if (r.nexthops.length !== 1 || !nh?.dev || nh.gateway) return false;
    return family === 4 ? r.scope === RT_SCOPE_LINK : !isLinkLocal6(r.dst.address);
  });
}

function pbrRoute(family: Family, table: number, dst: IpPrefix, dev: string, opts: { gateway?: IpAddress; metric: number; scope: number; prefsrc?: IpAddress }): Route {
  return {
    family,
    table,
    type: 'unicast',
    dst,
    tos: 0,
    metric: opts.metric,
    scope: opts.scope,
    protocol: String(PBR_PROTOCOL),
    ...(opts.prefsrc ? { prefsrc: opts.prefsrc } : {}),
    nexthops: [{ ...(opts.gateway ? { gateway: opts.gateway } : {}), dev, weight: 1, onlink: false, dead: false, linkdown: false, flags: [] }],
    flags: [],
    order: 0,
  };
}

const defaultPrefix = (family: Family): IpPrefix => ({ address: family === 4 ? { family: 4, value: 0 } : { family: 6, value: 0n }, length: 0 });

/** The uplink's gateway of one family (gateway6, or an IPv6 `gateway`, for IPv6). */
export function gatewayOf(uplink: Uplink, family: Family): IpAddress | undefined {
  if (family === 4) return uplink.gateway?.family === 4 ? uplink.gateway : undefined;
  if (uplink.gateway6?.family === 6) return uplink.gateway6;
  return uplink.gateway?.family === 6 ? uplink.gateway : undefined;
}

/** A table's routes: main's connected routes, then its default route(s) (failover: ordered by metric 1, 2, …). */
function tableRoutes(state: NetworkState, table: DesiredTable, uplinks: readonly Uplink[]): Route[] {
  const routes: Route[] = [];
  for (const family of [4, 6] as const) {
    const defaults = uplinks.map((u, i) => ({ u, gateway: gatewayOf(u, family), metric: table.kind === 'failover' ? i + 1 : family === 4 ? 0 : 1024 }));
    if (!defaults.some((d) => d.gateway)) continue;
    for (const r of kernelConnectedRoutes(state, family)) {
      const dev = r.nexthops[0]?.dev ?? '';
      routes.push(pbrRoute(family, table.id, r.dst, dev, { metric: r.metric, scope: family === 4 ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE, ...(family === 4 && r.prefsrc ? { prefsrc: r.prefsrc } : {}) }));
    }
    for (const d of defaults) {
      if (d.gateway) routes.push(pbrRoute(family, table.id, defaultPrefix(family), d.u.interface, { gateway: d.gateway, metric: d.metric, scope: RT_SCOPE_UNIVERSE }));
    }
  }
  return routes.map((r, order) => ({ ...r, order }));
}

function makeRule(family: Family, priority: number, table: number, fields: Partial<Rule> = {}): Rule {
  return { family, priority, ...RULE_DEFAULTS, table, protocol: String(PBR_PROTOCOL), order: 0, ...fields };
}

/** The ip rules that express a selector on one family, or undefined when ip rules cannot (not, dscp, too many). */
export function selectorRules(m: PolicyMatch, family: Family): Partial<Rule>[] | undefined {
  if (m.not !== undefined || m.dscp !== undefined) return undefined;
  const ofFamily = (list: readonly IpPrefix[] | undefined): (IpPrefix | undefined)[] | 'none' => {
    if (!list || list.length === 0) return [undefined];
    const own = list.filter((p) => p.address.family === family);
    return own.length === 0 ? 'none' : own;
  };
  const srcs = ofFamily(m.src);
  const dsts = ofFamily(m.dst);
  if (srcs === 'none' || dsts === 'none') return [];
  const sports = m.sport ?? [undefined];
  const dports = m.dport ?? [undefined];
  const uids = m.uid ?? [undefined];
  const count = srcs.length * dsts.length * sports.length * dports.length * uids.length;
  if (count > MAX_RULES_PER_POLICY) return undefined;
  const rules: Partial<Rule>[] = [];
  for (const src of srcs) for (const dst of dsts) for (const sport of sports) for (const dport of dports) for (const uid of uids) {
    rules.push({
      ...(src ? { src } : {}),
      ...(dst ? { dst } : {}),
      ...(m.iif !== undefined ? { iif: { name: m.iif, detached: false } } : {}),
      ...(m.proto !== undefined ? { ipProto: m.proto } : {}),
      ...(sport ? { sport: { start: sport.start, end: sport.end } } : {}),
      ...(dport ? { dport: { start: dport.start, end: dport.end } } : {}),
      ...(uid ? { uidRange: { start: uid.start, end: uid.end } } : {}),
      ...(m.mark ? { fwmark: m.mark.value >>> 0, fwmask: m.mark.mask >>> 0 } : {}),
    });
  }
  return rules;
}

/** A policy an ip rule can decide: one table (an uplink or a failover order) and a selector rules can express. */
function isRulePolicy(policy: Policy): boolean {
  return policy.via.kind !== 'balance' && selectorRules(policy.match, 4) !== undefined && selectorRules(policy.match, 6) !== undefined;
}

const chainName = (prefix: string, name: string): string => `${prefix}_${name.replace(/[^A-Za-z0-9_]/g, '_')}`;
const failoverKey = (order: readonly string[]): string => order.join(' ');

export function compileIntent(intent: Intent, state: NetworkState): Parsed<DesiredState> {
  const ctx: Context = { intent, state, diagnostics: [] };
  const uplinkByName = new Map(intent.uplinks.map((u) => [u.name, u]));
  const failoverOrders = [...new Map(intent.policies.flatMap((p) => (p.via.kind === 'failover' ? [[failoverKey(p.via.order), p.via.order] as const] : []))).values()];
  const nextMark = allocateMarks(ctx);
  const nextTable = allocateTables(ctx);

  const resolved: ResolvedUplink[] = intent.uplinks.map((uplink) => {
    const link = state.links.find((l) => l.name === uplink.interface);
    if (!link) {
      error(ctx, 'intent-uplink-no-interface', `uplink ${uplink.name}: no interface ${uplink.interface} on this host`, `check the name with \`ip link\`; the interfaces are ${state.links.map((l) => l.name).join(', ')}`, uplink.location);
    } else if (!link.up) {
      ctx.diagnostics.push({ severity: 'warning', code: 'intent-uplink-down', message: `uplink ${uplink.name}: interface ${uplink.interface} is down; the kernel deletes routes through it while it is down`, source: uplink.location, hint: `bring it up (ip link set ${uplink.interface} up) and apply again` });
    }
    if (!uplink.gateway && !uplink.gateway6) {
      error(ctx, 'intent-uplink-no-gateway', `uplink ${uplink.name}: no gateway`, 'give gateway (IPv4) and/or gateway6', uplink.location);
    }
    const t = nextTable(uplink.table, uplink.name, `uplink ${uplink.name}`);
    const mark = nextMark(uplink.mark, `uplink ${uplink.name}`);
    const addresses = state.addresses.filter((a) => a.dev === uplink.interface && a.scope === RT_SCOPE_UNIVERSE && !(a.family === 6 && isLinkLocal6(a.local)));
    return { uplink, table: { ...t, kind: 'uplink', uplinks: [uplink.name], mark }, addresses };
  });
  const failoverTables: DesiredTable[] = failoverOrders.map((order) => {
    const t = nextTable(undefined, `failover-${order.join('-')}`, `failover ${order.join(', ')}`);
    return { ...t, kind: 'failover', uplinks: order, mark: nextMark(undefined, `failover ${order.join(', ')}`) };
  });
  for (const p of intent.policies) checkPolicy(ctx, p, uplinkByName);
  if (intent.default !== undefined && !uplinkByName.has(intent.default)) {
    error(ctx, 'intent-unknown-uplink', `default: no uplink named ${intent.default}`, `uplinks are ${[...uplinkByName.keys()].join(', ')}`);
  }

  const tables = [...resolved.map((r) => r.table), ...failoverTables];
  const uplinksOf = (t: DesiredTable): Uplink[] => t.uplinks.map((n) => uplinkByName.get(n)).filter((u): u is Uplink => u !== undefined);
  const hasFamily = (t: DesiredTable, family: Family): boolean => uplinksOf(t).some((u) => gatewayOf(u, family) !== undefined);
  const routes = tables.flatMap((t) => tableRoutes(state, t, uplinksOf(t)));
  const tableOfVia = (via: Via): DesiredTable | undefined => {
    if (via.kind === 'uplink') return resolved.find((r) => r.uplink.name === via.uplink)?.table;
    if (via.kind === 'failover') return failoverTables.find((t) => failoverKey(t.uplinks) === failoverKey(via.order));
    return undefined;
  };

  const rules: Rule[] = [];
  let priority = intent.options.rulePriorities.start;
  const emit = (build: (family: Family) => Partial<Rule>[] | undefined, table: DesiredTable, families: readonly Family[] = [4, 6]): void => {
    const perFamily = families.map((f) => [f, hasFamily(table, f) ? build(f) ?? [] : []] as const);
    const width = Math.max(0, ...perFamily.map(([, list]) => list.length));
    for (let i = 0; i < width; i++) {
      for (const [family, list] of perFamily) {
        const fields = list[i];
        if (fields) rules.push(makeRule(family, priority, table.id, fields));
      }
      priority++;
    }
  };
  const mask = intent.options.markMask >>> 0;
  for (const t of tables) emit(() => [{ fwmark: t.mark, fwmask: mask }], t);
  for (const r of resolved) {
    for (const a of r.addresses) emit((f) => (f === a.family ? [{ src: { address: a.local, length: a.family === 4 ? 32 : 128 } }] : []), r.table);
  }
  for (const p of intent.policies) {
    const t = tableOfVia(p.via);
    if (t && isRulePolicy(p)) emit((f) => selectorRules(p.match, f), t);
  }
  const defaultTable = intent.default !== undefined ? resolved.find((r) => r.uplink.name === intent.default)?.table : undefined;
  if (defaultTable) {
    emit(() => [{ table: RT_TABLE_MAIN, suppressPrefixlen: 0 }], defaultTable);
    emit(() => [{}], defaultTable);
  }
  if (priority - 1 > intent.options.rulePriorities.end) {
    error(ctx, 'intent-priority-range-full', `pbr needs rule priorities ${intent.options.rulePriorities.start}-${priority - 1}, beyond ${intent.options.rulePriorities.end}`, 'widen options rule priorities');
  }
  const ordered = (family: Family): Rule[] => rules.filter((r) => r.family === family).map((r, order) => ({ ...r, order }));

  const markTarget = (t: DesiredTable): MarkTarget => ({ chain: t.kind === 'uplink' ? chainName('mark', t.uplinks[0] ?? '') : chainName('mark_failover', t.uplinks.join('_')), mark: t.mark });
  const nftPolicies: NftPolicy[] = intent.policies.map((policy) => {
    if (isRulePolicy(policy)) return { policy, targets: [] };
    if (policy.via.kind === 'balance') {
      const targets = policy.via.weights.flatMap((w) => {
        const t = resolved.find((r) => r.uplink.name === w.uplink)?.table;
        return t && w.weight > 0 ? [{ target: markTarget(t), weight: w.weight }] : [];
      });
      return { policy, targets };
    }
    const t = tableOfVia(policy.via);
    return { policy, targets: t ? [{ target: markTarget(t), weight: 1 }] : [] };
  });
  const lastMarked = nftPolicies.map((p) => p.targets.length > 0).lastIndexOf(true);
  const nft = compileNft({
    markMask: mask,
    marks: tables.map(markTarget),
    sticky: resolved.filter((r) => state.links.some((l) => l.name === r.uplink.interface)).map((r) => ({ iifname: r.uplink.interface, target: markTarget(r.table) })),
    policies: nftPolicies.slice(0, lastMarked + 1),
  });
  for (const p of nftPolicies.slice(0, lastMarked + 1)) {
    if (p.targets.length === 0 || p.policy.match.iif !== undefined) continue;
    ctx.diagnostics.push({
      severity: 'info',
      code: 'intent-policy-marked',
      message: `policy ${p.policy.name} is decided by an nft mark: connections this host opens are rerouted after their first route lookup and keep the source address that lookup chose`,
      source: p.policy.location,
      hint: 'masquerade on the uplinks makes such connections use the uplink\'s address; a selector an ip rule can express (one protocol, ports, src, dst, uid, iif) avoids the reroute',
    });
  }

  return {
    value: {
      protocol: PBR_PROTOCOL,
      markMask: mask,
      tables,
      routes,
      rules4: ordered(4),
      rules6: ordered(6),
      nft: { family: 'inet', name: 'pbr', script: nft.script, json: nft.json },
      sysctls: compileSysctls(intent, state, resolved, failoverTables, uplinkByName),
      files: compileFiles(tables),
    },
    diagnostics: ctx.diagnostics,
  };
}

function checkPolicy(ctx: Context, policy: Policy, uplinks: ReadonlyMap<string, Uplink>): void {
  if (policy.match.not?.not !== undefined) {
    error(ctx, 'intent-not-nested', `policy ${policy.name}: a \`not\` inside a \`not\` cannot be set up`, 'write the inner condition as a policy of its own before this one', policy.location);
  }
  const names = policy.via.kind === 'uplink' ? [policy.via.uplink] : policy.via.kind === 'balance' ? policy.via.weights.map((w) => w.uplink) : policy.via.order;
  for (const name of names) {
    if (!uplinks.has(name)) error(ctx, 'intent-unknown-uplink', `policy ${policy.name}: no uplink named ${name}`, `uplinks are ${[...uplinks.keys()].join(', ')}`, policy.location);
  }
}

/**
 * rp_filter 2 on uplinks (options.rpFilter loose): replies and ICMP errors of connections pbr sends out by an uplink
 * other than main's default come back on that uplink, and strict mode (1) checks them against the reverse route
 * without pbr's mark, finds the other uplink and drops them as martians. src_valid_mark 1 on every uplink where
 * rp_filter stays on: the reverse lookup then carries the restored mark, so pbr's fwmark rules hold for it
 * (without it loose mode too fails where main has no route back). ignore_routes_with_linkdown 1 on failover
 * uplinks: a default route through a link without carrier is passed over.
 */
function compileSysctls(intent: Intent, state: NetworkState, uplinks: readonly ResolvedUplink[], failover: readonly DesiredTable[], byName: ReadonlyMap<string, Uplink>): Map<string, string> {
  const sysctls = new Map<string, string>();
  const sys = Sysctls.of(state);
  const all = sys.ipv4ConfValue('all', 'rp_filter');
  for (const { uplink } of uplinks) {
    if (!state.links.some((l) => l.name === uplink.interface)) continue;
    const dev = intent.options.rpFilter === 'loose' ? 2 : sys.ipv4ConfValue(uplink.interface, 'rp_filter');
    if (intent.options.rpFilter === 'loose') sysctls.set(`net/ipv4/conf/${uplink.interface}/rp_filter`, '2');
    if (Math.max(all, dev) !== 0) sysctls.set(`net/ipv4/conf/${uplink.interface}/src_valid_mark`, '1');
  }
  for (const t of failover) {
    for (const name of t.uplinks) {
      const dev = byName.get(name)?.interface;
      if (dev === undefined || !state.links.some((l) => l.name === dev)) continue;
      sysctls.set(`net/ipv4/conf/${dev}/ignore_routes_with_linkdown`, '1');
      sysctls.set(`net/ipv6/conf/${dev}/ignore_routes_with_linkdown`, '1');
    }
  }
  if (intent.options.forwarding) {
    sysctls.set('net/ipv4/ip_forward', '1');
    sysctls.set('net/ipv6/conf/all/forwarding', '1');
  }
  if (intent.options.logMartians) sysctls.set('net/ipv4/conf/all/log_martians', '1');
  return sysctls;
}

function compileFiles(tables: readonly DesiredTable[]): DesiredFile[] {
  const named = tables.filter((t) => t.named);
  if (named.length === 0) return [];
  const lines = ['# routing tables of pbr (written by pbr apply; pbr rewrites this file)', ...named.map((t) => `${t.id}\t${t.name}`)];
  return [{ path: PBR_RT_TABLES_FILE, content: `${lines.join('\n')}\n` }];
}
