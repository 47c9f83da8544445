import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatIp } from '../addr/address.ts';
import type { Family } from '../addr/types.ts';
import { UsageError } from '../model/errors.ts';
import { classifyKeyword, parseRouteGetArgs, takesValue } from './route-get-args.ts';

/** The parsed query in a compact comparable form (addresses as text). */
function summary(args: string, family?: Family): Record<string, unknown> {
  const r = parseRouteGetArgs(args === '' ? [] : args.split(' '), family);
  if (r.kind === 'help') return { help: true };
  const { query, warnings, rejected } = r;
  return {
    ...Object.fromEntries(
      Object.entries(query).map(([k, v]) => [k, typeof v === 'object' && v !== null && 'family' in v ? formatIp(v) : v]),
    ),
    ...(warnings.length > 0 ? { warnings } : {}),
    ...(rejected ? { rejected: rejected.message } : {}),
  };
}

// every row checked against `ip route get` of iproute2 6.1 on kernel 6.18
const GOOD: readonly (readonly [string, Family | undefined, Record<string, unknown>])[] = [
  ['10.1', undefined, { family: 4, dst: '10.1.0.0' }],
  ['0x0a.1.2.3', undefined, { family: 4, dst: '10.1.2.3' }],
  ['010.1.1.1', undefined, { family: 4, dst: '8.1.1.1' }],
  ['to 10.1.0.9', undefined, { family: 4, dst: '10.1.0.9' }],
  ['10.1.0.9 10.1.0.8', undefined, { family: 4, dst: '10.1.0.8' }],
  ['2001:db8::1', undefined, { family: 6, dst: '2001:db8::1' }],
  ['10.1.0.9 d 10', undefined, { family: 4, dst: '10.1.0.9', tos: 0x10 }],
  ['10.1.0.9 ds 0x10', undefined, { family: 4, dst: '10.1.0.9', tos: 0x10 }],
  ['10.1.0.9 dsfield 8', undefined, { family: 4, dst: '10.1.0.9', tos: 0x08 }],
  ['10.1.0.9 tos CS1', undefined, { family: 4, dst: '10.1.0.9', tos: 0x20 }],
  ['10.1.0.9 tos EF', undefined, { family: 4, dst: '10.1.0.9', tos: 0xb8 }],
  ['10.1.0.9 m 16', undefined, { family: 4, dst: '10.1.0.9', mark: 16 }],
  ['10.1.0.9 ma 0x10', undefined, { family: 4, dst: '10.1.0.9', mark: 16 }],
  ['10.1.0.9 mark 010', undefined, { family: 4, dst: '10.1.0.9', mark: 8 }],
  ['10.1.0.9 mark 0', undefined, { family: 4, dst: '10.1.0.9' }],
  ['10.1.0.9 u 7', undefined, { family: 4, dst: '10.1.0.9', uid: 7 }],
  ['10.1.0.9 uid 4294967295', undefined, { family: 4, dst: '10.1.0.9', uid: 4294967295 }],
  ['10.1.0.9 s 5 dp 6 ip tcp', undefined, { family: 4, dst: '10.1.0.9', sport: 5, dport: 6, ipproto: 6 }],
  ['10.1.0.9 sport -0', undefined, { family: 4, dst: '10.1.0.9', sport: 0 }],
  ['10.1.0.9 i b0 f 10.2.0.5', undefined, { family: 4, dst: '10.1.0.9', iif: 'b0', from: '10.2.0.5' }],
  ['10.1.0.9 o c0', undefined, { family: 4, dst: '10.1.0.9', oif: 'c0' }],
  ['10.1.0.9 dev c0', undefined, { family: 4, dst: '10.1.0.9', oif: 'c0' }],
  ['10.1.0.9 fi', undefined, { family: 4, dst: '10.1.0.9', fibmatch: true }],
  ['10.1.0.9 ipproto 17', undefined, { family: 4, dst: '10.1.0.9', ipproto: 17 }],
  ['10.1.0.9 ipproto TCP', undefined, { family: 4, dst: '10.1.0.9', ipproto: 6 }],
  ['10.1.0.9 ipproto icmp', undefined, { family: 4, dst: '10.1.0.9', ipproto: 1 }],
  ['2001:db8::1 ipproto ipv6-icmp', undefined, { family: 6, dst: '2001:db8::1', ipproto: 58 }],
  ['10.1.0.9/0', undefined, { family: 4, dst: '10.1.0.9', warnings: ['Warning: /0 as prefix is invalid, only /32 (or none) is supported.'] }],
  ['10.1.0.9/255.255.255.0', undefined, { family: 4, dst: '10.1.0.9', warnings: ['Warning: /24 as prefix is invalid, only /32 (or none) is supported.'] }],
  ['10.1.0.9/0x18', undefined, { family: 4, dst: '10.1.0.9', warnings: ['Warning: /24 as prefix is invalid, only /32 (or none) is supported.'] }],
  ['2001:db8::1/64', undefined, { family: 6, dst: '2001:db8::1', warnings: ['Warning: /64 as prefix is invalid, only /128 (or none) is supported.'] }],
  ['default', undefined, { family: 4, dst: '0.0.0.0' }],
  ['all', undefined, { family: 4, dst: '0.0.0.0' }],
  ['default', 4, { family: 4, dst: '0.0.0.0', warnings: ['Warning: /0 as prefix is invalid, only /32 (or none) is supported.'] }],
  ['default', 6, { family: 6, dst: '::', warnings: ['Warning: /0 as prefix is invalid, only /128 (or none) is supported.'] }],
  ['10.1.0.9 from all', undefined, { family: 4, dst: '10.1.0.9' }],
  ['2001:db8::1 from all', undefined, { family: 6, dst: '2001:db8::1' }],
  ['from 10.1.0.1 10.1.0.9', undefined, { family: 4, dst: '10.1.0.9', from: '10.1.0.1' }],
  ['10.1.0.9 from 10.1.0.1/32', undefined, { family: 4, dst: '10.1.0.9', from: '10.1.0.1' }],
  ['10.1.0.9 from default', undefined, { family: 4, dst: '10.1.0.9', from: '0.0.0.0', rejected: 'Error: ipv4: rtm_src_len and rtm_dst_len must be 32 for IPv4.' }],
  ['10.1.0.9 from 10.1.0.1/0', undefined, { family: 4, dst: '10.1.0.9', from: '10.1.0.1', rejected: 'Error: ipv4: rtm_src_len and rtm_dst_len must be 32 for IPv4.' }],
  ['10.1.0.9 from 10.1.0.1/24', undefined, { family: 4, dst: '10.1.0.9', from: '10.1.0.1', rejected: 'Error: ipv4: Invalid values in header for route get request.' }],
  ['2001:db8::1 from 2001:db8:a::1/64', undefined, { family: 6, dst: '2001:db8::1', from: '2001:db8:a::1', rejected: 'Error: ipv6: Invalid values in header for get route request.' }],
  ['2001:db8::1 from default', undefined, { family: 6, dst: '2001:db8::1', from: '::', rejected: 'Error: ipv6: rtm_src_len and rtm_dst_len must be 128 for IPv6.' }],
  ['10.1.0.9 ipproto gre', undefined, { family: 4, dst: '10.1.0.9', ipproto: 47, rejected: 'Error: Unsupported ip proto.' }],
  ['10.1.0.9 ipproto ipv6-icmp', undefined, { family: 4, dst: '10.1.0.9', ipproto: 58, rejected: 'Error: Unsupported ip proto.' }],
  ['10.1.0.9 ipproto 0', undefined, { family: 4, dst: '10.1.0.9', ipproto: 0, rejected: 'Error: Unsupported ip proto.' }],
  ['10.1.0.9 help', undefined, { help: true }],
  ['10.1.0.9 from help', undefined, { help: true }],
];

