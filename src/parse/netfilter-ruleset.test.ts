import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NfChain, NfTable } from '../model/netfilter.ts';
import { SNAPSHOT_FORMAT, SNAPSHOT_VERSION, SOURCE_KEYS, type CapturedSource } from '../model/snapshot.ts';
import { parseIptablesSave, type IptablesDump } from './iptables-save.ts';
import { buildNetfilterRuleset, omitNftTables, parseNetfilterSources, tablesOwnedByIptables } from './netfilter-ruleset.ts';
import { parseSnapshot, parseSnapshotJson } from './snapshot.ts';

const FIXTURES = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'netfilter', 'iptables');
const read = (path: string): string => readFileSync(join(FIXTURES, path), 'utf8');

const chain = (name: string, hook?: 'prerouting' | 'output', priority = 0): NfChain => ({
  name,
  ...(hook === undefined ? {} : { base: { hook, type: 'filter', priority, policy: 'accept' } }),
  rules: [],
});
const nftTable = (family: NfTable['family'], name: string, chains: NfChain[] = []): NfTable => ({ family, name, origin: 'nft', chains, sets: [] });
const dump = (variant: IptablesDump['variant'], family: 4 | 6, names: string[]): IptablesDump => ({
  variant,
  tables: names.map((name) => ({
    family: family === 4 ? 'ip' : 'ip6',
    name,
    origin: family === 4 ? 'iptables' : 'ip6tables',
    chains: [chain('PREROUTING', 'prerouting', -150)],
    sets: [],
  })),
});
const listing = (tables: readonly NfTable[]): string[] => tables.map((t) => `${t.family} ${t.name} ${t.origin}`);

test('nf_tables dump: its tables replace the nft tables of the same family and name, in their place', () => {
  const merged = buildNetfilterRuleset({
    nft: [nftTable('ip', 'mangle'), nftTable('inet', 'pbr'), nftTable('ip', 'filter'), nftTable('ip6', 'mangle')],
    iptables: dump('nf_tables', 4, ['mangle', 'nat']),
  });
  assert.deepEqual(listing(merged.value.tables), ['ip mangle iptables', 'inet pbr nft', 'ip filter nft', 'ip6 mangle nft', 'ip nat iptables']);
  assert.deepEqual(merged.diagnostics.map((d) => [d.severity, d.code]), [['info', 'netfilter-iptables-nft-table']]);
  assert.match(merged.diagnostics[0]?.message ?? '', /nft table ip mangle is the iptables-nft table/);
});

test('ip6tables replaces ip6 tables only', () => {
  const merged = buildNetfilterRuleset({ nft: [nftTable('ip', 'mangle'), nftTable('ip6', 'mangle')], ip6tables: dump('nf_tables', 6, ['mangle']) });
  assert.deepEqual(listing(merged.value.tables), ['ip mangle nft', 'ip6 mangle ip6tables']);
});

test('legacy dump: both keep their hooks; a tie with nf_tables on one hook and priority is reported', () => {
  const merged = buildNetfilterRuleset({
    nft: [nftTable('ip', 'mangle', [chain('PREROUTING', 'prerouting', -150)]), nftTable('inet', 'x', [chain('out', 'output', -150)])],
    iptables: dump('legacy', 4, ['mangle']),
    ip6tables: dump('legacy', 6, ['mangle']),
  });
  assert.deepEqual(listing(merged.value.tables), ['ip mangle nft', 'inet x nft', 'ip mangle iptables', 'ip6 mangle ip6tables']);
  assert.deepEqual(merged.diagnostics.map((d) => d.code), ['netfilter-priority-tie']);
  assert.match(merged.diagnostics[0]?.message ?? '', /IPv4 hook prerouting, priority -150: legacy iptables \(ip mangle PREROUTING\) and nftables \(ip mangle PREROUTING\)/);
});

/** [name, legacy dump's variant (from its header)] — a separate legacy dump is legacy whatever its header says */
const SEPARATE_LEGACY_VARIANTS: readonly (readonly [string, IptablesDump['variant']])[] = [
  ['header without variant (iptables-legacy-save 1.8.9)', 'legacy'],
  ['no header', 'unknown'],
  ['a header saying nf_tables', 'nf_tables'],
];

