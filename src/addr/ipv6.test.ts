import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatIpv6, ipv6FromBytes, ipv6FromWords, ipv6ToBytes, ipv6ToWords, makeIpv6, parseIpv6 } from './ipv6.ts';

// [input, what iproute2 6.1 prints]: each added with `ip -6 route add INPUT dev lo` on kernel 6.18 and read
// back from `ip -6 route show` (glibc inet_ntop: IPv4 tail only for ::a.b.c.d and ::ffff:a.b.c.d)
const printed: [string, string][] = [
  ['::', '::'],
  ['::1', '::1'],
  ['0::0:1', '::1'],
  ['::2', '::2'],
  ['::1:0', '::0.1.0.0'],
  ['::1:2', '::0.1.0.2'],
  ['::1.2.3.4', '::1.2.3.4'],
  ['::0.0.0.0', '::'],
  ['::ffff:0:0', '::ffff:0.0.0.0'],
  ['::ffff:0.0.0.0', '::ffff:0.0.0.0'],
  ['::ffff:0:1', '::ffff:0.0.0.1'],
  ['::ffff:1:0', '::ffff:0.1.0.0'],
  ['::ffff:1.2.3.4', '::ffff:1.2.3.4'],
  ['::ffff:ffff:ffff', '::ffff:255.255.255.255'],
  ['0:0:0:0:1:ffff:1:2', '::1:ffff:1:2'],
  ['::fffe:1:2', '::fffe:1:2'],
  ['::ff:1:2', '::ff:1:2'],
  ['0:0:0:0:0:1:0:0', '::1:0:0'],
  ['1:0:0:1:0:0:0:1', '1:0:0:1::1'],
  ['1:0:0:0:1:0:0:1', '1::1:0:0:1'],
  ['1:0:1:0:0:1:0:1', '1:0:1::1:0:1'],
  ['1:2:3:4:5:6:7:0', '1:2:3:4:5:6:7:0'],
  ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'],
  ['0:1:2:3:4:5:6:7', '0:1:2:3:4:5:6:7'],
  ['::1:2:3:4:5:6:7', '0:1:2:3:4:5:6:7'],
  ['1:2:3:4:5:6:0:0', '1:2:3:4:5:6::'],
  ['1:0:2:3:4:5:6:7', '1:0:2:3:4:5:6:7'],
  ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
  ['1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:102:304'],
  ['1:2:3:4:5::1.2.3.4', '1:2:3:4:5:0:102:304'],
  ['2001:db8:8:0:0:0:1.2.3.4', '2001:db8:8::102:304'],
  ['64:ff9b::1.2.3.4', '64:ff9b::102:304'],
  ['abcd::EF', 'abcd::ef'],
  ['2001:DB8:1::', '2001:db8:1::'],
  ['2001:0db8:0003::', '2001:db8:3::'],
  ['fe80::1', 'fe80::1'],
  ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
];

// rejected by `ip -6 route add INPUT dev lo` ("inet6 prefix is expected"), i.e. by glibc inet_pton
const invalid = [
  '', ':', ':::', '1::2::3', '1::2::', ':1::2', '1::2:', '1:', '2001:00db8:4::', '00000::1', ' 2001:db8:5::', '2001:db8:5:: ',
  'fe80::1%lo', '2001:db8:9:0:0:0:0:1.2.3.4', '1::2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8::', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9',
  '::ffff:1.2.3', '::1.2.3.4:5', '::1.2.3.04', '::1.2.3.256', '::ffff:01.2.3.4', '1.2.3.4', 'g::1', '::0x1', 'default', '::/0',
];

for (const [input, out] of printed) {
  test(`parseIpv6 ${input} prints as ${out}`, () => {
    const a = parseIpv6(input);
    assert.ok(a, 'parses');
    assert.equal(formatIpv6(a), out);
    assert.deepEqual(parseIpv6(out), a, 'the printed form reads back to the same address');
  });
}

for (const text of invalid) {
  test(`parseIpv6 rejects ${JSON.stringify(text)}`, () => assert.equal(parseIpv6(text), undefined));
}

test('parseIpv6 keywords only in iproute2 mode', () => {
  for (const k of ['default', 'all', 'any']) {
    assert.equal(parseIpv6(k), undefined);
    assert.deepEqual(parseIpv6(k, 'iproute2'), makeIpv6(0n));
  }
});

test('parseIpv6 values', () => {
  assert.equal(parseIpv6('2001:db8::1')?.value, 0x20010db8000000000000000000000001n);
  assert.equal(parseIpv6('::ffff:1.2.3.4')?.value, 0xffff01020304n);
  assert.equal(parseIpv6('8000::')?.value, 1n << 127n);
});

test('words and bytes are most significant first', () => {
  const a = parseIpv6('2001:db8:102:304:506:708:90a:b0c')!;
  assert.deepEqual(ipv6ToWords(a.value), [0x20010db8, 0x01020304, 0x05060708, 0x090a0b0c]);
  assert.deepEqual(ipv6FromWords(0x20010db8, 0x01020304, 0x05060708, 0x090a0b0c), a);
  assert.deepEqual(ipv6ToBytes(a), Uint8Array.of(0x20, 0x01, 0x0d, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12));
  assert.deepEqual(ipv6FromBytes(Uint8Array.of(0xff, ...ipv6ToBytes(a)), 1), a);
  assert.deepEqual(ipv6ToWords((1n << 128n) - 1n), [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff]);
  assert.throws(() => ipv6FromBytes(new Uint8Array(15)), RangeError);
});

test('makeIpv6 wraps into 128 bits', () => {
  assert.equal(makeIpv6(-1n).value, (1n << 128n) - 1n);
  assert.equal(makeIpv6(1n << 128n).value, 0n);
});
