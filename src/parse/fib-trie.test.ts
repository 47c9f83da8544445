import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Route, Rule } from '../model/network-state.ts';
import { hasOnlyDefaultRules, inferFibFlags, parseFibTrie } from './fib-trie.ts';
import { defaultRules } from './snapshot.ts';

const fixture = (name: string): string => readFileSync(join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'parse', name), 'utf8');

const customRules: Rule[] = [...defaultRules(4), { ...defaultRules(4)[1]!, priority: 100, table: 100, order: 3 }];

const localRoute = (protocol: string): Route => ({
  family: 4,
  table: 255,
  type: 'local',
  dst: { address: { family: 4, value: 0xc6120000 }, length: 16 },
  tos: 0,
  metric: 0,
  scope: 254,
  protocol,
  nexthops: [{ dev: 'lo', weight: 1, onlink: false, dead: false, linkdown: false, flags: [] }],
  flags: [],
  order: 0,
});

test('sections of /proc/net/fib_trie', () => {
  const { sections } = parseFibTrie('Main:\n  +-- a\nLocal:\n  |-- b\n     /32 host LOCAL\nId 100:\n  |-- c\n');
  assert.deepEqual([...sections.keys()], ['Main', 'Local', 'Id 100']);
  assert.equal(sections.get('Local'), '  |-- b\n     /32 host LOCAL');
});

// /proc/net/fib_triestat recorded on 6.18.44: a fresh netns with lo up, then after `ip rule add`/`del`
const TRIESTAT_TABLE = '\tAver depth:     1.66\n\tMax depth:      2\n\tLeaves:         3\n\tPrefixes:       3\n\tInternal nodes: 2\n\t  1: 1  2: 1\n\tPointers: 6\nNull ptrs: 2\nTotal size: 1  kB\n';
const TRIESTAT_NO_ROUTES = '\tAver depth:     0.00\n\tMax depth:      0\n\tLeaves:         0\n\tPrefixes:       0\n\tInternal nodes: 0\n\t\n\tPointers: 0\nNull ptrs: 0\nTotal size: 0  kB\n';
const TRIESTAT_HEAD = 'Basic info: size of leaf: 48 bytes, size of tnode: 40 bytes.\n';
const TRIESTAT_MERGED = `${TRIESTAT_HEAD}Main:\n${TRIESTAT_TABLE}Local:\n${TRIESTAT_TABLE}`;
const TRIESTAT_SPLIT = `${TRIESTAT_HEAD}Main:\n${TRIESTAT_NO_ROUTES}Local:\n${TRIESTAT_TABLE}`;
const TRIESTAT_EMPTY = `${TRIESTAT_HEAD}Main:\n${TRIESTAT_NO_ROUTES}Local:\n${TRIESTAT_NO_ROUTES}`;

const cases: readonly [string, string | undefined, Rule[], boolean, string[]][] = [
  ['fresh netns (recorded): Main equals Local', fixture('fib-trie-merged.txt'), defaultRules(4), true, []],
  ['lab (recorded): split', fixture('fib-trie-split.txt'), customRules, false, []],
  ['rules back to the defaults after a change: Main absent', 'Local:\n  |-- 127.0.0.1\n     /32 host LOCAL\n', defaultRules(4), false, []],
  ['Main differs from Local', 'Main:\n  |-- 10.0.0.0\nLocal:\n  |-- 10.0.0.1\n', defaultRules(4), false, []],
  ['merged trie but custom rules: inconsistent', 'Main:\n  x\nLocal:\n  x\n', customRules, true, ['fib-trie-inconsistent']],
  ['empty trie, default rules', '', defaultRules(4), true, ['fib-trie-empty']],
  ['empty trie, custom rules', '', customRules, false, ['fib-trie-empty']],
  ['no fib_trie, default rules: assumed merged', undefined, defaultRules(4), true, ['fib-trie-missing']],
  ['no fib_trie, custom rules: split for sure', undefined, customRules, false, ['fib-trie-missing']],
  ['fib_triestat of a fresh netns (recorded): Main equals Local', TRIESTAT_MERGED, defaultRules(4), true, []],
  ['fib_triestat after a rule add+del (recorded): Main empty', TRIESTAT_SPLIT, defaultRules(4), false, []],
  ['fib_triestat with no routes at all', TRIESTAT_EMPTY, customRules, false, ['fib-trie-empty']],
];
for (const [name, fibTrie, rules4, merged, codes] of cases) {
  test(`v4TablesMerged: ${name}`, () => {
    const parsed = inferFibFlags({ ...(fibTrie === undefined ? {} : { fibTrie }), rules4, routes: [localRoute('kernel')] });
    assert.equal(parsed.value.v4TablesMerged, merged);
    assert.deepEqual(parsed.diagnostics.map((d) => d.code).filter((c) => c !== 'fib-custom-local-routes-unobservable'), codes);
  });
}

test('v4HasCustomLocalRoutes: a local route not installed by the kernel; otherwise an info that the flag is sticky', () => {
  const custom = inferFibFlags({ fibTrie: '', rules4: defaultRules(4), routes: [localRoute('kernel'), localRoute('boot')] });
  assert.equal(custom.value.v4HasCustomLocalRoutes, true);
  assert.equal(custom.diagnostics.some((d) => d.code === 'fib-custom-local-routes-unobservable'), false);
  const none = inferFibFlags({ fibTrie: '', rules4: defaultRules(4), routes: [localRoute('kernel'), { ...localRoute('boot'), family: 6 }] });
  assert.equal(none.value.v4HasCustomLocalRoutes, false);
  assert.deepEqual(none.diagnostics.filter((d) => d.code === 'fib-custom-local-routes-unobservable').map((d) => d.severity), ['info']);
});

test('hasOnlyDefaultRules', () => {
  assert.equal(hasOnlyDefaultRules(defaultRules(4), 4), true);
  assert.equal(hasOnlyDefaultRules(defaultRules(6), 6), true);
  assert.equal(hasOnlyDefaultRules(defaultRules(6), 4), false);
  assert.equal(hasOnlyDefaultRules(customRules, 4), false);
  assert.equal(hasOnlyDefaultRules([{ ...defaultRules(4)[0]!, fwmask: 1 }, ...defaultRules(4).slice(1)], 4), false);
});
