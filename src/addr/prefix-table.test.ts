// One suite for both longest-prefix-match tables, plus a seeded property test of fast against naive.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseIp } from './address.ts';
import { buildPrefixTable } from './fast-prefix-table.ts';
import { makeIpv4 } from './ipv4.ts';
import { ipv6ToWords, makeIpv6 } from './ipv6.ts';
import { buildNaivePrefixTable } from './naive-prefix-table.ts';
import { formatPrefix, makePrefix, parsePrefix, prefixContains, prefixEquals } from './prefix.ts';
import type { PrefixTable, PrefixTableBuild } from './prefix-table.ts';
import type { Family, IpAddress, IpPrefix } from './types.ts';

type Build = (family: Family, prefixes: readonly IpPrefix[]) => PrefixTableBuild;

const implementations: [string, Build][] = [
  ['fast', buildPrefixTable],
  ['naive', buildNaivePrefixTable],
];

interface Case {
  readonly name: string;
  readonly family: Family;
  readonly prefixes: readonly string[];
  /** [address, the longest prefix containing it or null] */
  readonly matches: readonly (readonly [string, string | null])[];
  /** [prefix, its parent or null] */
  readonly parents?: readonly (readonly [string, string | null])[];
  /** expected idOfInput when the input has duplicates */
  readonly ids?: readonly number[];
}

