// `nft -j list ruleset` (with `nft -a list ruleset` beside it for the rule texts) → NfTable[].
import type { Parsed } from '../model/diagnostics.ts';
import {
  NF_PRIORITY,
  type NfBaseChain,
  type NfChain,
  type NfChainType,
  type NfFamily,
  type NfHook,
  type NfMapEntry,
  type NfRule,
  type NfSet,
  type NfTable,
} from '../model/netfilter.ts';
import { DiagnosticSink } from './diagnostic-sink.ts';
import { lineColumn, locateJsonError } from './json-document.ts';
import { isJsonObject, type JsonObject } from './json-fields.ts';
import type { Mutable } from './mutable.ts';
import { convertEntry, type NftContext, type NftSetInfo } from './nft-expr.ts';
import { nftKeyType, NftUnsupported } from './nft-literal.ts';
import { renderNftRule } from './nft-render.ts';
import { convertRuleStatements } from './nft-statement.ts';
import { indexNftText, nftChainKey, nftRuleKey, nftTableKey, type NftTextIndex } from './nft-text-rules.ts';

const FAMILIES: ReadonlySet<string> = new Set(['ip', 'ip6', 'inet', 'arp', 'bridge', 'netdev']);
const HOOKS: ReadonlySet<string> = new Set(['prerouting', 'input', 'forward', 'output', 'postrouting', 'ingress', 'egress']);
const CHAIN_TYPES: ReadonlySet<string> = new Set(['filter', 'route', 'nat']);
// named objects of a table that only matter through the rules that use them (those rules say what they do)
const NAMED_OBJECTS: ReadonlySet<string> = new Set(['flowtable', 'counter', 'quota', 'ct helper', 'ct timeout', 'ct expectation', 'limit', 'secmark', 'synproxy']);
// mirrors std_prio_table / bridge_std_prio_table, nftables src/rule.c
const BRIDGE_PRIORITY: Readonly<Record<string, number>> = { dstnat: -300, filter: -200, out: 100, srcnat: 300 };

interface ChainBuilder {
  readonly name: string;
  readonly handle?: number;
  base?: NfBaseChain;
  readonly rules: NfRule[];
}

interface TableBuilder {
  readonly family: NfFamily;
  readonly name: string;
  readonly handle?: number;
  readonly chains: Map<string, ChainBuilder>;
  readonly sets: NfSet[];
  readonly setInfo: Map<string, NftSetInfo>;
  /** JSON "flags" of the table, when readable */
  readonly flags?: readonly string[];
  /** JSON "flags" that cannot be flags (nft 1.0.6 prints the family or the table's name there) */
  readonly unreadableFlags?: string;
  iptablesNft: boolean;
}

/**
 * Parses `nft -j list ruleset`. `text`, the `nft -a list ruleset` output captured with it, gives every rule its text
 * exactly as nft prints it (and the netdev devices and table flags nft 1.0.6 leaves out of the JSON); without it the
 * rule text is rendered from the JSON. Never throws: problems are diagnostics.
 */
export function parseNftRuleset(json: string, label: string, text?: string): Parsed<NfTable[]> {
  const sink = new DiagnosticSink(label);
  try {
    const items = readNftItems(json, sink);
    if (items === undefined) return { value: [], diagnostics: sink.diagnostics };
    return { value: buildTables(items, sink, text === undefined ? undefined : indexNftText(text)), diagnostics: sink.diagnostics };
  } catch (error) {
    sink.error('nft-internal', `could not read the nft ruleset: ${error instanceof Error ? error.message : String(error)}`, undefined, 'this is a bug in pbr; please attach the snapshot to a report');
    return { value: [], diagnostics: sink.diagnostics };
  }
}

/** The objects of {"nftables": [...]}, or undefined (with an error) when the text is not that. */
function readNftItems(json: string, sink: DiagnosticSink): JsonObject[] | undefined {
  if (json.trim() === '') {
    sink.error('json-empty', 'no output to parse (expected the JSON of `nft -j list ruleset`)', sink.at(1, 1));
    return undefined;
  }
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    const problem = locateJsonError(json);
    const { line, column } = lineColumn(json, problem.offset);
    sink.error('json-syntax', `invalid JSON: ${problem.message}`, sink.at(line, column));
    return undefined;
  }
  const list = isJsonObject(value) ? value['nftables'] : undefined;
  if (!Array.isArray(list)) {
    sink.error('nft-json-shape', 'expected an object {"nftables": [...]} as `nft -j list ruleset` prints', sink.at(1, 1));
    return undefined;
  }
  const items: JsonObject[] = [];
  list.forEach((item, index) => {
    if (isJsonObject(item) && Object.keys(item).length === 1) items.push(item);
    else sink.error('nft-json-item', `nftables item #${index + 1}: expected an object with one key`);
  });
  return items;
}

