// __ipv6_addr_type() classes and scopes, and the default address labels.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ipv6AddrLabel } from './addr-label.ts';
import {
  classifyIpv6,
  commonPrefixLength,
  IPV6_ADDR_COMPATV4,
  IPV6_ADDR_LINKLOCAL,
  IPV6_ADDR_LOOPBACK,
  IPV6_ADDR_MAPPED,
  IPV6_ADDR_MULTICAST,
  IPV6_ADDR_SITELOCAL,
  IPV6_ADDR_UNICAST,
  needsStrictIface,
} from './addr-type.ts';
import { ip6 } from './test-support.ts';

const classes: readonly (readonly [string, number, number, boolean, number])[] = [
  // address, flags, scope, rt6_need_strict, label
  ['2001:db8::1', IPV6_ADDR_UNICAST, 14, false, 1],
  ['::', 0, -1, false, 3],
  ['::1', IPV6_ADDR_LOOPBACK | IPV6_ADDR_UNICAST, 2, true, 0],
  ['fe80::1', IPV6_ADDR_LINKLOCAL | IPV6_ADDR_UNICAST, 2, true, 1],
  ['fec0::1', IPV6_ADDR_SITELOCAL | IPV6_ADDR_UNICAST, 5, false, 11],
  ['fd00::1', IPV6_ADDR_UNICAST, 14, false, 5],
  ['ff02::1', IPV6_ADDR_MULTICAST | IPV6_ADDR_LINKLOCAL, 2, true, 1],
  ['ff01::1', IPV6_ADDR_MULTICAST | IPV6_ADDR_LOOPBACK, 1, true, 1],
  ['ff05::1', IPV6_ADDR_MULTICAST | IPV6_ADDR_SITELOCAL, 5, true, 1],
  ['ff0e::1', IPV6_ADDR_MULTICAST, 14, true, 1],
  ['::ffff:10.0.0.1', IPV6_ADDR_MAPPED, 14, false, 4],
  ['::10.0.0.1', IPV6_ADDR_COMPATV4 | IPV6_ADDR_UNICAST, 14, false, 3],
  ['2002::1', IPV6_ADDR_UNICAST, 14, false, 2],
  ['2001::1', IPV6_ADDR_UNICAST, 14, false, 6],
  ['2001:10::1', IPV6_ADDR_UNICAST, 14, false, 7],
  ['3ffe::1', IPV6_ADDR_UNICAST, 14, false, 12],
  ['e000::1', IPV6_ADDR_UNICAST, 14, false, 1],
];

for (const [text, flags, scope, strict, label] of classes) {
  test(`${text}: type, scope, strictness, label`, () => {
    const v = ip6(text).value;
    assert.deepEqual(classifyIpv6(v), { flags, scope });
    assert.equal(needsStrictIface(v), strict);
    assert.equal(ipv6AddrLabel(v), label);
  });
}

test('common prefix length', () => {
  assert.equal(commonPrefixLength(ip6('2001:db8::1').value, ip6('2001:db8::1').value), 128);
  assert.equal(commonPrefixLength(ip6('2001:db8:b::99').value, ip6('2001:db8:8::1').value), 46);
  assert.equal(commonPrefixLength(ip6('8000::').value, ip6('::').value), 0);
});