const cases: Case[] = [
  { name: 'empty IPv4 table', family: 4, prefixes: [], matches: [['0.0.0.0', null], ['10.1.2.3', null], ['255.255.255.255', null]] },
  { name: 'empty IPv6 table', family: 6, prefixes: [], matches: [['::', null], ['2001:db8::1', null]] },
  {
    name: 'default route only (IPv4)',
    family: 4,
    prefixes: ['0.0.0.0/0'],
    matches: [['0.0.0.0', '0.0.0.0/0'], ['127.0.0.1', '0.0.0.0/0'], ['255.255.255.255', '0.0.0.0/0']],
    parents: [['0.0.0.0/0', null]],
  },
  {
    name: 'default route only (IPv6)',
    family: 6,
    prefixes: ['::/0'],
    matches: [['::', '::/0'], ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', '::/0']],
    parents: [['::/0', null]],
  },
  {
    name: 'nested IPv4 prefixes across trie levels',
    family: 4,
    prefixes: ['10.1.2.128/25', '10.0.0.0/8', '10.1.2.3/32', '10.1.0.0/16', '10.1.2.0/24', '10.0.0.0/15', '10.1.2.0/23', '10.1.2.0/31'],
    matches: [
      ['10.1.2.3', '10.1.2.3/32'],
      ['10.1.2.1', '10.1.2.0/31'],
      ['10.1.2.2', '10.1.2.0/24'],
      ['10.1.2.200', '10.1.2.128/25'],
      ['10.1.3.1', '10.1.2.0/23'],
      ['10.1.4.0', '10.1.0.0/16'],
      ['10.0.255.255', '10.0.0.0/15'],
      ['10.2.0.0', '10.0.0.0/8'],
      ['10.255.255.255', '10.0.0.0/8'],
      ['11.0.0.0', null],
      ['9.255.255.255', null],
    ],
    parents: [
      ['10.1.2.3/32', '10.1.2.0/24'],
      ['10.1.2.0/31', '10.1.2.0/24'],
      ['10.1.2.128/25', '10.1.2.0/24'],
      ['10.1.2.0/24', '10.1.2.0/23'],
      ['10.1.2.0/23', '10.1.0.0/16'],
      ['10.1.0.0/16', '10.0.0.0/15'],
      ['10.0.0.0/15', '10.0.0.0/8'],
      ['10.0.0.0/8', null],
    ],
  },
  {
    name: 'same address, every length around the level boundaries',
    family: 4,
    prefixes: ['172.16.0.0/12', '172.16.0.0/15', '172.16.0.0/16', '172.16.0.0/17', '172.16.0.0/23', '172.16.0.0/24', '172.16.0.0/25', '172.16.0.0/31', '172.16.0.0/32'],
    matches: [
      ['172.16.0.0', '172.16.0.0/32'],
      ['172.16.0.1', '172.16.0.0/31'],
      ['172.16.0.2', '172.16.0.0/25'],
      ['172.16.0.128', '172.16.0.0/24'],
      ['172.16.1.0', '172.16.0.0/23'],
      ['172.16.2.0', '172.16.0.0/17'],
      ['172.16.128.0', '172.16.0.0/16'],
      ['172.17.0.0', '172.16.0.0/15'],
      ['172.18.0.0', '172.16.0.0/12'],
      ['172.32.0.0', null],
    ],
    parents: [
      ['172.16.0.0/32', '172.16.0.0/31'],
      ['172.16.0.0/25', '172.16.0.0/24'],
      ['172.16.0.0/17', '172.16.0.0/16'],
      ['172.16.0.0/12', null],
    ],
  },
  {
    name: 'host routes at the ends of the space',
    family: 4,
    prefixes: ['0.0.0.0/32', '255.255.255.255/32', '0.0.0.0/1', '128.0.0.0/1'],
    matches: [
      ['0.0.0.0', '0.0.0.0/32'],
      ['0.0.0.1', '0.0.0.0/1'],
      ['127.255.255.255', '0.0.0.0/1'],
      ['128.0.0.0', '128.0.0.0/1'],
      ['255.255.255.254', '128.0.0.0/1'],
      ['255.255.255.255', '255.255.255.255/32'],
    ],
    parents: [['0.0.0.0/32', '0.0.0.0/1'], ['255.255.255.255/32', '128.0.0.0/1'], ['128.0.0.0/1', null]],
  },
  {
    name: 'duplicates share the id of their first occurrence',
    family: 4,
    prefixes: ['10.0.0.0/8', '10.0.0.0/8', '10.1.0.0/16', '10.0.0.0/8', '10.1.0.0/16', '10.0.0.0/9'],
    ids: [0, 0, 1, 0, 1, 2],
    matches: [['10.1.0.1', '10.1.0.0/16'], ['10.0.0.1', '10.0.0.0/9'], ['10.200.0.0', '10.0.0.0/8']],
    parents: [['10.1.0.0/16', '10.0.0.0/9'], ['10.0.0.0/9', '10.0.0.0/8']],
  },
  {
    name: 'siblings under one parent',
    family: 4,
    prefixes: ['10.0.0.0/8', '10.0.0.0/9', '10.128.0.0/9', '10.0.0.0/24', '10.0.1.0/24'],
    matches: [
      ['10.0.0.255', '10.0.0.0/24'],
      ['10.0.1.0', '10.0.1.0/24'],
      ['10.0.2.0', '10.0.0.0/9'],
      ['10.127.255.255', '10.0.0.0/9'],
      ['10.128.0.0', '10.128.0.0/9'],
    ],
    parents: [['10.0.0.0/9', '10.0.0.0/8'], ['10.128.0.0/9', '10.0.0.0/8'], ['10.0.1.0/24', '10.0.0.0/9'], ['10.0.0.0/24', '10.0.0.0/9']],
  },
  {
    name: 'adjacent ranges without a common parent',
    family: 4,
    prefixes: ['192.168.0.0/24', '192.168.1.0/24', '192.168.2.0/23', '192.167.255.0/24'],
    matches: [
      ['192.167.255.255', '192.167.255.0/24'],
      ['192.168.0.0', '192.168.0.0/24'],
      ['192.168.0.255', '192.168.0.0/24'],
      ['192.168.1.0', '192.168.1.0/24'],
      ['192.168.2.0', '192.168.2.0/23'],
      ['192.168.3.255', '192.168.2.0/23'],
      ['192.168.4.0', null],
    ],
    parents: [['192.168.0.0/24', null], ['192.168.1.0/24', null], ['192.168.2.0/23', null]],
  },
  {
    name: 'nested IPv6 prefixes, /128 and odd lengths',
    family: 6,
    prefixes: ['::/0', '2001:db8::/32', '2001:db8:1::/48', '2001:db8:1:2::/64', '2001:db8:1:2::/127', '2001:db8:1:2::1/128', '2001:db8::/29', '2001:db8::/47', '::1/128', '8000::/1'],
    matches: [
      ['2001:db8:1:2::1', '2001:db8:1:2::1/128'],
      ['2001:db8:1:2::', '2001:db8:1:2::/127'],
      ['2001:db8:1:2::2', '2001:db8:1:2::/64'],
      ['2001:db8:1:3::', '2001:db8:1::/48'],
      ['2001:db8::1', '2001:db8::/47'],
      ['2001:db8:2::', '2001:db8::/32'],
      ['2001:db9::', '2001:db8::/29'],
      ['2001:dc0::', '::/0'],
      ['::1', '::1/128'],
      ['::2', '::/0'],
      ['ffff::', '8000::/1'],
    ],
    parents: [
      ['2001:db8:1:2::1/128', '2001:db8:1:2::/127'],
      ['2001:db8:1:2::/127', '2001:db8:1:2::/64'],
      ['2001:db8:1:2::/64', '2001:db8:1::/48'],
      ['2001:db8:1::/48', '2001:db8::/47'],
      ['2001:db8::/47', '2001:db8::/32'],
      ['2001:db8::/32', '2001:db8::/29'],
      ['2001:db8::/29', '::/0'],
      ['8000::/1', '::/0'],
      ['::/0', null],
    ],
  },
  {
    name: 'IPv6 host routes at the ends and siblings',
    family: 6,
    prefixes: ['::/128', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128', 'fe80::/64', 'fe80:0:0:1::/64', 'fe80::/10'],
    matches: [
      ['::', '::/128'],
      ['::1', null],
      ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128'],
      ['fe80::1', 'fe80::/64'],
      ['fe80:0:0:1::1', 'fe80:0:0:1::/64'],
      ['fe80:0:0:2::1', 'fe80::/10'],
      ['febf::', 'fe80::/10'],
      ['fec0::', null],
    ],
    parents: [['fe80::/64', 'fe80::/10'], ['fe80:0:0:1::/64', 'fe80::/10'], ['::/128', null]],
  },
];

const prefix = (text: string): IpPrefix => {
  const p = parsePrefix(text);
  if (!p) throw new Error(`bad prefix in test table: ${text}`);
  return p;
};

function idOf(table: PrefixTable, text: string | null): number {
  if (text === null) return -1;
  for (let id = 0; id < table.size; id++) if (prefixEquals(table.prefixOf(id), prefix(text))) return id;
  throw new Error(`${text} is not in the table`);
}

function packKeys(addrs: readonly IpAddress[]): Uint32Array {
  const words = addrs.flatMap((a) => (a.family === 4 ? [a.value] : ipv6ToWords(a.value)));
  return Uint32Array.from(words);
}

for (const [impl, build] of implementations) {
  for (const c of cases) {
    test(`${impl}: ${c.name}`, () => {
      const input = c.prefixes.map(prefix);
      const { table, idOfInput } = build(c.family, input);
      assert.equal(table.family, c.family);
      assert.equal(table.size, new Set(c.prefixes).size);
      assert.deepEqual([...idOfInput], c.ids ?? c.prefixes.map((_, i) => i));
      input.forEach((p, i) => assert.ok(prefixEquals(table.prefixOf(idOfInput[i]!), p), `prefixOf(${idOfInput[i]}) is ${c.prefixes[i]}`));
      const addrs = c.matches.map(([a]) => parseIp(a)!);
      const expected = c.matches.map(([, p]) => idOf(table, p));
      assert.deepEqual(addrs.map((a) => table.longestMatch(a)), expected, 'longestMatch');
      assert.deepEqual(
        addrs.map((a) => (a.family === 4 ? table.longestMatch4(a.value) : table.longestMatch6(...ipv6ToWords(a.value)))),
        expected,
        'longestMatch4 / longestMatch6',
      );
      const out = new Int32Array(addrs.length).fill(-7);
      table.longestMatchBatch(packKeys(addrs), out);
      assert.deepEqual([...out], expected, 'longestMatchBatch');
      for (const [child, parent] of c.parents ?? []) assert.equal(table.parent(idOf(table, child)), idOf(table, parent), `parent of ${child}`);
    });
  }

  test(`${impl}: lookups of the other family find nothing`, () => {
    const v4 = build(4, [prefix('0.0.0.0/0')]).table;
    const v6 = build(6, [prefix('::/0')]).table;
    assert.equal(v4.longestMatch(parseIp('::1')!), -1);
    assert.equal(v4.longestMatch6(0, 0, 0, 1), -1);
    assert.equal(v6.longestMatch(parseIp('10.0.0.1')!), -1);
    assert.equal(v6.longestMatch4(0x0a000001), -1);
  });

  test(`${impl}: rejects prefixes it cannot hold`, () => {
    assert.throws(() => build(4, [prefix('::/0')]), RangeError);
    assert.throws(() => build(6, [prefix('10.0.0.0/8')]), RangeError);
    assert.throws(() => build(4, [{ address: makeIpv4(0x0a000001), length: 8 }]), /host bits/);
    assert.throws(() => build(6, [{ address: makeIpv6(1n), length: 64 }]), /host bits/);
    assert.throws(() => build(4, [{ address: makeIpv4(0), length: 33 }]), RangeError);
    const { table } = build(4, [prefix('10.0.0.0/8')]);
    assert.throws(() => table.prefixOf(1), RangeError);
    assert.throws(() => table.parent(-1), RangeError);
  });
}

// Seeded property test: random clustered tables (so prefixes nest and lookups hit), fast against naive,
// including the whole candidate chain longestMatch -> parent -> ... that the engine walks.

const BASES4 = [0x0a000000, 0x0a010200, 0xc0a80000, 0, 0xffffffff, 0x7f000001];
const BASES6 = [0x20010db8n << 96n, 0xfe80n << 112n, 0n, (1n << 128n) - 1n, 0xffff0a000000n];

function clusteredAddress(family: Family): fc.Arbitrary<IpAddress> {
  const bits = family === 4 ? 32 : 128;
  const noise = family === 4 ? fc.integer({ min: 0, max: 0xffffffff }).map(BigInt) : fc.bigInt({ min: 0n, max: (1n << 128n) - 1n });
  return fc
    .record({ base: fc.constantFrom(...(family === 4 ? BASES4.map(BigInt) : BASES6)), flip: fc.integer({ min: 0, max: bits }), noise })
    .map(({ base, flip, noise: n }) => {
      const value = base ^ (n & ((1n << BigInt(flip)) - 1n));
      return family === 4 ? makeIpv4(Number(value)) : makeIpv6(value);
    });
}

function clusteredPrefix(family: Family): fc.Arbitrary<IpPrefix> {
  const bits = family === 4 ? 32 : 128;
  return fc.tuple(clusteredAddress(family), fc.integer({ min: 0, max: bits })).map(([a, len]) => makePrefix(a, len));
}

function assertSameAnswers(family: Family, prefixes: readonly IpPrefix[], queries: readonly IpAddress[]): void {
  const fast = buildPrefixTable(family, prefixes);
  const naive = buildNaivePrefixTable(family, prefixes);
  assert.deepEqual([...fast.idOfInput], [...naive.idOfInput], 'idOfInput');
  assert.equal(fast.table.size, naive.table.size);
  for (let id = 0; id < naive.table.size; id++) {
    assert.ok(prefixEquals(fast.table.prefixOf(id), naive.table.prefixOf(id)), `prefixOf(${id})`);
    assert.equal(fast.table.parent(id), naive.table.parent(id), `parent of ${formatPrefix(naive.table.prefixOf(id))}`);
  }
  const batch = new Int32Array(queries.length);
  fast.table.longestMatchBatch(packKeys(queries), batch);
  queries.forEach((q, i) => {
    const id = naive.table.longestMatch(q);
    assert.equal(fast.table.longestMatch(q), id, `longestMatch`);
    assert.equal(batch[i], id, 'longestMatchBatch');
    const chain: number[] = [];
    for (let c = fast.table.longestMatch(q); c >= 0; c = fast.table.parent(c)) chain.push(c);
    const containing = Array.from({ length: naive.table.size }, (_, k) => k)
      .filter((k) => prefixContains(naive.table.prefixOf(k), q))
      .sort((a, b) => naive.table.prefixOf(b).length - naive.table.prefixOf(a).length);
    assert.deepEqual(chain, containing, 'the parent chain lists every containing prefix, longest first');
  });
}

for (const family of [4, 6] as const) {
  test(`property: fast and naive IPv${family} tables agree (seeded)`, () => {
    fc.assert(
      fc.property(fc.array(clusteredPrefix(family), { maxLength: 60 }), fc.array(clusteredAddress(family), { minLength: 1, maxLength: 40 }), (prefixes, queries) => {
        // duplicates on purpose: repeat a slice of the input
        assertSameAnswers(family, [...prefixes, ...prefixes.slice(0, 5)], queries);
      }),
      { seed: 0x5eed + family, numRuns: 300 },
    );
  });
}

test('larger seeded tables: fast and naive agree on every query and the parents of a sample', () => {
  for (const family of [4, 6] as const) {
    const [prefixes, queries] = fc.sample(
      fc.tuple(fc.array(clusteredPrefix(family), { minLength: 1500, maxLength: 1500 }), fc.array(clusteredAddress(family), { minLength: 300, maxLength: 300 })),
      { seed: 42 + family, numRuns: 1 },
    )[0]!;
    const fast = buildPrefixTable(family, prefixes);
    const naive = buildNaivePrefixTable(family, prefixes);
    assert.deepEqual([...fast.idOfInput], [...naive.idOfInput]);
    for (const q of queries) assert.equal(fast.table.longestMatch(q), naive.table.longestMatch(q));
    for (let id = 0; id < naive.table.size; id += 7) assert.equal(fast.table.parent(id), naive.table.parent(id));
  }
});