test('route get selectors parse as iproute2 6.1 reads them', () => {
  for (const [args, family, expected] of GOOD) {
    assert.deepEqual(summary(args, family), expected, `args: ${args}`);
  }
});

const BAD: readonly (readonly [string, Family | undefined, RegExp])[] = [
  ['', undefined, /needs a destination address/],
  ['from 10.0.0.1', undefined, /needs a destination address/],
  ['10.0.0.300', undefined, /invalid address "10.0.0.300"/],
  ['1.2.3.4.5', undefined, /invalid address/],
  ['t', undefined, /invalid address "t"/],
  ['10.1.0.9 tos 0x100', undefined, /invalid tos "0x100"/],
  ['10.1.0.9 tos lowdelay', undefined, /invalid tos "lowdelay"/],
  ['10.1.0.9 tos zz', undefined, /invalid tos/],
  ['10.1.0.9 mark -1', undefined, /invalid mark "-1"/],
  ['10.1.0.9 mark 0x100000000', undefined, /invalid mark/],
  ['10.1.0.9 mark 08', undefined, /invalid mark "08"/],
  ['10.1.0.9 uid x', undefined, /invalid uid/],
  ['10.1.0.9 sport 70000', undefined, /invalid sport "70000"/],
  ['10.1.0.9 dport 1x', undefined, /invalid dport/],
  ['10.1.0.9 ipproto 0x11', undefined, /invalid ipproto "0x11"/],
  ['10.1.0.9 ipproto 256', undefined, /invalid ipproto/],
  ['10.1.0.9 ipproto nosuch', undefined, /invalid ipproto/],
  ['10.1.0.9 mark', undefined, /"mark" needs a value/],
  ['10.1.0.9 from', undefined, /"from" needs a value/],
  ['to', undefined, /"to" needs a value/],
  ['1.2.3.4', 6, /"1.2.3.4" is not an IPv6 address/],
  ['2001:db8::1 from 10.0.0.1', undefined, /"10.0.0.1" is not an IPv6 address/],
  ['10.0.0.1 from 2001:db8::1', undefined, /"2001:db8::1" is not an IPv4 address/],
  ['10.1.0.9/33', undefined, /invalid prefix/],
  ['default/8', undefined, /invalid prefix/],
  ['10.1.0.9 connected', undefined, /not supported/],
  ['10.1.0.9 notify', undefined, /not supported/],
  ['10.1.0.9 vrf blue', undefined, /not supported/],
  ['10.1.0.9 as 10.0.0.1', undefined, /not supported/],
];