for (const [name, variant] of SEPARATE_LEGACY_VARIANTS) {
  test(`separate legacy dumps beside nf_tables ones: both kept, legacy last, ties reported (${name})`, () => {
    const iptables = dump('nf_tables', 4, ['mangle']);
    const iptablesLegacy = dump(variant, 4, ['mangle', 'raw']);
    const merged = buildNetfilterRuleset({
      nft: [nftTable('ip', 'mangle'), nftTable('inet', 'pbr', [chain('out', 'output', -150)])],
      iptables,
      iptablesLegacy,
      ip6tablesLegacy: dump(variant, 6, ['mangle']),
    });
    assert.deepEqual(listing(merged.value.tables), ['ip mangle iptables', 'inet pbr nft', 'ip mangle iptables', 'ip raw iptables', 'ip6 mangle ip6tables']);
    assert.equal(merged.value.tables[0], iptables.tables[0]);
    assert.equal(merged.value.tables[2], iptablesLegacy.tables[0]);
    assert.deepEqual(merged.diagnostics.map((d) => [d.code, d.source?.file]), [
      ['netfilter-iptables-nft-table', 'iptables'],
      ['netfilter-priority-tie', 'iptables'],
    ]);
    assert.match(
      merged.diagnostics[1]?.message ?? '',
      /^on IPv4 hook prerouting, priority -150: legacy iptables \(ip mangle PREROUTING, ip raw PREROUTING\) and nftables \(ip mangle PREROUTING\)/,
    );
  });
}

test('a tie among nf_tables chains alone is not reported (the listing order decides)', () => {
  const merged = buildNetfilterRuleset({
    nft: [nftTable('ip', 'mangle'), nftTable('inet', 'pbr', [chain('pre', 'prerouting', -150)])],
    iptables: dump('nf_tables', 4, ['mangle']),
  });
  assert.deepEqual(merged.diagnostics.map((d) => d.code), ['netfilter-iptables-nft-table']);
});

test('unknown variant: taken for iptables-nft when nft lists the table, said so', () => {
  const merged = buildNetfilterRuleset({ nft: [nftTable('ip', 'filter')], iptables: dump('unknown', 4, ['filter']) });
  assert.deepEqual(listing(merged.value.tables), ['ip filter iptables']);
  assert.match(merged.diagnostics[0]?.message ?? '', /names no variant/);
});

test('no sources: no rule set', () => {
  assert.deepEqual(parseNetfilterSources({}), { value: undefined, diagnostics: [] });
  assert.deepEqual(buildNetfilterRuleset({}).value, { tables: [] });
});

test('omitNftTables keeps the tables (their place in the listing) and drops their chains, rules and sets', () => {
  const json = JSON.stringify({
    nftables: [
      { metainfo: { json_schema_version: 1 } },
      { table: { family: 'ip', name: 'mangle', handle: 1 } },
      { chain: { family: 'ip', table: 'mangle', name: 'PREROUTING' } },
      { rule: { family: 'ip', table: 'mangle', chain: 'PREROUTING', expr: [] } },
      { table: { family: 'ip6', name: 'mangle', handle: 2 } },
      { chain: { family: 'ip6', table: 'mangle', name: 'PREROUTING' } },
      { set: { family: 'ip', table: 'mangle', name: 's' } },
    ],
  });
  const omitted = JSON.parse(omitNftTables(json, [{ family: 'ip', name: 'mangle' }])) as { nftables: unknown[] };
  assert.deepEqual(omitted.nftables.map((o) => Object.keys(o as object)[0]), ['metainfo', 'table', 'table', 'chain']);
  assert.equal(omitNftTables('not json', [{ family: 'ip', name: 'mangle' }]), 'not json');
  assert.equal(omitNftTables(json, []), json);
  assert.deepEqual(tablesOwnedByIptables({ iptables: dump('legacy', 4, ['mangle']), ip6tables: dump('nf_tables', 6, ['nat']) }), [{ family: 'ip6', name: 'nat' }]);
});

test('recorded router (iptables-nft + an nft table): iptables tables in nft\'s order, no xt noise', () => {
  const parsed = parseNetfilterSources({
    nft: { json: read('router/nft.json'), text: read('router/nft.txt'), label: 'nft' },
    iptables: { text: read('router/iptables-save.txt'), label: 'iptables' },
    ip6tables: { text: read('router/ip6tables-save.txt'), label: 'ip6tables' },
  });
  assert.deepEqual(listing(parsed.value?.tables ?? []), [
    'ip raw iptables', 'ip mangle iptables', 'ip nat iptables', 'ip filter iptables', 'ip security iptables',
    'ip6 mangle ip6tables', 'ip6 nat ip6tables', 'ip6 filter ip6tables', 'inet pbr nft',
  ]);
  const codes = parsed.diagnostics.map((d) => d.code);
  assert.equal(codes.filter((c) => c === 'netfilter-iptables-nft-table').length, 8);
  assert.deepEqual([...new Set(codes.filter((c) => c !== 'netfilter-iptables-nft-table'))], ['iptables-unsupported']);
  const pbr = parsed.value?.tables.find((t) => t.name === 'pbr');
  assert.equal(pbr?.chains[0]?.base?.priority, -150);
});

