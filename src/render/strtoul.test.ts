import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCUnsigned, strtoul } from './strtoul.ts';

test('strtoul follows glibc: prefixes, signs, partial conversion', () => {
  const rows: readonly (readonly [string, 0 | 10 | 16, bigint, number, boolean])[] = [
    ['42', 0, 42n, 2, false],
    ['0x1f', 0, 31n, 4, false],
    ['0X1F', 16, 31n, 4, false],
    ['1f', 16, 31n, 2, false],
    ['010', 0, 8n, 3, false],
    ['010', 10, 10n, 3, false],
    ['08', 0, 0n, 1, false],
    ['0x', 0, 0n, 1, false],
    ['0xg', 16, 0n, 1, false],
    ['  7', 0, 7n, 3, false],
    ['+7', 0, 7n, 2, false],
    ['-1', 0, (1n << 64n) - 1n, 2, false],
    ['-0', 0, 0n, 2, false],
    ['12ab', 10, 12n, 2, false],
    ['', 0, 0n, 0, false],
    ['-', 0, 0n, 0, false],
    ['x', 0, 0n, 0, false],
    ['99999999999999999999', 10, (1n << 64n) - 1n, 20, true],
  ];
  for (const [text, base, value, end, overflow] of rows) {
    assert.deepEqual(strtoul(text, base), { value, end, overflow }, `strtoul("${text}", ${base})`);
  }
});

test('parseCUnsigned takes the whole string within a maximum (get_unsigned, get_u16, get_u8)', () => {
  const rows: readonly (readonly [string, 0 | 10 | 16, number, number | undefined])[] = [
    ['4294967295', 0, 0xffffffff, 4294967295],
    ['4294967296', 0, 0xffffffff, undefined],
    ['0xffff', 0, 0xffff, 0xffff],
    ['65536', 0, 0xffff, undefined],
    ['-1', 0, 0xffffffff, undefined],
    ['-0', 0, 0xffffffff, 0],
    ['7 ', 0, 0xffffffff, undefined],
    ['', 0, 0xffffffff, undefined],
    ['0x11', 10, 255, undefined],
    ['255', 10, 255, 255],
    ['10', 16, 255, 16],
  ];
  for (const [text, base, max, expected] of rows) assert.equal(parseCUnsigned(text, base, max), expected, `"${text}"`);
});
