// Live state → desired state: the ordered changes (each with its exact inverse) and the foreign objects in the way.
// Only pbr's own objects are added, replaced or deleted: rules and routes with pbr's protocol, the nft table
// `inet pbr`, pbr's files, and the sysctls the desired state names. Order: files, routes (before the rules that
// point at their tables), rules, nft, sysctls; then the deletes of stale pbr rules, routes and files.
import type { DesiredState } from '../model/desired-state.ts';
import type { NetworkState, Route, Rule } from '../model/network-state.ts';
import type { HostAction, Plan, PlanConflict, PlannedChange } from '../model/plan.ts';
import type { NfExpr, NfStatement } from '../model/netfilter.ts';
import { builtinRtTables, tableName, type RtTables } from '../model/rt-tables.ts';
import { parseRtTablesFiles } from '../parse/rt-tables-files.ts';
import { routeAddArgv, routeDelArgv, ruleAddArgv, ruleDelArgv } from './host-commands.ts';
import { desiredNftTable, livePbrTable, restoreNftScript, sameNftTable } from './nft-table.ts';
import { isPbrRoute, isPbrRule, PBR_FILES, PBR_NFT_FAMILY, PBR_NFT_TABLE, PBR_PROTOCOL, PBR_RT_TABLES_FILE } from './ownership.ts';

const hex = (n: number): string => `0x${(n >>> 0).toString(16)}`;

/** A rule or route as pbr writes it, whatever name `ip` printed for pbr's protocol. */
const ownRule = (r: Rule): Rule => ({ ...r, protocol: String(PBR_PROTOCOL) });
const ownRoute = (r: Route): Route => ({ ...r, protocol: String(PBR_PROTOCOL) });
const ruleKey = (r: Rule): string => ruleAddArgv(ownRule(r)).join(' ');
const routeKey = (r: Route): string => routeAddArgv(ownRoute(r)).join(' ');
/** Two routes that the kernel would not hold side by side (same table, family, prefix, metric; IPv6 also device). */
const routeSlot = (r: Route): string => [r.family, r.table, r.dst.address.value, r.dst.length, r.metric, r.family === 6 ? r.nexthops[0]?.dev : ''].join(' ');

function namesFor(live: NetworkState, desired: DesiredState): RtTables {
  const names = new Map(live.rtTables.names);
  for (const t of desired.tables) names.set(t.id, t.name);
  return { names, ids: live.rtTables.ids };
}

function ruleText(rule: Rule, tables: RtTables): string {
  const words = ruleAddArgv(rule).slice(6);
  const protocolAt = words.indexOf('protocol');
  const shown = (protocolAt >= 0 ? words.slice(0, protocolAt) : words).map((w, i, all) => (all[i - 1] === 'lookup' ? tableName(tables, Number(w)) : w));
  return `IPv${rule.family} rule ${rule.priority}: ${shown.length > 0 && !['from', 'not'].includes(shown[0] ?? '') ? 'from all ' : ''}${shown.join(' ')}`;
}

function routeText(route: Route, tables: RtTables): string {
  const words = routeAddArgv(route).slice(4);
  const table = words.indexOf('table');
  const head = words.slice(1, table).join(' ').replace(/^(0\.0\.0\.0\/0|::\/0)/, 'default');
  return `IPv${route.family} route ${head} table ${tableName(tables, route.table)} metric ${route.metric}`;
}