function buildTables(items: readonly JsonObject[], sink: DiagnosticSink, textIndex: NftTextIndex | undefined): NfTable[] {
  const tables = new Map<string, TableBuilder>();
  const tableOf = (o: JsonObject, what: string): TableBuilder | undefined => {
    const table = tables.get(nftTableKey(String(o['family']), String(o['table'])));
    if (table === undefined) sink.error('nft-unknown-table', `${what}: table ${String(o['family'])} ${String(o['table'])} is not in the ruleset`);
    return table;
  };
  const rules: JsonObject[] = [];
  for (const item of items) {
    const key = Object.keys(item)[0] ?? '';
    const o = item[key];
    if (!isJsonObject(o)) {
      sink.error('nft-json-item', `nftables item "${key}": expected an object`);
      continue;
    }
    switch (key) {
      case 'metainfo':
        if (o['json_schema_version'] !== undefined && o['json_schema_version'] !== 1) {
          sink.warning('nft-json-schema', `nft JSON schema version ${String(o['json_schema_version'])}; pbr reads version 1`);
        }
        break;
      case 'table': {
        const table = readTable(o, sink);
        if (table) tables.set(nftTableKey(table.family, table.name), table);
        break;
      }
      case 'set':
      case 'map': {
        const table = tableOf(o, `${key} ${String(o['name'])}`);
        if (table) readSet(o, key, table, sink);
        break;
      }
      case 'chain': {
        const table = tableOf(o, `chain ${String(o['name'])}`);
        if (table) readChain(o, table, sink, textIndex);
        break;
      }
      case 'rule':
        rules.push(o);
        break;
      default: {
        const where = typeof o['table'] === 'string' ? `nft ${String(o['family'])} ${o['table']}: ` : '';
        const name = typeof o['name'] === 'string' ? ` ${o['name']}` : '';
        sink.info(
          'nft-object-not-modelled',
          `${where}${key}${name} is not modelled`,
          undefined,
          NAMED_OBJECTS.has(key) ? 'it matters only through the rules that use it; those rules are reported where pbr does not model them' : 'pbr does not know this kind of nft object',
        );
      }
    }
  }
  for (const rule of rules) readRule(rule, tableOf(rule, `rule ${String(rule['handle'])}`), sink, textIndex);
  return [...tables.values()].map((t) => finishTable(t, sink, textIndex));
}

function readTable(o: JsonObject, sink: DiagnosticSink): TableBuilder | undefined {
  const family = o['family'];
  const name = o['name'];
  if (typeof family !== 'string' || !FAMILIES.has(family) || typeof name !== 'string') {
    sink.error('nft-table', `table ${String(family)} ${String(name)}: unknown family or no name`);
    return undefined;
  }
  const table: Mutable<TableBuilder> = { family: family as NfFamily, name, chains: new Map(), sets: [], setInfo: new Map(), iptablesNft: false };
  if (typeof o['handle'] === 'number') table.handle = o['handle'];
  const flags = o['flags'];
  if (Array.isArray(flags)) table.flags = flags.map(String);
  // nft 1.0.6 prints some other string in place of a table's flags ("inet", the table's name): read only flag names
  else if (flags === 'dormant' || flags === 'owner' || flags === 'persist') table.flags = [flags];
  else if (flags !== undefined) table.unreadableFlags = JSON.stringify(flags);
  return table;
}

