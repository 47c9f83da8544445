import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatIpv4, ipv4FromBytes, ipv4ToBytes, makeIpv4, parseIpv4 } from './ipv4.ts';

const strictValid: [string, number][] = [
  ['0.0.0.0', 0],
  ['255.255.255.255', 0xffffffff],
  ['10.1.2.3', 0x0a010203],
  ['192.168.0.1', 0xc0a80001],
  ['100.64.0.0', 0x64400000],
];

const strictInvalid = [
  '', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1.2.3.00', '1.2.3.256', '1.2.3.4 ', ' 1.2.3.4', '1..2.3', '1.2.3.', '.1.2.3',
  'a.b.c.d', '0x1.2.3.4', '+1.2.3.4', '1.2.3.4/8', '1234.1.1.1', '10.1', '10', 'default', '::1', '1.2.3.-4',
];

// Short and C-numeric forms accepted by iproute2 6.1, each verified with `ip route add FORM dev lo` / `ip route get`
// in a namespace on kernel 6.18 (what `ip route show` then printed is the expected address).
const iproute2Valid: [string, string][] = [
  ['10.1', '10.1.0.0'],
  ['10', '10.0.0.0'],
  ['10.1.2', '10.1.2.0'],
  ['127.1', '127.1.0.0'],
  ['010.1', '8.1.0.0'],
  ['0x0a.2', '10.2.0.0'],
  ['0xA.0xB.0xC.0xD', '10.11.12.13'],
  ['0x1', '1.0.0.0'],
  ['00000000012', '10.0.0.0'],
  ['+10.3', '10.3.0.0'],
  [' 10.4', '10.4.0.0'],
  ['\t13.1', '13.1.0.0'],
  ['10. 1', '10.1.0.0'],
  ['10.-0.2.0', '10.0.2.0'],
  ['1.2.3.4', '1.2.3.4'],
  ['default', '0.0.0.0'],
  ['all', '0.0.0.0'],
  ['any', '0.0.0.0'],
];

// rejected by `ip route add FORM dev lo` ("any valid prefix is expected")
const iproute2Invalid = ['', '10.5.', '08.1', '12..1', '1.2.3.4.5', '256.1', '0x', '10.11 ', '4294967296', '10.-1', '1.2.3.4x', '::1', 'DEFAULT'];

for (const [text, value] of strictValid) {
  test(`parseIpv4 strict ${text}`, () => {
    assert.deepEqual(parseIpv4(text), { family: 4, value });
    assert.equal(formatIpv4(makeIpv4(value)), text);
  });
}

for (const text of strictInvalid) {
  test(`parseIpv4 strict rejects ${JSON.stringify(text)}`, () => assert.equal(parseIpv4(text), undefined));
}

for (const [text, printed] of iproute2Valid) {
  test(`parseIpv4 iproute2 ${JSON.stringify(text)} is ${printed}`, () => {
    const a = parseIpv4(text, 'iproute2');
    assert.ok(a, 'parses');
    assert.equal(formatIpv4(a), printed);
  });
}

for (const text of iproute2Invalid) {
  test(`parseIpv4 iproute2 rejects ${JSON.stringify(text)}`, () => assert.equal(parseIpv4(text, 'iproute2'), undefined));
}

test('ipv4ToBytes / ipv4FromBytes use network byte order', () => {
  assert.deepEqual(ipv4ToBytes(makeIpv4(0xc0a80102)), Uint8Array.of(192, 168, 1, 2));
  assert.deepEqual(ipv4FromBytes(Uint8Array.of(9, 192, 168, 1, 2), 1), makeIpv4(0xc0a80102));
  assert.deepEqual(ipv4FromBytes(Uint8Array.of(255, 255, 255, 255)), makeIpv4(0xffffffff));
  assert.throws(() => ipv4FromBytes(Uint8Array.of(1, 2, 3)), RangeError);
});

test('makeIpv4 keeps values unsigned', () => {
  assert.equal(makeIpv4(-1).value, 0xffffffff);
  assert.equal(makeIpv4(0x80000000 | 0).value, 0x80000000);
});