function planRoutes(live: NetworkState, desired: DesiredState, tables: RtTables): { adds: PlannedChange[]; deletes: PlannedChange[] } {
  const livePbr = live.routes.filter(isPbrRoute);
  const liveKeys = new Set(livePbr.map(routeKey));
  const desiredKeys = new Set(desired.routes.map(routeKey));
  const stale = livePbr.filter((r) => !desiredKeys.has(routeKey(r)));
  const staleBySlot = new Map(stale.map((r) => [routeSlot(r), r]));
  const replaced = new Set<Route>();
  const adds: PlannedChange[] = [];
  for (const route of desired.routes) {
    if (liveKeys.has(routeKey(route))) continue;
    const old = staleBySlot.get(routeSlot(route));
    if (old) {
      replaced.add(old);
      adds.push({
        object: 'route',
        action: 'replace',
        summary: `replace ${routeText(ownRoute(old), tables)} by ${routeText(route, tables)}`,
        apply: [run(routeDelArgv(ownRoute(old))), run(routeAddArgv(route))],
        revert: [run(routeDelArgv(route)), run(routeAddArgv(ownRoute(old)))],
      });
      continue;
    }
    adds.push({ object: 'route', action: 'add', summary: `add ${routeText(route, tables)}`, apply: [run(routeAddArgv(route))], revert: [run(routeDelArgv(route))] });
  }
  // gateway routes first: the connected routes they may rely on go last
  const deletes = stale
    .filter((r) => !replaced.has(r))
    .sort((a, b) => Number(a.nexthops[0]?.gateway === undefined) - Number(b.nexthops[0]?.gateway === undefined))
    .map((r): PlannedChange => {
      const own = ownRoute(r);
      return { object: 'route', action: 'delete', summary: `delete ${routeText(own, tables)}`, apply: [run(routeDelArgv(own))], revert: [run(routeAddArgv(own))] };
    });
  return { adds, deletes };
}

function planRules(live: NetworkState, desired: DesiredState, tables: RtTables): { adds: PlannedChange[]; deletes: PlannedChange[] } {
  const livePbr = [...live.rules4, ...live.rules6].filter(isPbrRule);
  const wanted = [...desired.rules4, ...desired.rules6];
  const liveKeys = new Set(livePbr.map(ruleKey));
  const desiredKeys = new Set(wanted.map(ruleKey));
  const stale = livePbr.filter((r) => !desiredKeys.has(ruleKey(r)));
  const staleBySlot = new Map(stale.map((r) => [`${r.family} ${r.priority}`, r]));
  const replaced = new Set<Rule>();
  const adds: PlannedChange[] = [];
  for (const rule of wanted) {
    if (liveKeys.has(ruleKey(rule))) continue;
    const old = staleBySlot.get(`${rule.family} ${rule.priority}`);
    if (old && !replaced.has(old)) {
      replaced.add(old);
      const own = ownRule(old);
      adds.push({
        object: 'rule',
        action: 'replace',
        summary: `replace ${ruleText(own, tables)} by ${ruleText(rule, tables).replace(/^IPv\d rule \d+: /, '')}`,
        apply: [run(ruleDelArgv(own)), run(ruleAddArgv(rule))],
        revert: [run(ruleDelArgv(rule)), run(ruleAddArgv(own))],
      });
      continue;
    }
    adds.push({ object: 'rule', action: 'add', summary: `add ${ruleText(rule, tables)}`, apply: [run(ruleAddArgv(rule))], revert: [run(ruleDelArgv(rule))] });
  }
  const deletes = stale.filter((r) => !replaced.has(r)).map((r): PlannedChange => {
    const own = ownRule(r);
    return { object: 'rule', action: 'delete', summary: `delete ${ruleText(own, tables)}`, apply: [run(ruleDelArgv(own))], revert: [run(ruleAddArgv(own))] };
  });
  return { adds, deletes };
}

function planNft(live: NetworkState, desired: DesiredState): PlannedChange[] {
  const current = livePbrTable(live);
  const wanted = desiredNftTable(desired.nft);
  if (current && wanted && sameNftTable(current, wanted)) return [];
  const nft = (stdin: string): HostAction => ({ kind: 'run', argv: ['nft', '-f', '-'], stdin });
  return [{
    object: 'nft',
    action: current ? 'replace' : 'add',
    summary: `${current ? 'replace' : 'add'} nftables table ${PBR_NFT_FAMILY} ${PBR_NFT_TABLE} (${(wanted?.chains ?? []).reduce((n, c) => n + c.rules.length, 0)} rules, one transaction)`,
    apply: [nft(desired.nft.script)],
    revert: [current ? nft(restoreNftScript(current)) : run(['nft', 'delete', 'table', PBR_NFT_FAMILY, PBR_NFT_TABLE])],
  }];
}

/** Writing these also writes others (spec §10): the revert puts every one of them back. */
function alsoWritten(path: string): RegExp | undefined {
  if (path === 'net/ipv4/ip_forward') return /^net\/ipv4\/conf\/[^/]+\/forwarding$|^net\/ipv4\/conf\/all\/accept_redirects$/;
  if (path === 'net/ipv6/conf/all/forwarding') return /^net\/ipv6\/conf\/[^/]+\/forwarding$/;
  return undefined;
}