function readSet(o: JsonObject, kind: 'set' | 'map', table: TableBuilder, sink: DiagnosticSink): void {
  const name = String(o['name']);
  const what = `nft ${table.family} ${table.name} ${kind} ${name}`;
  const keyNames = typeNames(o['type']);
  // nft prints the key type of a concatenation as an array but the data type as one string "a . b"
  const dataNames = kind === 'map' ? typeNames(o['map']) : undefined;
  const keyType = nftKeyType(keyNames);
  const dataType = dataNames === undefined ? undefined : nftKeyType(dataNames);
  const entries: NfMapEntry[] = [];
  const unreadable: string[] = [];
  const elems = Array.isArray(o['elem']) ? o['elem'] : [];
  for (const elem of elems) {
    try {
      entries.push(convertEntry(elem, keyType, dataType));
    } catch (error) {
      if (!(error instanceof NftUnsupported)) throw error;
      unreadable.push(error.message);
    }
  }
  const set: Mutable<NfSet> = { name, keyType: keyNames, flags: stringList(o['flags']), entries };
  if (dataNames !== undefined) set.dataType = dataNames.join(' . ');
  table.sets.push(set);
  const info: Mutable<NftSetInfo> = { keyType };
  if (dataType !== undefined) info.dataType = dataType;
  if (unreadable.length > 0) {
    info.unreadable = `${unreadable.length} of its ${elems.length} elements are unreadable`;
    sink.warning(
      'nft-set-element',
      `${what}: pbr cannot read ${unreadable.length} of ${elems.length} elements: ${unreadable.slice(0, 3).join('; ')}${unreadable.length > 3 ? '; …' : ''}`,
      undefined,
      'the set keeps the elements pbr could read; rules that use it are treated as not modelled',
    );
  }
  table.setInfo.set(name, info);
}

function typeNames(v: unknown): string[] {
  if (Array.isArray(v)) return v.map(String);
  return typeof v === 'string' ? v.split(' . ') : [];
}

function stringList(v: unknown): string[] {
  return Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : [];
}

function readChain(o: JsonObject, table: TableBuilder, sink: DiagnosticSink, textIndex: NftTextIndex | undefined): void {
  const name = String(o['name']);
  const chain: Mutable<ChainBuilder> = { name, rules: [] };
  if (typeof o['handle'] === 'number') chain.handle = o['handle'];
  if (o['hook'] !== undefined) {
    const base = readBaseChain(o, table, sink, textIndex);
    if (base) chain.base = base;
  }
  table.chains.set(name, chain);
}

function readBaseChain(o: JsonObject, table: TableBuilder, sink: DiagnosticSink, textIndex: NftTextIndex | undefined): NfBaseChain | undefined {
  const name = String(o['name']);
  const what = `nft ${table.family} ${table.name} chain ${name}`;
  const hook = String(o['hook']);
  const type = String(o['type'] ?? 'filter');
  if (!HOOKS.has(hook) || !CHAIN_TYPES.has(type)) {
    sink.warning('nft-chain-hook', `${what}: type ${type} hook ${hook} is not modelled; the chain is kept as a regular chain`, undefined, 'packets will not be traced through it');
    return undefined;
  }
  const priority = readPriority(o['prio'], table.family);
  if (priority === undefined) {
    sink.warning('nft-chain-priority', `${what}: priority ${JSON.stringify(o['prio'])} is unreadable; the chain is kept as a regular chain`);
    return undefined;
  }
  const base: Mutable<NfBaseChain> = { hook: hook as NfHook, type: type as NfChainType, priority, policy: o['policy'] === 'drop' ? 'drop' : 'accept' };
  const devices = stringList(o['dev']);
  const fromText = textIndex?.chainDevices.get(nftChainKey(table.family, table.name, name)) ?? [];
  const all = devices.length > 0 ? devices : fromText;
  if (all.length > 0) base.device = all[0] ?? '';
  if (all.length > 1) {
    sink.warning('nft-chain-devices', `${what}: hooks devices ${all.join(', ')}; pbr records only ${all[0] ?? ''}`, undefined, 'packets on the other devices are not traced through this chain');
  }
  if ((hook === 'ingress' || hook === 'egress') && all.length === 0) {
    sink.info('nft-chain-device', `${what}: the ${hook} device is unknown`, undefined, 'nft 1.0.6 leaves it out of its JSON; capture `nft -a list ruleset` beside it');
  }
  return base;
}

