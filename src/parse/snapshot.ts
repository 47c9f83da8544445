// A snapshot file (raw outputs) → the NetworkState model, with diagnostics for everything missing or malformed.
import type { Family } from '../addr/types.ts';
import type { Diagnostic, Parsed, Severity } from '../model/diagnostics.ts';
import type { NetworkState, Route, Rule } from '../model/network-state.ts';
import { RT_TABLE_DEFAULT, RT_TABLE_LOCAL, RT_TABLE_MAIN, RULE_DEFAULTS } from '../model/network-state.ts';
import { builtinRtTables, type RtTables } from '../model/rt-tables.ts';
import { RT_TABLES_SOURCE_PREFIX, SOURCE_KEYS, type CapturedSource, type SnapshotFile } from '../model/snapshot.ts';
import { DiagnosticSink } from './diagnostic-sink.ts';
import { inferFibFlags } from './fib-trie.ts';
import { parseIpAddrJson } from './ip-addr-json.ts';
import { parseIpLinkJson } from './ip-link-json.ts';
import { parseIpMaddrJson } from './ip-maddr-json.ts';
import { parseIpNeighJson } from './ip-neigh-json.ts';
import { parseIpNexthopJson } from './ip-nexthop-json.ts';
import { parseIpRouteJson } from './ip-route-json.ts';
import { parseIpRouteText } from './ip-route-text.ts';
import { parseIpRuleJson } from './ip-rule-json.ts';
import { parseIpRuleText } from './ip-rule-text.ts';
import { parseNetfilterSources } from './netfilter-ruleset.ts';
import { lineColumn, locateJsonError } from './json-document.ts';
import { parseRtTablesFiles } from './rt-tables-files.ts';
import { SNAPSHOT_UNUSABLE, validateSnapshotFile } from './snapshot-shape.ts';
import { parseSysctlLines } from './sysctl-lines.ts';

export { SNAPSHOT_UNUSABLE } from './snapshot-shape.ts';

export interface SnapshotParseOptions {
  /** prefix of diagnostic locations, e.g. the file name; "snapshot" by default */
  readonly name?: string;
}

/** Missing sources: how bad it is, and what the model uses instead. */
const MISSING: Readonly<Record<string, { severity: Severity; instead: string }>> = {
  [SOURCE_KEYS.link]: { severity: 'warning', instead: 'no devices' },
  [SOURCE_KEYS.addr]: { severity: 'warning', instead: 'no addresses' },
  [SOURCE_KEYS.rule4]: { severity: 'warning', instead: 'the default IPv4 rules (local, main, default)' },
  [SOURCE_KEYS.rule6]: { severity: 'warning', instead: 'the default IPv6 rules (local, main)' },
  [SOURCE_KEYS.route4]: { severity: 'warning', instead: 'no IPv4 routes' },
  [SOURCE_KEYS.route6]: { severity: 'warning', instead: 'no IPv6 routes' },
  [SOURCE_KEYS.nexthop]: { severity: 'info', instead: 'no nexthop objects' },
  [SOURCE_KEYS.neigh]: { severity: 'info', instead: 'no neighbour entries' },
  [SOURCE_KEYS.maddr]: { severity: 'info', instead: 'no multicast memberships' },
  [SOURCE_KEYS.sysctl]: { severity: 'warning', instead: 'the kernel defaults for every sysctl' },
};

/** The snapshot file's text (JSON) → the model; invalid JSON is a SNAPSHOT_UNUSABLE error with line and column. */
export function parseSnapshotJson(text: string, options: SnapshotParseOptions = {}): Parsed<NetworkState> {
  const name = options.name ?? 'snapshot';
  let file: unknown;
  try {
    file = JSON.parse(text);
  } catch {
    const problem = locateJsonError(text);
    const { line, column } = lineColumn(text, problem.offset);
    return {
      value: emptyState(''),
      diagnostics: [{
        severity: 'error',
        code: SNAPSHOT_UNUSABLE,
        message: text.trim() === '' ? 'empty file, not a snapshot' : `not valid JSON: ${problem.message}`,
        source: { file: name, ...(text.trim() === '' ? {} : { line, column }) },
        hint: 'create snapshots with `pbr snapshot`',
      }],
    };
  }
  return parseSnapshot(file, options);
}