test('bad route get arguments are usage errors naming the argument', () => {
  for (const [args, family, message] of BAD) {
    assert.throws(
      () => parseRouteGetArgs(args === '' ? [] : args.split(' '), family),
      (err: unknown) => err instanceof UsageError && message.test(err.message) && err.exitCode === 2,
      `args: ${args}`,
    );
  }
});

test('keyword abbreviations resolve in iproute_get() order', () => {
  const rows: readonly (readonly [string, string | undefined])[] = [
    ['d', 'tos'], ['ds', 'tos'], ['dp', 'dport'], ['f', 'from'], ['fi', 'fibmatch'], ['i', 'iif'], ['ip', 'ipproto'],
    ['m', 'mark'], ['o', 'oif'], ['dev', 'oif'], ['de', undefined], ['s', 'sport'], ['u', 'uid'], ['n', 'notify'],
    ['c', 'connected'], ['v', 'vrf'], ['to', undefined], ['t', undefined], ['tos', 'tos'], ['', undefined],
  ];
  for (const [word, keyword] of rows) assert.equal(classifyKeyword(word), keyword, `word: ${word}`);
});

test('takesValue tells which words consume the next argument', () => {
  for (const word of ['from', 'iif', 'oif', 'dev', 'mark', 'tos', 'dsfield', 'uid', 'sport', 'dport', 'ipproto', 'to']) {
    assert.equal(takesValue(word), true, word);
  }
  for (const word of ['fibmatch', 'notify', 'connected', '10.0.0.1', 'default']) assert.equal(takesValue(word), false, word);
});
