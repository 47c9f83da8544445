import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIp } from './address.ts';
import {
  comparePrefix,
  formatPrefix,
  formatRouteDst,
  formatRuleSelector,
  hasHostBits,
  kernelHostBitsPolicy,
  makePrefix,
  parsePrefix,
  parsePrefixResult,
  prefixContains,
  prefixContainsPrefix,
  prefixEquals,
  type HostBitsPolicy,
} from './prefix.ts';
import type { Family, IpPrefix } from './types.ts';

const p = (text: string): IpPrefix => parsePrefix(text, undefined, 'strict', 'keep')!;
const show = (prefix: IpPrefix): string => formatPrefix(prefix);

// What iproute2 6.1 + kernel 6.18 did, checked in a namespace (ip netns add; ip link set lo up):
// * `ip route add FORM dev lo`: the forms below; `ip route show` printed the address in the comment column.
//   `10.1/16` -> 10.1.0.0/16, `010.1/16` -> 8.1.0.0/16 (octal), `0x0a.2/16` -> 10.2.0.0/16, `10.1.0.0/0x10` and
//   `10.2.0.0/255.255.0.0` -> /16, `12.0/016` -> 12.0.0.0/14 (octal length), `10.6/default` -> /0.
// * host bits: `ip route add 10.0.0.1/8` fails with the kernel's "Error: Invalid prefix for given prefix length."
//   (iproute2 sends it unchanged), `ip -6 route add 2001:db8::1/32` is stored as 2001:db8::/32 (masked silently),
//   `ip rule add from 10.0.0.1/8` is kept and shown as `from 10.0.0.1/8`; `ip rule add from 1.2.3.4/0` shows `from all`.
// * `default`, `all`, `any` are 0/0 without a length; `default/0` is rejected.
// [text, family, expected prefix as a/len or an error reason]
const iproute2Cases: [string, Family | undefined, string][] = [
  ['10.1/16', undefined, '10.1.0.0/16'],
  ['10/8', undefined, '10.0.0.0/8'],
  ['10.1.2/24', undefined, '10.1.2.0/24'],
  ['010.1/16', undefined, '8.1.0.0/16'],
  ['0x0a.2/16', undefined, '10.2.0.0/16'],
  ['10.1.0.0/0x10', undefined, '10.1.0.0/16'],
  ['10.2.0.0/255.255.0.0', undefined, '10.2.0.0/16'],
  ['10.4/255.255', undefined, '10.4.0.0/16'],
  ['+10.3/16', undefined, '10.3.0.0/16'],
  [' 10.4/16', undefined, '10.4.0.0/16'],
  ['10.7/+16', undefined, '10.7.0.0/16'],
  ['10.8/ 16', undefined, '10.8.0.0/16'],
  ['12.0/016', undefined, '12.0.0.0/14'],
  ['0x1/32', undefined, '1.0.0.0/32'],
  ['1.2.3.4', undefined, '1.2.3.4/32'],
  ['10.0.0.1/8', undefined, '10.0.0.1/8'],
  ['10.6/-0', undefined, '10.6.0.0/0'],
  ['10.6/default', undefined, '10.6.0.0/0'],
  ['14.0.0.0/-0x0', undefined, '14.0.0.0/0'],
  ['1.2.3.4/0', 4, '1.2.3.4/0'],
  ['default', 4, '0.0.0.0/0'],
  ['all', 4, '0.0.0.0/0'],
  ['any', 6, '::/0'],
  ['default', undefined, 'family'],
  ['default/0', 4, 'syntax'],
  ['10.5./16', undefined, 'syntax'],
  ['11.0.0.0/33', undefined, 'syntax'],
  ['08.1/16', undefined, 'syntax'],
  ['10.7.0.0/', undefined, 'syntax'],
  ['12..1/16', undefined, 'syntax'],
  ['1.2.3.4.5', undefined, 'syntax'],
  ['256.1/16', undefined, 'syntax'],
  ['10.8/16x', undefined, 'syntax'],
  ['13.0.0.0/8.', undefined, 'syntax'],
  ['10.5/255.0.255.0', undefined, 'syntax'],
  ['10.9/0x', undefined, 'syntax'],
  ['10.10/-16', undefined, 'syntax'],
  ['0x/8', undefined, 'syntax'],
  ['10.11 /16', undefined, 'syntax'],
  ['4294967296/8', undefined, 'syntax'],
  ['10.0.0.0/8/8', undefined, 'syntax'],
  ['', undefined, 'syntax'],
  ['10.0.0.0/8', 6, 'family'],
  ['::1', 4, 'family'],
  ['2001:db8::1/32', undefined, '2001:db8::1/32'],
  ['2001:db8:6::/0x30', 6, '2001:db8:6::/48'],
  ['2001:db8:b::/ 64', 6, '2001:db8:b::/64'],
  ['2001:db8:c::/255.255.0.0', 6, '2001:db8:c::/16'],
  ['::ffff:1.2.3.4/128', 6, '::ffff:1.2.3.4/128'],
  ['::', 6, '::/128'],
  ['::/0', 6, '::/0'],
  ['2001:db8:7::/129', 6, 'syntax'],
  ['2001:db8::/::', 6, 'syntax'],
  ['fe80::1%lo', 6, 'syntax'],
  [' 2001:db8:5::/48', 6, 'syntax'],
  ['2001:00db8:4::/48', 6, 'syntax'],
];