function readPriority(prio: unknown, family: NfFamily): number | undefined {
  if (typeof prio === 'number' && Number.isInteger(prio)) return prio;
  if (typeof prio !== 'string') return undefined;
  const m = /^([a-z]+)\s*(?:([+-])\s*(\d+))?$/.exec(prio.trim());
  if (!m) return /^-?\d+$/.test(prio.trim()) ? Number(prio) : undefined;
  const names: Readonly<Record<string, number>> = family === 'bridge' ? BRIDGE_PRIORITY : NF_PRIORITY;
  const baseValue = names[m[1] ?? ''];
  if (baseValue === undefined) return undefined;
  const offset = m[3] === undefined ? 0 : Number(m[3]);
  return m[2] === '-' ? baseValue - offset : baseValue + offset;
}

function readRule(o: JsonObject, table: TableBuilder | undefined, sink: DiagnosticSink, textIndex: NftTextIndex | undefined): void {
  if (table === undefined) return;
  const chainName = String(o['chain']);
  const handle = typeof o['handle'] === 'number' ? o['handle'] : undefined;
  const chain = table.chains.get(chainName);
  const where = `nft ${table.family} ${table.name} chain ${chainName} rule handle ${handle ?? '?'}`;
  if (chain === undefined) {
    sink.error('nft-unknown-chain', `${where}: the chain is not in the ruleset`);
    return;
  }
  const expr = Array.isArray(o['expr']) ? o['expr'] : [];
  const comment = typeof o['comment'] === 'string' ? o['comment'] : undefined;
  const printed = handle === undefined ? undefined : textIndex?.rules.get(nftRuleKey(table.family, table.name, chainName, handle));
  const text = printed ?? renderNftRule(expr, comment);
  if (textIndex !== undefined && printed === undefined) {
    sink.info('nft-rule-text-missing', `${where}: not in the \`nft -a list ruleset\` text; its text is rendered from the JSON`, undefined, 'capture the JSON and the text at the same time');
  }
  const ctx: NftContext = { family: table.family, sets: table.setInfo };
  const converted = convertRuleStatements(expr, ctx);
  const rule: Mutable<NfRule> = { text, statements: converted.statements };
  if (handle !== undefined) rule.handle = handle;
  if (comment !== undefined) rule.comment = comment;
  chain.rules.push(rule);
  if (converted.unknown.length > 0) {
    const xt = expr.some((s) => isJsonObject(s) && 'xt' in s);
    if (xt) table.iptablesNft = true;
    sink.warning(
      'nft-rule-not-modelled',
      `${where} (${text}): not modelled: ${converted.unknown.join('; ')}`,
      undefined,
      xt
        ? 'the table is managed by iptables-nft: capture iptables-save / ip6tables-save as well, pbr reads the table from there'
        : 'pbr treats every outcome of this rule as possible',
    );
  }
}

function finishTable(t: TableBuilder, sink: DiagnosticSink, textIndex: NftTextIndex | undefined): NfTable {
  const textFlags = textIndex?.tableFlags.get(nftTableKey(t.family, t.name));
  const flags = textFlags ?? t.flags ?? [];
  const dormant = flags.includes('dormant');
  if (t.unreadableFlags !== undefined && textIndex === undefined) {
    sink.warning('nft-table-flags', `nft ${t.family} ${t.name}: the JSON gives the table's flags as ${t.unreadableFlags}; pbr cannot tell whether the table is dormant`, undefined, 'nft 1.0.6 prints another string in place of the flags; capture `nft -a list ruleset` beside the JSON');
  }
  if (dormant) {
    sink.warning('nft-table-dormant', `nft ${t.family} ${t.name}: the table is dormant; its base chains are kept as regular chains`, undefined, 'the chains of a dormant table see no packets');
  }
  if (t.iptablesNft) {
    sink.info('nft-table-iptables-nft', `nft ${t.family} ${t.name}: managed by iptables-nft (it holds xt matches or targets)`, undefined, 'capture iptables-save / ip6tables-save as well: pbr then reads this table from there');
  }
  const chains: NfChain[] = [...t.chains.values()].map((c) => {
    const chain: Mutable<NfChain> = { name: c.name, rules: c.rules };
    if (c.handle !== undefined) chain.handle = c.handle;
    if (c.base !== undefined && !dormant) chain.base = c.base;
    return chain;
  });
  const table: Mutable<NfTable> = { family: t.family, name: t.name, origin: 'nft', chains, sets: t.sets };
  if (t.handle !== undefined) table.handle = t.handle;
  return table;
}

