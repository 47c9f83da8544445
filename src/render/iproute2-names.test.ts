import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDsfield, parseIpproto } from './iproute2-names.ts';

test('words to numbers as iproute2 reads them', () => {
  const dsfield: readonly (readonly [string, number | undefined])[] = [
    ['10', 0x10], ['0x10', 0x10], ['b8', 0xb8], ['EF', 0xb8], ['CS1', 0x20], ['default', 0], ['ef', 0xef], ['100', undefined], ['lowdelay', undefined],
  ];
  for (const [text, n] of dsfield) assert.equal(parseDsfield(text), n, `dsfield ${text}`);
  const proto: readonly (readonly [string, number | undefined])[] = [
    ['tcp', 6], ['TCP', 6], ['17', 17], ['ipv6-icmp', 58], ['IPv6-ICMP', 58], ['CPHB', 73], ['0x11', undefined], ['256', undefined], ['x', undefined],
  ];
  for (const [text, n] of proto) assert.equal(parseIpproto(text), n, `ipproto ${text}`);
});
