// Golden tests: every parser on dumps recorded from one lab namespace (scripts/record-fixtures.ts).
// UPDATE_GOLDEN=1 rewrites test/fixtures/parse/expected/*.json from the current parsers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatIp } from '../addr/ip.ts';
import type { Parsed } from '../model/diagnostics.ts';
import { parseFibTrie } from './fib-trie.ts';
import { parseIpAddrJson } from './ip-addr-json.ts';
import { parseIpLinkJson } from './ip-link-json.ts';
import { parseIpMaddrJson } from './ip-maddr-json.ts';
import { parseIpNeighJson } from './ip-neigh-json.ts';
import { parseIpNexthopJson } from './ip-nexthop-json.ts';
import { parseIpRouteJson } from './ip-route-json.ts';
import { parseIpRouteText } from './ip-route-text.ts';
import { parseIpRuleJson } from './ip-rule-json.ts';
import { parseIpRuleText } from './ip-rule-text.ts';
import { parseRtTablesFiles } from './rt-tables-files.ts';
import { parseSnapshotJson } from './snapshot.ts';

const FIXTURES = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'parse');
const EXPECTED = join(FIXTURES, 'expected');
const update = process.env['UPDATE_GOLDEN'] === '1';

const read = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');

/** JSON-friendly form of a model value: addresses and prefixes as text, bigints as "Nn", maps as objects. */
function toGolden(value: unknown): unknown {
  if (typeof value === 'bigint') return `${value}n`;
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), toGolden(v)]));
  if (Array.isArray(value)) return value.map(toGolden);
  if (typeof value === 'object' && value !== null) {
    const o = value as Record<string, unknown>;
    if ((o['family'] === 4 || o['family'] === 6) && Object.keys(o).length === 2 && 'value' in o) {
      return formatIp(o as never);
    }
    if (Object.keys(o).length === 2 && 'address' in o && 'length' in o && typeof o['length'] === 'number') {
      return `${String(toGolden(o['address']))}/${o['length']}`;
    }
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, toGolden(v)]));
  }
  return value;
}

/** Compares with (or, under UPDATE_GOLDEN=1, writes) expected/<name>.json. */
function assertGolden(name: string, parsed: Parsed<unknown>): void {
  const actual = toGolden({ value: parsed.value, diagnostics: parsed.diagnostics });
  const path = join(EXPECTED, `${name}.json`);
  if (update) {
    mkdirSync(EXPECTED, { recursive: true });
    writeFileSync(path, `${JSON.stringify(actual, null, 2)}\n`);
    return;
  }
  assert.deepEqual(actual, JSON.parse(readFileSync(path, 'utf8')), `golden ${name} (UPDATE_GOLDEN=1 to rewrite)`);
}

/** The text parser must give exactly what the JSON parser gives for the same state. */
function assertSame(label: string, json: Parsed<unknown>, other: Parsed<unknown>): void {
  assert.deepEqual(toGolden(other.value), toGolden(json.value), label);
  assert.deepEqual(other.diagnostics.filter((d) => d.severity !== 'info').map((d) => d.message), [], `${label}: diagnostics`);
}

const rtTables = parseRtTablesFiles([
  { path: 'rt_tables', content: read('rt_tables/rt_tables') },
  { path: 'rt_tables.d/vpn.conf', content: read('rt_tables/rt_tables.d/vpn.conf') },
]);

test('rt_tables of the lab', () => assertGolden('rt-tables', rtTables));

test('ip -d -j link show', () => assertGolden('links', parseIpLinkJson(read('ip-link.json'))));
test('ip -j addr show', () => assertGolden('addresses', parseIpAddrJson(read('ip-addr.json'))));
test('ip -d -j nexthop show', () => assertGolden('nexthops', parseIpNexthopJson(read('ip-nexthop.json'))));
test('ip -j neigh show nud all', () => assertGolden('neighbours', parseIpNeighJson(read('ip-neigh.json'))));
test('ip -j maddr show', () => assertGolden('multicast', parseIpMaddrJson(read('ip-maddr.json'))));

for (const family of [4, 6] as const) {
  const options = { family, rtTables: rtTables.value };
  test(`ip -${family} rule: JSON golden, text equal`, () => {
    const json = parseIpRuleJson(read(`ip-rule${family}.json`), options);
    assertGolden(`rules${family}`, json);
    assertSame('text', json, parseIpRuleText(read(`ip-rule${family}.txt`), options));
  });
  test(`ip -${family} route show table all: JSON golden; plain JSON, text and -d text equal`, () => {
    const json = parseIpRouteJson(read(`ip-route${family}.json`), options);
    assertGolden(`routes${family}`, json);
    assertSame('plain JSON', json, parseIpRouteJson(read(`ip-route${family}-plain.json`), options));
    assertSame('text', json, parseIpRouteText(read(`ip-route${family}.txt`), options));
    assertSame('-d text', json, parseIpRouteText(read(`ip-route${family}-d.txt`), options));
  });
}

test('ip route show table isp1 (table omitted in the dump): the table option fills it', () => {
  const options = { family: 4 as const, rtTables: rtTables.value, table: 100 };
  const json = parseIpRouteJson(read('ip-route4-isp1.json'), options);
  assertGolden('routes4-isp1', json);
  assertSame('text', json, parseIpRouteText(read('ip-route4-isp1.txt'), options));
  const all = parseIpRouteJson(read('ip-route4.json'), options).value.filter((r) => r.table === 100);
  assert.deepEqual(toGolden(json.value.map((r) => ({ ...r, order: 0 }))), toGolden(all.map((r) => ({ ...r, order: 0 }))));
});

test('fib_trie of the lab (split) and of a fresh namespace (merged)', () => {
  const split = parseFibTrie(read('fib-trie-split.txt')).sections;
  assert.equal(split.has('Local'), true);
  assert.notEqual(split.get('Main'), split.get('Local'));
  const merged = parseFibTrie(read('fib-trie-merged.txt')).sections;
  assert.equal(merged.get('Main'), merged.get('Local'));
});

test('lab.snapshot.json (captureSnapshot of the lab) → NetworkState', () => {
  const parsed = parseSnapshotJson(read('lab.snapshot.json'), { name: 'lab.snapshot.json' });
  const { sysctls, ...rest } = parsed.value;
  // the sysctl list grows with kernel versions: keep the golden to the ones the engine reads
  const relevant = new Map([...sysctls].filter(([path]) => /^net\/ipv[46]\/(conf\/(all|default|a0|a0\.5|b0|d0)\/(forwarding|rp_filter|src_valid_mark|ignore_routes_with_linkdown|route_localnet)|fib_multipath_hash_(policy|seed))$/.test(path)));
  assertGolden('lab-snapshot', { value: { ...rest, sysctls: relevant }, diagnostics: parsed.diagnostics });
  assert.equal(parsed.diagnostics.filter((d) => d.severity === 'error').length, 0);
  assert.equal(sysctls.get('net/ipv4/conf/a0.5/route_localnet'), '1');
});