test('recorded legacy case: legacy tables beside the nft table, the tie reported', () => {
  const parsed = parseNetfilterSources({
    nft: { json: read('legacy/nft.json'), text: read('legacy/nft.txt'), label: 'nft' },
    iptables: { text: read('legacy/iptables-save.txt'), label: 'iptables' },
    ip6tables: { text: read('legacy/ip6tables-save.txt'), label: 'ip6tables' },
  });
  assert.deepEqual(listing(parsed.value?.tables ?? []), ['inet pbr nft', 'ip filter iptables', 'ip nat iptables', 'ip mangle iptables', 'ip6 mangle ip6tables']);
  assert.deepEqual(parsed.diagnostics.map((d) => d.code), ['netfilter-priority-tie', 'netfilter-priority-tie']);
});

test('iptables-nft-save\'s stderr saying legacy tables exist becomes a warning', () => {
  const parsed = parseNetfilterSources({
    iptables: { text: '', label: 'ipt', stderr: '# Warning: iptables-legacy tables present, use iptables-legacy-save to see them\n' },
  });
  assert.deepEqual(parsed.value, { tables: [] });
  assert.deepEqual(parsed.diagnostics.map((d) => [d.severity, d.code, d.source?.file]), [['warning', 'iptables-legacy-not-captured', 'ipt']]);
});

const LEGACY_WARNING = '# Warning: iptables-legacy tables present, use iptables-legacy-save to see them\n';
const NFT_MANGLE = '# Generated by iptables-save v1.8.9 (nf_tables) on x\n*mangle\n:OUTPUT ACCEPT [0:0]\n-A OUTPUT -j MARK --set-xmark 0x3/0xffffffff\nCOMMIT\n';
const LEGACY_MANGLE = '# Generated by iptables-save v1.8.9 on x\n*mangle\n:OUTPUT ACCEPT [0:0]\n-A OUTPUT -j MARK --set-xmark 0x1/0xffffffff\nCOMMIT\n';

test('iptables-legacy-save beside a warning iptables-nft-save: its rules are read, no warning, labelled by their source', () => {
  const parsed = parseNetfilterSources({
    iptables: { text: NFT_MANGLE, label: 'ipt', stderr: LEGACY_WARNING },
    iptablesLegacy: { text: LEGACY_MANGLE, label: 'ipt-legacy' },
    ip6tables: { text: '', label: 'ip6t', stderr: LEGACY_WARNING.replaceAll('iptables', 'ip6tables') },
  });
  const marks = parsed.value?.tables.map((t) => [t.family, t.name, t.chains.find((c) => c.name === 'OUTPUT')?.rules[0]?.source?.file]);
  assert.deepEqual(marks, [['ip', 'mangle', 'ipt'], ['ip', 'mangle', 'ipt-legacy']]);
  assert.deepEqual(parsed.diagnostics.map((d) => [d.severity, d.code, d.source?.file]), [
    ['warning', 'iptables-legacy-not-captured', 'ip6t'],
    ['info', 'netfilter-priority-tie', 'iptables'],
  ]);
  assert.match(parsed.diagnostics[1]?.message ?? '', /IPv4 hook output, priority -150: legacy iptables \(ip mangle OUTPUT\) and nftables \(ip mangle OUTPUT\)/);
});

test('legacy dumps alone make a rule set', () => {
  const parsed = parseNetfilterSources({ ip6tablesLegacy: { text: LEGACY_MANGLE.replace('iptables-save', 'ip6tables-save'), label: 'l6' } });
  assert.deepEqual(listing(parsed.value?.tables ?? []), ['ip6 mangle ip6tables']);
  assert.deepEqual(parsed.diagnostics, []);
});

const source = (stdout: string, exitCode = 0, stderr = ''): CapturedSource => ({ argv: ['x'], exitCode, stdout, stderr });
const snapshotWith = (sources: Record<string, CapturedSource>): unknown => ({
  format: SNAPSHOT_FORMAT,
  version: SNAPSHOT_VERSION,
  capturedAt: '2026-01-01T00:00:00Z',
  kernelRelease: '6.18.44',
  sources,
  notes: [],
});
const IPT = '# Generated by iptables-save v1.8.9 (legacy) on x\n*mangle\n:OUTPUT ACCEPT [0:0]\n-A OUTPUT -j MARK --set-xmark 0x1/0xffffffff\nCOMMIT\n';