// [text, expected]: strict mode takes only canonical `address[/decimal length]`
const strictCases: [string, string][] = [
  ['10.0.0.0/8', '10.0.0.0/8'],
  ['0.0.0.0/0', '0.0.0.0/0'],
  ['1.2.3.4', '1.2.3.4/32'],
  ['1.2.3.4/32', '1.2.3.4/32'],
  ['2001:db8::/32', '2001:db8::/32'],
  ['::/0', '::/0'],
  ['::1', '::1/128'],
  ['10.0.0.1/8', 'host-bits'],
  ['2001:db8::1/32', 'host-bits'],
  ['10.1/16', 'syntax'],
  ['10.0.0.0/08', 'syntax'],
  ['10.0.0.0/+8', 'syntax'],
  ['10.0.0.0/ 8', 'syntax'],
  ['10.0.0.0/0x8', 'syntax'],
  ['10.0.0.0/255.0.0.0', 'syntax'],
  ['10.0.0.0/33', 'syntax'],
  ['10.0.0.0/', 'syntax'],
  ['default', 'syntax'],
  ['2001:db8::/129', 'syntax'],
  ['2001:db8::/1000', 'syntax'],
];

function outcome(text: string, family: Family | undefined, mode: 'strict' | 'iproute2', hostBits?: HostBitsPolicy): string {
  const r = parsePrefixResult(text, family, mode, hostBits);
  return r.kind === 'ok' ? show(r.prefix) : r.reason;
}

for (const [text, family, expected] of iproute2Cases) {
  test(`parsePrefix iproute2 ${JSON.stringify(text)} (family ${family}) -> ${expected}`, () => {
    assert.equal(outcome(text, family, 'iproute2'), expected);
  });
}

for (const [text, expected] of strictCases) {
  test(`parsePrefix strict ${JSON.stringify(text)} -> ${expected}`, () => assert.equal(outcome(text, undefined, 'strict'), expected));
}

test('host bits policies', () => {
  assert.equal(outcome('10.0.0.1/8', 4, 'strict', 'mask'), '10.0.0.0/8');
  assert.equal(outcome('10.0.0.1/8', 4, 'strict', 'keep'), '10.0.0.1/8');
  assert.equal(outcome('10.0.0.1/8', 4, 'iproute2', 'reject'), 'host-bits');
  assert.equal(outcome('2001:db8::1/32', 6, 'iproute2', kernelHostBitsPolicy('route', 6)), '2001:db8::/32');
  assert.equal(outcome('10.0.0.1/8', 4, 'iproute2', kernelHostBitsPolicy('route', 4)), 'host-bits');
  assert.equal(outcome('10.0.0.1/8', 4, 'iproute2', kernelHostBitsPolicy('rule', 4)), '10.0.0.1/8');
  assert.equal(outcome('2001:db8::1/32', 6, 'iproute2', kernelHostBitsPolicy('rule', 6)), '2001:db8::1/32');
  assert.equal(parsePrefix('10.0.0.1/8'), undefined);
  assert.ok(hasHostBits(p('10.0.0.1/8')));
  assert.ok(!hasHostBits(p('10.0.0.0/8')));
});

