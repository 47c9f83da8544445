import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatBytes, formatMs, formatRate, formatRatio, renderBenchTable, skippedRow } from '../../bench/bench-table.ts';
import { labPrefixes } from '../../bench/netns-lab.ts';
import { answerBlocks } from '../../bench/route-get-bench.ts';

test('formatRate picks the unit by size', () => {
  const cases: [number, string][] = [
    [89_012_345, '89.0M lookups/s'],
    [123_456_789, '123M lookups/s'],
    [29_300, '29.3k lookups/s'],
    [315, '315 lookups/s'],
    [32.54, '32.5 lookups/s'],
  ];
  for (const [perSec, text] of cases) assert.equal(formatRate(perSec, 'lookups'), text, String(perSec));
});

test('formatMs and formatBytes keep one decimal below 100', () => {
  assert.equal(formatMs(62.84), '62.8 ms');
  assert.equal(formatMs(1282.4), '1282 ms');
  assert.equal(formatBytes(41.33), '41.3 B');
  assert.equal(formatBytes(2099.2), '2099 B');
});

test('formatRatio gives three significant digits, nothing without a baseline', () => {
  const cases: [number, number, string][] = [
    [17.9, 96.1, '0.186×'],
    [434, 3.8, '114×'],
    [41.3, 5, '8.26×'],
    [282_237, 1, '282,237×'],
    [1, 0, ''],
    [Number.NaN, 1, ''],
  ];
  for (const [pbr, baseline, text] of cases) assert.equal(formatRatio(pbr, baseline), text, `${pbr}/${baseline}`);
});

test('renderBenchTable aligns a Markdown table, ratio column right-aligned', () => {
  const text = renderBenchTable([
    { what: 'a', pbr: '1 ms', baseline: '2 ms (x)', ratio: '0.500×' },
    skippedRow('route get', 'needs root and ip netns'),
  ]);
  const lines = text.split('\n');
  assert.equal(lines.length, 4);
  assert.ok(lines.every((l) => l.length === lines[0]!.length), text);
  assert.match(lines[1]!, /^\|-+\|-+\|-+\|-+:\|$/);
  assert.match(lines[2]!, /\| +0\.500× \|$/);
  assert.match(lines[3]!, /\| skipped \(needs root and ip netns\) +\|/);
});

test('answerBlocks counts one answer per route, with its indented lines', () => {
  const cases: [string, string[]][] = [
    ['', []],
    ['1.2.3.4 via 10.0.0.2 dev a0 src 10.0.0.1 uid 0 \n    cache \n', ['1.2.3.4 via 10.0.0.2 dev a0 src 10.0.0.1 uid 0 \n    cache ']],
    [
      '1.2.3.4 dev a0 uid 0 \n    cache \n2001:db8::1 from :: via fd00:a::2 dev a0 metric 1024 pref medium\n5.6.7.8 dev b0 uid 0 \n    cache \n',
      ['1.2.3.4 dev a0 uid 0 \n    cache ', '2001:db8::1 from :: via fd00:a::2 dev a0 metric 1024 pref medium', '5.6.7.8 dev b0 uid 0 \n    cache '],
    ],
  ];
  for (const [stdout, blocks] of cases) assert.deepEqual(answerBlocks(stdout), blocks);
});

test('labPrefixes: distinct, one IPv6 in five, nothing in 10/8 or 127/8, seeded', () => {
  const prefixes = labPrefixes(2000);
  assert.equal(prefixes.length, 2000);
  const keys = prefixes.map((p) => `${p.address.value}/${p.length}`);
  assert.equal(new Set(keys).size, keys.length);
  assert.equal(prefixes.filter((p) => p.address.family === 6).length, 400);
  prefixes.forEach((p, i) => assert.equal(p.address.family, i % 5 === 4 ? 6 : 4, `#${i}`));
  for (const p of prefixes) {
    if (p.address.family === 4) assert.ok(![10, 127].includes(p.address.value >>> 24), `${p.address.value}/${p.length}`);
  }
  assert.deepEqual(labPrefixes(2000), prefixes, 'seeded');
});