export function parseSnapshot(file: unknown, options: SnapshotParseOptions = {}): Parsed<NetworkState> {
  const name = options.name ?? 'snapshot';
  const sink = new DiagnosticSink(name);
  const snapshot = validateSnapshotFile(file, sink);
  if (snapshot === undefined) return { value: emptyState(''), diagnostics: sink.diagnostics };
  const diagnostics: Diagnostic[] = [...sink.diagnostics];
  for (const note of snapshot.notes) {
    diagnostics.push({ severity: 'info', code: 'snapshot-note', message: `captured with a note: ${note}`, source: { file: name } });
  }
  const label = (key: string): string => `${name}:sources.${key}`;
  /** stdout of a usable source; a missing or failed one is reported and gives undefined */
  const take = (key: string): string | undefined => {
    const source = snapshot.sources[key];
    const missing = MISSING[key] ?? { severity: 'info' as const, instead: 'nothing' };
    if (source === undefined) {
      diagnostics.push({
        severity: missing.severity,
        code: 'snapshot-source-missing',
        message: `no "${key}" in the snapshot; using ${missing.instead}`,
        source: { file: name },
      });
      return undefined;
    }
    if (source.exitCode !== 0) {
      const detail = firstLine(source.stderr);
      if (source.stdout.trim() === '') {
        diagnostics.push({
          severity: missing.severity,
          code: 'snapshot-source-failed',
          message: `"${key}" failed when captured (${describeCommand(source)} exited ${source.exitCode}${detail ? `: ${detail}` : ''}); using ${missing.instead}`,
          source: { file: label(key) },
        });
        return undefined;
      }
      diagnostics.push({
        severity: 'info',
        code: 'snapshot-source-partial',
        message: `"${key}" exited ${source.exitCode} when captured${detail ? ` (${detail})` : ''}; reading its output`,
        source: { file: label(key) },
      });
    }
    return source.stdout;
  };
  const use = <T>(parsed: Parsed<T>): T => {
    diagnostics.push(...parsed.diagnostics);
    return parsed.value;
  };

  const rtTables = readRtTables(snapshot, diagnostics, name);
  const kernelRelease = readKernelRelease(snapshot, take, diagnostics, name);

  const linkText = take(SOURCE_KEYS.link);
  const links = linkText === undefined ? [] : use(parseIpLinkJson(linkText, label(SOURCE_KEYS.link)));
  const addrText = take(SOURCE_KEYS.addr);
  const addresses = addrText === undefined ? [] : use(parseIpAddrJson(addrText, label(SOURCE_KEYS.addr)));

  const rules = (family: Family, key: string): Rule[] => {
    const text = take(key);
    if (text === undefined) return defaultRules(family);
    const options = { family, rtTables, file: label(key) };
    return use(looksLikeJson(text) ? parseIpRuleJson(text, options) : parseIpRuleText(text, options));
  };
  const rules4 = rules(4, SOURCE_KEYS.rule4);
  const rules6 = rules(6, SOURCE_KEYS.rule6);

  const routes = (family: Family, key: string, firstOrder: number): Route[] => {
    const text = take(key);
    if (text === undefined) return [];
    const options = { family, rtTables, file: label(key) };
    const parsed = use(looksLikeJson(text) ? parseIpRouteJson(text, options) : parseIpRouteText(text, options));
    return parsed.map((route) => ({ ...route, order: route.order + firstOrder }));
  };
  const routes4 = routes(4, SOURCE_KEYS.route4, 0);
  const lastOrder4 = routes4.reduce((max, r) => Math.max(max, r.order + 1), 0);
  const allRoutes = [...routes4, ...routes(6, SOURCE_KEYS.route6, lastOrder4)];

  const nexthopText = take(SOURCE_KEYS.nexthop);
  const nexthopObjects = nexthopText === undefined ? [] : use(parseIpNexthopJson(nexthopText, label(SOURCE_KEYS.nexthop)));
  const neighText = take(SOURCE_KEYS.neigh);
  const neighbours = neighText === undefined ? [] : use(parseIpNeighJson(neighText, label(SOURCE_KEYS.neigh)));
  const maddrText = take(SOURCE_KEYS.maddr);
  const multicast = maddrText === undefined ? [] : use(parseIpMaddrJson(maddrText, label(SOURCE_KEYS.maddr)));
  const sysctlText = take(SOURCE_KEYS.sysctl);
  const sysctls = sysctlText === undefined ? new Map<string, string>() : use(parseSysctlLines(sysctlText, label(SOURCE_KEYS.sysctl)));

  const fibKey = snapshot.sources[SOURCE_KEYS.fibTriestat] !== undefined ? SOURCE_KEYS.fibTriestat : SOURCE_KEYS.fibTrie;
  const fibSource = snapshot.sources[fibKey];
  const fibTrie = fibSource !== undefined && fibSource.exitCode === 0 ? fibSource.stdout : undefined;
  const fib = use(inferFibFlags({
    ...(fibTrie === undefined ? {} : { fibTrie }),
    rules4,
    routes: allRoutes,
    file: label(fibKey),
  }));

  // netfilter sources are optional tools: an absent one was noted at capture, a failed one is reported by take()
  const captured = (key: string): string | undefined => (snapshot.sources[key] === undefined ? undefined : take(key));
  const nftJson = captured(SOURCE_KEYS.nft);
  const nftText = nftJson === undefined ? undefined : captured(SOURCE_KEYS.nftText);
  const iptablesText = captured(SOURCE_KEYS.iptables);
  const ip6tablesText = captured(SOURCE_KEYS.ip6tables);
  const iptablesLegacyText = captured(SOURCE_KEYS.iptablesLegacy);
  const ip6tablesLegacyText = captured(SOURCE_KEYS.ip6tablesLegacy);
  const netfilter = use(parseNetfilterSources({
    ...(nftJson === undefined ? {} : { nft: { json: nftJson, label: label(SOURCE_KEYS.nft), ...(nftText === undefined ? {} : { text: nftText }) } }),
    ...(iptablesText === undefined ? {} : { iptables: { text: iptablesText, label: label(SOURCE_KEYS.iptables), stderr: snapshot.sources[SOURCE_KEYS.iptables]?.stderr ?? '' } }),
    ...(ip6tablesText === undefined ? {} : { ip6tables: { text: ip6tablesText, label: label(SOURCE_KEYS.ip6tables), stderr: snapshot.sources[SOURCE_KEYS.ip6tables]?.stderr ?? '' } }),
    ...(iptablesLegacyText === undefined ? {} : { iptablesLegacy: { text: iptablesLegacyText, label: label(SOURCE_KEYS.iptablesLegacy) } }),
    ...(ip6tablesLegacyText === undefined ? {} : { ip6tablesLegacy: { text: ip6tablesLegacyText, label: label(SOURCE_KEYS.ip6tablesLegacy) } }),
  }));

  return {
    value: {
      kernelRelease,
      links,
      addresses,
      rules4,
      rules6,
      routes: allRoutes,
      nexthopObjects,
      neighbours,
      multicast,
      sysctls,
      rtTables,
      fib,
      ...(netfilter === undefined ? {} : { netfilter }),
      rtTablesFiles: rtTablesFilesOf(snapshot),
    },
    diagnostics,
  };
}

