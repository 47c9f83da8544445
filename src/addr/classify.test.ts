import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIp } from './address.ts';
import {
  ipv4ToV4Mapped,
  isLimitedBroadcast,
  isLinkLocal4,
  isLinkLocal6,
  isLocalMulticast4,
  isLoopback4,
  isLoopback6,
  isMulticast,
  isUnspecified,
  isV4Mapped,
  isZeronet,
  v4MappedToIpv4,
} from './classify.ts';
import { formatIpv6 } from './ipv6.ts';
import type { IpAddress } from './types.ts';

const classes: [string, (a: IpAddress) => boolean][] = [
  ['multicast', isMulticast],
  ['localMulticast4', isLocalMulticast4],
  ['limitedBroadcast', isLimitedBroadcast],
  ['loopback4', isLoopback4],
  ['loopback6', isLoopback6],
  ['zeronet', isZeronet],
  ['unspecified', isUnspecified],
  ['linkLocal4', isLinkLocal4],
  ['linkLocal6', isLinkLocal6],
  ['v4Mapped', isV4Mapped],
];

// [address, the classes it is in]; every other class must say no
const cases: [string, string[]][] = [
  ['0.0.0.0', ['zeronet', 'unspecified']],
  ['0.1.2.3', []],
  ['1.2.3.4', []],
  ['127.0.0.1', ['loopback4']],
  ['127.255.255.255', ['loopback4']],
  ['126.255.255.255', []],
  ['128.0.0.0', []],
  ['169.254.1.1', ['linkLocal4']],
  ['169.255.0.0', []],
  ['223.255.255.255', []],
  ['224.0.0.0', ['multicast', 'localMulticast4']],
  ['224.0.0.255', ['multicast', 'localMulticast4']],
  ['224.0.1.0', ['multicast']],
  ['239.255.255.255', ['multicast']],
  ['240.0.0.1', []],
  ['255.255.255.254', []],
  ['255.255.255.255', ['limitedBroadcast']],
  ['::', ['unspecified']],
  ['::1', ['loopback6']],
  ['::2', []],
  ['::ffff:127.0.0.1', ['v4Mapped']],
  ['::ffff:0.0.0.0', ['v4Mapped']],
  ['::fffe:1.2.3.4', []],
  ['1::ffff:1.2.3.4', []],
  ['fe80::1', ['linkLocal6']],
  ['febf:ffff::', ['linkLocal6']],
  ['fec0::1', []],
  ['fe7f::1', []],
  ['ff02::1', ['multicast']],
  ['ff00::', ['multicast']],
  ['feff::', []],
  ['2001:db8::1', []],
];

for (const [text, expected] of cases) {
  test(`classes of ${text}: ${expected.join(', ') || 'none'}`, () => {
    const a = parseIp(text)!;
    assert.deepEqual(classes.filter(([, f]) => f(a)).map(([name]) => name), expected);
  });
}

test('v4-mapped conversion', () => {
  const a = parseIp('::ffff:192.0.2.1')!;
  assert.deepEqual(v4MappedToIpv4(a), parseIp('192.0.2.1'));
  assert.equal(v4MappedToIpv4(parseIp('::192.0.2.1')!), undefined);
  assert.equal(v4MappedToIpv4(parseIp('192.0.2.1')!), undefined);
  assert.equal(formatIpv6(ipv4ToV4Mapped({ family: 4, value: 0xc0000201 })), '::ffff:192.0.2.1');
});
