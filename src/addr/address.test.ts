import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareIp, familyBits, formatIp, ipEquals, ipv4Netmask, ipv6Netmask, maskAddress, parseIp } from './address.ts';
import { makeIpv4 } from './ipv4.ts';
import { makeIpv6 } from './ipv6.ts';
import type { Family, IpAddress, ParseMode } from './types.ts';

const v4 = (t: string): IpAddress => parseIp(t, 'strict', 4)!;
const v6 = (t: string): IpAddress => parseIp(t, 'strict', 6)!;

// [text, mode, family argument, expected formatted result or undefined]
const parseCases: [string, ParseMode, Family | undefined, string | undefined][] = [
  ['10.1.2.3', 'strict', undefined, '10.1.2.3'],
  ['2001:db8::1', 'strict', undefined, '2001:db8::1'],
  ['10.1', 'strict', undefined, undefined],
  ['10.1', 'iproute2', undefined, '10.1.0.0'],
  ['10.1.2.3', 'strict', 6, undefined],
  ['::1', 'strict', 4, undefined],
  ['::1', 'iproute2', 6, '::1'],
  ['default', 'strict', 4, undefined],
  ['default', 'iproute2', undefined, undefined],
  ['default', 'iproute2', 4, '0.0.0.0'],
  ['any', 'iproute2', 6, '::'],
  ['', 'strict', undefined, undefined],
];

for (const [text, mode, family, expected] of parseCases) {
  test(`parseIp(${JSON.stringify(text)}, ${mode}, ${family}) -> ${expected}`, () => {
    const a = parseIp(text, mode, family);
    assert.equal(a && formatIp(a), expected);
  });
}

test('compareIp orders IPv4 before IPv6, then by value', () => {
  const sorted = ['0.0.0.0', '9.255.255.255', '10.0.0.0', '255.255.255.255', '::', '::1', '2001:db8::', 'ffff::'].map((t) => parseIp(t)!);
  const shuffled = [sorted[5]!, sorted[0]!, sorted[7]!, sorted[3]!, sorted[1]!, sorted[6]!, sorted[4]!, sorted[2]!];
  assert.deepEqual(shuffled.sort(compareIp), sorted);
  assert.equal(compareIp(v4('1.2.3.4'), v4('1.2.3.4')), 0);
});

test('ipEquals compares family and value', () => {
  assert.ok(ipEquals(v4('1.2.3.4'), makeIpv4(0x01020304)));
  assert.ok(!ipEquals(v4('0.0.0.0'), v6('::')));
  assert.ok(ipEquals(v6('::1'), makeIpv6(1n)));
});

test('netmasks', () => {
  assert.deepEqual([0, 1, 8, 24, 31, 32].map(ipv4Netmask), [0, 0x80000000, 0xff000000, 0xffffff00, 0xfffffffe, 0xffffffff]);
  assert.equal(ipv6Netmask(0), 0n);
  assert.equal(ipv6Netmask(128), (1n << 128n) - 1n);
  assert.equal(ipv6Netmask(1), 1n << 127n);
  assert.equal(familyBits(4), 32);
  assert.equal(familyBits(6), 128);
});

// [address, length, masked]
const maskCases: [string, number, string][] = [
  ['10.1.2.3', 0, '0.0.0.0'],
  ['10.1.2.3', 8, '10.0.0.0'],
  ['10.1.2.3', 23, '10.1.2.0'],
  ['255.255.255.255', 31, '255.255.255.254'],
  ['255.255.255.255', 32, '255.255.255.255'],
  ['2001:db8:1:2::1', 32, '2001:db8::'],
  ['2001:db8:1:2::1', 127, '2001:db8:1:2::'],
  ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 1, '8000::'],
  ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 128, 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
];

for (const [addr, length, masked] of maskCases) {
  test(`maskAddress(${addr}, ${length}) = ${masked}`, () => assert.equal(formatIp(maskAddress(parseIp(addr)!, length)), masked));
}

test('maskAddress rejects bad lengths', () => {
  assert.throws(() => maskAddress(v4('1.2.3.4'), 33), RangeError);
  assert.throws(() => maskAddress(v6('::1'), -1), RangeError);
  assert.throws(() => maskAddress(v6('::1'), 1.5), RangeError);
});