/** The rt_tables files as read at capture: their real paths and contents. */
function rtTablesFilesOf(snapshot: SnapshotFile): { path: string; content: string }[] {
  return Object.entries(snapshot.sources)
    .filter(([key, source]) => key.startsWith(RT_TABLES_SOURCE_PREFIX) && source.exitCode === 0)
    .map(([key, source]) => ({ path: key.slice(RT_TABLES_SOURCE_PREFIX.length), content: source.stdout }));
}

/** The rt_tables sources in the order they were recorded (the order iproute2 reads them). */
function readRtTables(snapshot: SnapshotFile, diagnostics: Diagnostic[], name: string): RtTables {
  const files = Object.entries(snapshot.sources)
    .filter(([key, source]) => key.startsWith(RT_TABLES_SOURCE_PREFIX) && source.exitCode === 0)
    .map(([key, source]) => ({ path: `${name}:sources.${key}`, content: source.stdout }));
  if (files.length === 0) {
    diagnostics.push({
      severity: 'info',
      code: 'snapshot-no-rt-tables',
      message: 'no rt_tables file in the snapshot; only the built-in table names (local, main, default) are known',
      source: { file: name },
    });
    return builtinRtTables();
  }
  const parsed = parseRtTablesFiles(files);
  diagnostics.push(...parsed.diagnostics);
  return parsed.value;
}

function readKernelRelease(
  snapshot: SnapshotFile,
  take: (key: string) => string | undefined,
  diagnostics: Diagnostic[],
  name: string,
): string {
  if (snapshot.kernelRelease.trim() !== '') return snapshot.kernelRelease.trim();
  const fromUname = snapshot.sources[SOURCE_KEYS.kernelRelease] ? take(SOURCE_KEYS.kernelRelease)?.trim() : undefined;
  if (fromUname) return fromUname;
  diagnostics.push({
    severity: 'warning',
    code: 'snapshot-no-kernel-release',
    message: 'the snapshot does not say which kernel it was captured on; behaviour of the newest supported kernel is assumed',
    source: { file: name },
  });
  return '';
}

/** The rules a fresh network namespace has (spec §3.5). */
export function defaultRules(family: Family): Rule[] {
  const tables = family === 4
    ? [[0, RT_TABLE_LOCAL], [32766, RT_TABLE_MAIN], [32767, RT_TABLE_DEFAULT]]
    : [[0, RT_TABLE_LOCAL], [32766, RT_TABLE_MAIN]];
  return tables.map(([priority, table], order) => ({
    family,
    priority: priority ?? 0,
    ...RULE_DEFAULTS,
    table: table ?? RT_TABLE_MAIN,
    order,
  }));
}

function emptyState(kernelRelease: string): NetworkState {
  return {
    kernelRelease,
    links: [],
    addresses: [],
    rules4: defaultRules(4),
    rules6: defaultRules(6),
    routes: [],
    nexthopObjects: [],
    neighbours: [],
    multicast: [],
    sysctls: new Map(),
    rtTables: builtinRtTables(),
    fib: { v4TablesMerged: true, v4HasCustomLocalRoutes: false },
  };
}

function looksLikeJson(text: string): boolean {
  return /^\s*\[/.test(text);
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0]?.trim() ?? '';
}

function describeCommand(source: CapturedSource): string {
  if (source.argv !== undefined) return source.argv.join(' ');
  return source.path ?? 'the capture';
}
