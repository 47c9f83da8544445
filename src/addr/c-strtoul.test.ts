import { test } from 'node:test';
import assert from 'node:assert/strict';
import { strtoulBase0 } from './c-strtoul.ts';

// [text, start, value, end] as glibc strtoul(text + start, &end, 0) gives them (values above 2^32-1: Infinity)
const cases: [string, number, number, number][] = [
  ['10', 0, 10, 2],
  [' \t\n10', 0, 10, 5],
  ['+5', 0, 5, 2],
  ['-0', 0, 0, 2],
  ['-1', 0, Infinity, 2],
  ['-18446744073709551615', 0, 1, 21],
  ['-18446744073709551616', 0, Infinity, 21],
  ['010', 0, 8, 3],
  ['08', 0, 0, 1],
  ['0x1f', 0, 31, 4],
  ['0X1F', 0, 31, 4],
  ['0x', 0, 0, 1],
  ['0xg', 0, 0, 1],
  ['0', 0, 0, 1],
  ['00000000012', 0, 10, 11],
  ['4294967295', 0, 4294967295, 10],
  ['4294967296', 0, Infinity, 10],
  ['0xffffffffffffffffff', 0, Infinity, 20],
  ['99999999999999999999', 0, Infinity, 20],
  ['12abc', 0, 12, 2],
  ['1.2', 2, 2, 3],
  ['', 0, 0, 0],
  ['abc', 0, 0, 0],
  [' ', 0, 0, 0],
  ['-', 0, 0, 0],
  ['+ 1', 0, 0, 0],
  ['1.x', 2, 0, 2],
];

for (const [text, start, value, end] of cases) {
  test(`strtoulBase0(${JSON.stringify(text)}, ${start}) = ${value} ending at ${end}`, () => {
    assert.deepEqual(strtoulBase0(text, start), { value, end });
  });
}