/** [sources, expected tables (undefined: no netfilter), expected netfilter diagnostic codes] */
const SNAPSHOT_CASES: readonly (readonly [string, Record<string, CapturedSource>, string[] | undefined, string[]])[] = [
  ['no netfilter source', {}, undefined, []],
  ['iptables only', { [SOURCE_KEYS.iptables]: source(IPT) }, ['ip mangle iptables'], []],
  ['iptables failed, nothing printed', { [SOURCE_KEYS.iptables]: source('', 1, 'iptables-save: permission denied') }, undefined, ['snapshot-source-failed']],
  ['ip6tables output with an error exit', { [SOURCE_KEYS.ip6tables]: source(IPT.replace('iptables-save', 'ip6tables-save'), 1, 'x') }, ['ip6 mangle ip6tables'], ['snapshot-source-partial']],
  [
    'iptables-nft warns, the legacy dump was taken: both tables, the tie',
    { [SOURCE_KEYS.iptables]: source(NFT_MANGLE, 0, LEGACY_WARNING), [SOURCE_KEYS.iptablesLegacy]: source(LEGACY_MANGLE) },
    ['ip mangle iptables', 'ip mangle iptables'],
    ['netfilter-priority-tie'],
  ],
  ['iptables-nft warns, no legacy dump (older snapshot)', { [SOURCE_KEYS.iptables]: source(NFT_MANGLE, 0, LEGACY_WARNING) }, ['ip mangle iptables'], ['iptables-legacy-not-captured']],
  [
    'iptables-nft warns, the legacy dump failed',
    { [SOURCE_KEYS.iptables]: source(NFT_MANGLE, 0, LEGACY_WARNING), [SOURCE_KEYS.iptablesLegacy]: source('', 1, 'iptables-legacy-save: Permission denied') },
    ['ip mangle iptables'],
    ['snapshot-source-failed', 'iptables-legacy-not-captured'],
  ],
  ['ip6tables legacy dump only', { [SOURCE_KEYS.ip6tablesLegacy]: source(LEGACY_MANGLE.replace('iptables-save', 'ip6tables-save')) }, ['ip6 mangle ip6tables'], []],
  ['empty nft ruleset', { [SOURCE_KEYS.nft]: source('{"nftables": [{"metainfo": {"json_schema_version": 1}}]}') }, [], []],
];

for (const [name, sources, tables, codes] of SNAPSHOT_CASES) {
  test(`snapshot wiring: ${name}`, () => {
    const parsed = parseSnapshot(snapshotWith(sources));
    assert.deepEqual(parsed.value.netfilter === undefined ? undefined : listing(parsed.value.netfilter.tables), tables);
    assert.deepEqual(parsed.diagnostics.filter((d) => /^(snapshot-source|iptables|nft|netfilter)/.test(d.code) && d.code !== 'snapshot-source-missing').map((d) => d.code), codes);
  });
}

test('snapshot wiring: the recorded router snapshot gives the merged rule set', () => {
  const parsed = parseSnapshotJson(read('router/snapshot.json'), { name: 'router' });
  assert.deepEqual(listing(parsed.value.netfilter?.tables ?? []), [
    'ip raw iptables', 'ip mangle iptables', 'ip nat iptables', 'ip filter iptables', 'ip security iptables',
    'ip6 mangle ip6tables', 'ip6 nat ip6tables', 'ip6 filter ip6tables', 'inet pbr nft',
  ]);
  const mangle = parsed.value.netfilter?.tables.find((t) => t.name === 'mangle' && t.family === 'ip');
  const direct = parseIptablesSave(read('router/iptables-save.txt'), 4, 'router:sources.iptablesSave').value.tables.find((t) => t.name === 'mangle');
  assert.deepEqual(mangle?.chains.map((c) => c.rules.map((r) => r.statements)), direct?.chains.map((c) => c.rules.map((r) => r.statements)));
  assert.equal(mangle?.chains[0]?.rules[0]?.source?.file, 'router:sources.iptablesSave');
  assert.ok(parsed.diagnostics.every((d) => d.severity !== 'error'));
});

test('snapshot wiring: a recorded snapshot of legacy rules says they are missing (iptables-save there is iptables-nft)', () => {
  const parsed = parseSnapshotJson(read('legacy/snapshot.json'), { name: 'legacy' });
  assert.deepEqual(listing(parsed.value.netfilter?.tables ?? []), ['inet pbr nft']);
  assert.deepEqual(parsed.diagnostics.filter((d) => d.severity === 'warning').map((d) => [d.code, d.source?.file]), [
    ['iptables-legacy-not-captured', 'legacy:sources.iptablesSave'],
    ['iptables-legacy-not-captured', 'legacy:sources.ip6tablesSave'],
  ]);
});

test('snapshot wiring: the recorded mangle-chains snapshot reads as its dump', () => {
  const parsed = parseSnapshotJson(read('mangle-chains/snapshot.json'), { name: 'm' });
  const direct = parseIptablesSave(read('mangle-chains/iptables-save.txt'), 4, 'm:sources.iptablesSave');
  assert.deepEqual(parsed.value.netfilter?.tables.map((t) => t.chains.map((c) => c.rules.map((r) => [r.text, r.statements]))), direct.value.tables.map((t) => t.chains.map((c) => c.rules.map((r) => [r.text, r.statements]))));
});