// [prefix, formatPrefix, formatRouteDst, formatRuleSelector] (route dst and rule from/to as `ip route`/`ip rule` print them)
const formatCases: [string, string, string, string][] = [
  ['0.0.0.0/0', '0.0.0.0/0', 'default', 'all'],
  ['::/0', '::/0', 'default', 'all'],
  ['10.0.0.1/32', '10.0.0.1/32', '10.0.0.1', '10.0.0.1'],
  ['0.0.0.0/32', '0.0.0.0/32', '0.0.0.0', '0.0.0.0'],
  ['10.0.0.0/8', '10.0.0.0/8', '10.0.0.0/8', '10.0.0.0/8'],
  ['10.0.0.1/8', '10.0.0.1/8', '10.0.0.1/8', '10.0.0.1/8'],
  ['::1/128', '::1/128', '::1', '::1'],
  ['::ffff:1.2.3.4/128', '::ffff:1.2.3.4/128', '::ffff:1.2.3.4', '::ffff:1.2.3.4'],
  ['2001:db8::/32', '2001:db8::/32', '2001:db8::/32', '2001:db8::/32'],
];

for (const [text, plain, routeDst, ruleSelector] of formatCases) {
  test(`format ${text}`, () => {
    const prefix = p(text);
    assert.equal(formatPrefix(prefix), plain);
    assert.equal(formatRouteDst(prefix), routeDst);
    assert.equal(formatRuleSelector(prefix), ruleSelector);
    assert.equal(formatPrefix(prefix, { hostWithoutLength: true }), routeDst === 'default' ? plain : routeDst);
  });
}

// [prefix, address, contained]
const containsCases: [string, string, boolean][] = [
  ['0.0.0.0/0', '255.255.255.255', true],
  ['0.0.0.0/0', '::', false],
  ['::/0', '10.0.0.1', false],
  ['10.0.0.0/8', '10.255.255.255', true],
  ['10.0.0.0/8', '11.0.0.0', false],
  ['10.0.0.0/8', '9.255.255.255', false],
  ['10.0.0.1/8', '10.200.0.0', true],
  ['10.1.2.3/32', '10.1.2.3', true],
  ['10.1.2.3/32', '10.1.2.2', false],
  ['2001:db8::/32', '2001:db8:ffff::1', true],
  ['2001:db8::/32', '2001:db9::', false],
  ['2001:db8::1/128', '2001:db8::1', true],
  ['::ffff:0.0.0.0/96', '::ffff:1.2.3.4', true],
];

for (const [prefix, addr, expected] of containsCases) {
  test(`prefixContains(${prefix}, ${addr}) = ${expected}`, () => assert.equal(prefixContains(p(prefix), parseIp(addr)!), expected));
}

test('prefixContainsPrefix', () => {
  assert.ok(prefixContainsPrefix(p('10.0.0.0/8'), p('10.1.0.0/16')));
  assert.ok(prefixContainsPrefix(p('10.0.0.0/8'), p('10.0.0.0/8')));
  assert.ok(!prefixContainsPrefix(p('10.1.0.0/16'), p('10.0.0.0/8')));
  assert.ok(!prefixContainsPrefix(p('10.1.0.0/16'), p('10.2.0.0/24')));
  assert.ok(!prefixContainsPrefix(p('0.0.0.0/0'), p('::/0')));
});

test('makePrefix clears host bits; compare and equality', () => {
  assert.equal(show(makePrefix(parseIp('10.1.2.3')!, 16)), '10.1.0.0/16');
  assert.equal(show(makePrefix(parseIp('2001:db8::1')!, 64)), '2001:db8::/64');
  assert.throws(() => makePrefix(parseIp('10.1.2.3')!, 40), RangeError);
  assert.ok(prefixEquals(p('10.0.0.0/8'), makePrefix(parseIp('10.9.9.9')!, 8)));
  assert.ok(!prefixEquals(p('10.0.0.0/8'), p('10.0.0.0/9')));
  const sorted = ['0.0.0.0/0', '10.0.0.0/8', '10.0.0.0/16', '10.1.0.0/16', '::/0', '2001:db8::/32'].map(p);
  assert.deepEqual([sorted[3]!, sorted[5]!, sorted[1]!, sorted[0]!, sorted[4]!, sorted[2]!].sort(comparePrefix), sorted);
});