/** Why pbr sets a sysctl, for the plan a person reads. */
function sysctlReason(path: string): string {
  if (path.endsWith('/rp_filter')) return 'loose: replies of connections pbr sends out by this uplink come back on it, and strict mode checks them without pbr\'s mark and drops them as martians';
  if (path.endsWith('/src_valid_mark')) return 'rp_filter\'s reverse lookup carries the packet\'s mark, so pbr\'s fwmark rules hold for it';
  if (path.endsWith('/ignore_routes_with_linkdown')) return 'failover: a default route through a link without carrier is passed over';
  if (path.endsWith('/log_martians')) return 'options log_martians: dropped martians are logged';
  return 'options forwarding: the host routes between its interfaces';
}

function planSysctls(live: NetworkState, desired: DesiredState): PlannedChange[] {
  const changes: PlannedChange[] = [];
  for (const [path, value] of desired.sysctls) {
    const before = live.sysctls.get(path);
    if (before === value) continue;
    const side = alsoWritten(path);
    const restoreOthers = side ? [...live.sysctls].filter(([p]) => p !== path && side.test(p)).map(([p, v]): HostAction => ({ kind: 'sysctl', path: p, value: v })) : [];
    changes.push({
      object: 'sysctl',
      action: 'set',
      summary: `set ${path.replaceAll('/', '.')} = ${value}${before === undefined ? '' : ` (was ${before})`}: ${sysctlReason(path)}`,
      apply: [{ kind: 'sysctl', path, value }],
      revert: [{ kind: 'sysctl', path, value: before ?? '0' }, ...restoreOthers],
    });
  }
  return changes;
}

function planFiles(live: NetworkState, desired: DesiredState): { writes: PlannedChange[]; deletes: PlannedChange[] } {
  const content = (path: string): string | undefined => live.rtTablesFiles?.find((f) => f.path === path)?.content;
  const writes = desired.files.flatMap((f): PlannedChange[] => {
    const before = content(f.path);
    if (before === f.content) return [];
    return [{
      object: 'file',
      action: before === undefined ? 'add' : 'replace',
      summary: `${before === undefined ? 'write' : 'rewrite'} ${f.path}`,
      apply: [{ kind: 'write-file', path: f.path, content: f.content }],
      revert: [before === undefined ? { kind: 'delete-file', path: f.path } : { kind: 'write-file', path: f.path, content: before }],
    }];
  });
  const deletes = PBR_FILES.filter((path) => !desired.files.some((f) => f.path === path)).flatMap((path): PlannedChange[] => {
    const before = content(path);
    if (before === undefined) return [];
    return [{ object: 'file', action: 'delete', summary: `delete ${path}`, apply: [{ kind: 'delete-file', path }], revert: [{ kind: 'write-file', path, content: before }] }];
  });
  return { writes, deletes };
}

function run(argv: readonly string[]): HostAction {
  return { kind: 'run', argv };
}

export function planChanges(live: NetworkState, desired: DesiredState): Plan {
  const tables = namesFor(live, desired);
  const routes = planRoutes(live, desired, tables);
  const rules = planRules(live, desired, tables);
  const files = planFiles(live, desired);
  return {
    changes: [...files.writes, ...routes.adds, ...rules.adds, ...planNft(live, desired), ...planSysctls(live, desired), ...rules.deletes, ...routes.deletes, ...files.deletes],
    conflicts: findConflicts(live, desired),
  };
}

