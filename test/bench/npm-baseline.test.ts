import { test } from 'node:test';
import assert from 'node:assert/strict';
import { benchNpmBaseline, buildNpmBaselineTable, NPM_BASELINE_VERSION, unpackQueries } from '../../bench/npm-baseline.ts';
import LongestPrefixMatch from 'longest-prefix-match';
import { parseIp } from '../../src/addr/address.ts';
import { buildPrefixTable } from '../../src/addr/fast-prefix-table.ts';
import { parsePrefix } from '../../src/addr/prefix.ts';
import type { Family, IpPrefix } from '../../src/addr/types.ts';

const prefixes = (texts: string[]): IpPrefix[] => texts.map((t) => parsePrefix(t)!);

const cases: { family: Family; table: string[]; queries: [string, string | undefined][] }[] = [
  {
    family: 4,
    table: ['0.0.0.0/0', '10.0.0.0/8', '10.1.0.0/16', '10.1.2.0/24', '10.1.2.128/25', '192.0.2.7/32', '10.1.0.0/16'],
    queries: [
      ['10.1.2.200', '10.1.2.128/25'],
      ['10.1.2.5', '10.1.2.0/24'],
      ['10.1.3.5', '10.1.0.0/16'],
      ['10.200.0.1', '10.0.0.0/8'],
      ['192.0.2.7', '192.0.2.7/32'],
      ['192.0.2.8', '0.0.0.0/0'],
    ],
  },
  {
    family: 4,
    table: ['10.0.0.0/8'],
    queries: [['11.0.0.1', undefined]],
  },
  {
    family: 6,
    table: ['2001:db8::/32', '2001:db8:1::/48', '2001:db8:1:2::/64', '2001:db8:1:2::1/128', '::/0'],
    queries: [
      ['2001:db8:1:2::1', '2001:db8:1:2::1/128'],
      ['2001:db8:1:2::2', '2001:db8:1:2::/64'],
      ['2001:db8:1:3::', '2001:db8:1::/48'],
      ['2001:db8:ffff::1', '2001:db8::/32'],
      ['fe80::1', '::/0'],
    ],
  },
  {
    family: 6,
    table: ['2001:db8::/32'],
    queries: [['2001:db9::1', undefined]],
  },
];

test('the npm baseline answers the same prefix ids as the fast table', () => {
  for (const { family, table: texts, queries } of cases) {
    const ps = prefixes(texts);
    const { table, idOfInput } = buildPrefixTable(family, ps);
    const npm = buildNpmBaselineTable(ps, idOfInput);
    for (const [query, expected] of queries) {
      const want = expected === undefined ? -1 : idOfInput[texts.indexOf(expected)]!;
      assert.equal(table.longestMatch(parseIp(query)!), want, `fast table, ${query}`);
      assert.equal(npm.longestMatch(`${query}/${family === 4 ? 32 : 128}`), want, `${NPM_BASELINE_VERSION}, ${query}`);
    }
  }
});

test('the package alone never answers a /0, which is why the adapter does', () => {
  const lpm = new LongestPrefixMatch<string>();
  lpm.addPrefix('0.0.0.0/0', 'default');
  lpm.addPrefix('10.0.0.0/8', 'ten');
  assert.deepEqual(lpm.getMatch('10.1.2.3/32'), ['ten']);
  assert.deepEqual(lpm.getMatch('192.0.2.1/32'), []);
});

test('unpackQueries turns packed keys into addresses', () => {
  assert.deepEqual(unpackQueries(4, Uint32Array.of(0x0a000001, 0xc0000207), 5), [parseIp('10.0.0.1'), parseIp('192.0.2.7')]);
  assert.equal(unpackQueries(4, Uint32Array.of(1, 2, 3), 2).length, 2);
  assert.deepEqual(unpackQueries(6, Uint32Array.of(0x20010db8, 0, 0, 1), 1), [parseIp('2001:db8::1')]);
});

test('benchNpmBaseline checks every answer of its sample against the fast table', () => {
  const ps = prefixes(['10.0.0.0/8', '10.1.0.0/16', '192.0.2.0/24']);
  const keys = Uint32Array.of(0x0a010203, 0x0a020304, 0xc0000201, 0x08080808);
  const r = benchNpmBaseline(4, ps, keys, { budgetMs: 50 });
  assert.equal(r.sample, 4);
  assert.equal(r.mismatches, 0);
  assert.equal(r.firstMismatch, undefined);
  assert.ok(r.lookupsPerSec > 0 && r.pbrTextLookupsPerSec > 0);
});
