import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closestWord, editDistance } from './suggest.ts';

const DISTANCES: readonly [string, string, number][] = [
  ['dport', 'dport', 0],
  ['dprot', 'dport', 1],
  ['polices', 'policies', 1],
  ['gw', 'gateway', 5],
  ['', 'abc', 3],
  ['isp3', 'isp1', 1],
];

for (const [a, b, d] of DISTANCES) {
  test(`editDistance(${a}, ${b}) = ${d}`, () => {
    assert.equal(editDistance(a, b), d);
    assert.equal(editDistance(b, a), d);
  });
}

const CLOSEST: readonly [string, readonly string[], string | undefined][] = [
  ['dprot', ['sport', 'dport', 'proto'], 'dport'],
  ['gatway6', ['gateway', 'gateway6'], 'gateway6'],
  ['Proto', ['proto'], 'proto'],
  ['gw', ['gateway', 'gateway6'], undefined],
  ['ab', ['xy'], undefined],
];

for (const [word, candidates, expected] of CLOSEST) {
  test(`closestWord(${word}) = ${String(expected)}`, () => {
    assert.equal(closestWord(word, candidates), expected);
  });
}