export function findConflicts(live: NetworkState, desired: DesiredState): PlanConflict[] {
  const conflicts: PlanConflict[] = [];
  const tables = namesFor(live, desired);
  const mask = desired.markMask;
  const wanted = [...desired.rules4, ...desired.rules6];
  const liveRules = [...live.rules4, ...live.rules6];
  const lastPriority = Math.max(0, ...wanted.map((r) => r.priority));
  for (const rule of liveRules) {
    if (isPbrRule(rule)) continue;
    if (wanted.some((w) => w.family === rule.family && w.priority === rule.priority)) {
      conflicts.push({
        object: 'rule',
        message: `a rule pbr does not own sits at priority ${rule.priority} (IPv${rule.family}), where pbr puts its own: ${ruleText(rule, tables)}`,
        hint: 'move pbr with options rule priorities, or delete that rule if it is a leftover',
      });
    } else if (rule.priority < lastPriority && ((rule.fwmask & mask) !== 0 || (rule.fwmask === 0 && rule.fwmark !== 0 && (rule.fwmark & mask) !== 0))) {
      conflicts.push({
        object: 'mark',
        message: `${ruleText(rule, tables)} (not pbr's) selects on mark bits pbr owns (${hex(mask)}) before pbr's rules`,
        hint: 'give pbr other mark bits with options mark mask, or move that rule after pbr\'s priorities',
      });
    }
  }
  for (const t of desired.tables) {
    const foreign = live.routes.filter((r) => r.table === t.id && !isPbrRoute(r));
    if (foreign.length > 0) {
      conflicts.push({
        object: 'rt-table',
        message: `table ${t.id} (${t.name}, for ${t.uplinks.join(', ')}) holds ${foreign.length} route${foreign.length === 1 ? '' : 's'} pbr does not own, e.g. ${routeText(foreign[0] as Route, tables)}`,
        hint: `give the uplink another table, or flush it if it is a leftover of a manual setup: ip route flush table ${t.id}`,
      });
    }
  }
  conflicts.push(...nameConflicts(live, desired));
  conflicts.push(...markWriters(live, mask));
  return conflicts;
}

function nameConflicts(live: NetworkState, desired: DesiredState): PlanConflict[] {
  const foreign = live.rtTablesFiles ? parseRtTablesFiles(live.rtTablesFiles.filter((f) => f.path !== PBR_RT_TABLES_FILE)).value : builtinRtTables();
  return desired.tables.filter((t) => t.named).flatMap((t): PlanConflict[] => {
    const id = foreign.ids.get(t.name);
    const name = foreign.names.get(t.id);
    if ((id === undefined || id === t.id) && (name === undefined || name === t.name)) return [];
    return [{
      object: 'rt-table',
      message: id !== undefined && id !== t.id
        ? `rt_tables already names table ${id} "${t.name}"; pbr wants that name for table ${t.id}`
        : `rt_tables already names table ${t.id} "${String(name)}"; pbr wants to call it "${t.name}"`,
      hint: 'set the uplink\'s table to the existing name or id, or rename the entry in /etc/iproute2/rt_tables',
    }];
  });
}

/** Bits of the target a value expression keeps unchanged (mark & K | C keeps K minus C). */
function keptBits(value: NfExpr, target: NfExpr): bigint {
  const all = 0xffffffffn;
  if (value.kind === target.kind && 'key' in value && 'key' in target && value.key === target.key) return all;
  if (value.kind !== 'binop' || value.right.kind !== 'const' || typeof value.right.value !== 'bigint') return 0n;
  const inner = keptBits(value.left, target);
  const c = value.right.value & all;
  if (value.op === '&') return inner & c;
  if (value.op === '|' || value.op === '^') return inner & ~c & all;
  return 0n;
}

function markWriters(live: NetworkState, mask: number): PlanConflict[] {
  const conflicts: PlanConflict[] = [];
  const bits = BigInt(mask >>> 0);
  for (const table of live.netfilter?.tables ?? []) {
    if (table.origin === 'nft' && table.family === PBR_NFT_FAMILY && table.name === PBR_NFT_TABLE) continue;
    for (const chain of table.chains) {
      const writer = chain.rules.find((r) => r.statements.some((s: NfStatement) =>
        s.kind === 'set' && (s.target.kind === 'meta' || s.target.kind === 'ct') && s.target.key === 'mark' && (keptBits(s.value, s.target) & bits) !== bits));
      if (!writer) continue;
      conflicts.push({
        object: 'mark',
        message: `${table.origin === 'nft' ? `nft table ${table.family} ${table.name}` : `${table.origin} table ${table.name}`} chain ${chain.name} changes mark bits pbr owns (${hex(mask)}): ${writer.text}`,
        hint: 'give pbr other mark bits with options mark mask, or make that rule keep them (meta mark set meta mark and … or …)',
      });
    }
  }
  return conflicts;
}
