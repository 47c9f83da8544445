import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NfElement, NfLiteral } from '../model/netfilter.ts';
import { convertElement, convertLiteral, convertVerdict, nftKeyType, nftTypeByName, NftUnsupported } from './nft-literal.ts';

const LITERALS: readonly (readonly [string, unknown, NfLiteral])[] = [
  ['ipv4_addr', '10.0.0.1', 0x0a000001n],
  ['ipv4_addr', '255.255.255.255', 0xffffffffn],
  ['ipv6_addr', '2001:db8::1', 0x20010db8000000000000000000000001n],
  ['ipv6_addr', '::ffff:1.2.3.4', 0xffff01020304n],
  ['mark', 255, 255n],
  ['mark', 4294967295, 0xffffffffn],
  ['mark', '0x0000ff00', 0xff00n],
  ['mark', '17', 17n],
  ['inet_service', 22, 22n],
  ['inet_service', 'ssh', 22n],
  ['inet_proto', 'tcp', 6n],
  ['inet_proto', 'udp', 17n],
  ['inet_proto', 'icmp', 1n],
  ['inet_proto', 'ipv6-icmp', 58n],
  ['inet_proto', 'icmpv6', 58n],
  ['inet_proto', 'gre', 47n],
  ['inet_proto', 132, 132n],
  ['dscp', 'cs0', 0n],
  ['dscp', 'cs1', 8n],
  ['dscp', 'cs7', 56n],
  ['dscp', 'af11', 10n],
  ['dscp', 'af43', 38n],
  ['dscp', 'ef', 46n],
  ['dscp', 'be', 0n],
  ['dscp', 'df', 0n],
  ['dscp', 'lephb', 1n],
  ['dscp', 'va', 44n],
  ['dscp', '0x12', 18n],
  ['ct_state', 'invalid', 1n],
  ['ct_state', 'established', 2n],
  ['ct_state', 'related', 4n],
  ['ct_state', 'new', 8n],
  ['ct_state', 'untracked', 64n],
  ['ct_state', ['established', 'related'], 6n],
  ['ct_state', { '|': ['established', 'related'] }, 6n],
  ['ct_status', 'dnat', 32n],
  ['ct_status', 'seen-reply', 2n],
  ['ct_status', ['snat', 'dnat'], 48n],
  ['ct_dir', 'original', 0n],
  ['ct_dir', 'reply', 1n],
  ['pkt_type', 'broadcast', 1n],
  ['pkt_type', 'host', 0n],
  ['nf_proto', 'ipv4', 2n],
  ['nf_proto', 'ipv6', 10n],
  ['ether_type', 'ip', 0x0800n],
  ['ether_type', 'ip6', 0x86ddn],
  ['tcp_flag', 'syn', 2n],
  ['tcp_flag', ['syn', 'ack'], 0x12n],
  ['icmp_type', 'echo-request', 8n],
  ['icmpv6_type', 'nd-neighbor-solicit', 135n],
  ['icmp_code', 'host-unreachable', 1n],
  ['classid', '1:2', 0x10002n],
  ['classid', 'ffff:a', 0xffff000an],
  ['uid', 'root', 0n],
  ['uid', 1000, 1000n],
  ['ifname', 'eth0', 'eth0'],
  ['ifname', 'wan*', 'wan*'],
  ['iface_index', 'lo', 'lo'],
];

test('convertLiteral: constants by the type of the left-hand side', () => {
  for (const [type, json, expected] of LITERALS) {
    assert.equal(convertLiteral(json, nftTypeByName(type)), expected, `${type} ${JSON.stringify(json)}`);
  }
});

const BAD_LITERALS: readonly (readonly [string, unknown])[] = [
  ['ipv4_addr', '2001:db8::1'],
  ['ipv4_addr', 167772161],
  ['ipv6_addr', '10.0.0.1'],
  ['mark', 'bogus'],
  ['mark', -1],
  ['mark', 1.5],
  ['inet_proto', 'nosuchproto'],
  // a device that no longer exists: nft prints its index
  ['ifname', '3'],
  ['ifname', 3],
  ['dscp', ['cs1', 'cs2']],
  ['ct_dir', ['original', 'reply']],
  ['verdict', 'accept'],
  ['ether_addr', '00:11:22:33:44:55'],
  ['uid', 'nobody'],
];

test('convertLiteral: what it cannot read is NftUnsupported', () => {
  for (const [type, json] of BAD_LITERALS) {
    assert.throws(() => convertLiteral(json, nftTypeByName(type)), NftUnsupported, `${type} ${JSON.stringify(json)}`);
  }
});

const ipv4AndPort = nftKeyType(['ipv4_addr', 'inet_service']);

const ELEMENTS: readonly (readonly [string, ReturnType<typeof nftTypeByName>, unknown, NfElement])[] = [
  ['value', nftTypeByName('mark'), 1, { kind: 'value', value: 1n }],
  ['prefix v4', nftTypeByName('ipv4_addr'), { prefix: { addr: '10.0.0.0', len: 8 } }, { kind: 'prefix', value: 0x0a000000n, length: 8, width: 32 }],
  ['prefix v6', nftTypeByName('ipv6_addr'), { prefix: { addr: 'fe80::', len: 10 } }, { kind: 'prefix', value: 0xfe80n << 112n, length: 10, width: 128 }],
  ['masked mark printed as a prefix', nftTypeByName('mark'), { prefix: { addr: 0, len: 30 } }, { kind: 'prefix', value: 0n, length: 30, width: 32 }],
  ['range v4', nftTypeByName('ipv4_addr'), { range: ['192.168.1.10', '192.168.1.20'] }, { kind: 'range', low: 0xc0a8010an, high: 0xc0a80114n }],
  ['range ports', nftTypeByName('inet_service'), { range: [1000, 2000] }, { kind: 'range', low: 1000n, high: 2000n }],
  ['range marks (hex)', nftTypeByName('mark'), { range: ['0x1', '0x5'] }, { kind: 'range', low: 1n, high: 5n }],
  [
    'concat',
    ipv4AndPort,
    { concat: ['10.0.0.1', 22] },
    { kind: 'concat', parts: [{ kind: 'value', value: 0x0a000001n }, { kind: 'value', value: 22n }] },
  ],
  [
    'concat of intervals',
    ipv4AndPort,
    { concat: [{ prefix: { addr: '10.0.0.0', len: 8 } }, { range: [22, 25] }] },
    { kind: 'concat', parts: [{ kind: 'prefix', value: 0x0a000000n, length: 8, width: 32 }, { kind: 'range', low: 22n, high: 25n }] },
  ],
  ['elem wrapper with timeout', nftTypeByName('ipv4_addr'), { elem: { val: '10.9.9.9', counter: { packets: 0, bytes: 0 } } }, { kind: 'value', value: 0x0a090909n }],
  [
    'elem wrapper around a concat',
    ipv4AndPort,
    { elem: { val: { concat: ['10.0.0.5', 22] }, timeout: 3600, expires: 3598 } },
    { kind: 'concat', parts: [{ kind: 'value', value: 0x0a000005n }, { kind: 'value', value: 22n }] },
  ],
  ['ifname wildcard', nftTypeByName('ifname'), 'wan*', { kind: 'value', value: 'wan*' }],
];

test('convertElement: values, prefixes, ranges, concatenations, elem wrappers', () => {
  for (const [name, type, json, expected] of ELEMENTS) assert.deepEqual(convertElement(json, type), expected, name);
});

test('convertElement: prefixes only of types with a known width, concatenations of the right arity, ranges of numbers', () => {
  for (const [type, json] of [
    [nftTypeByName('mark'), { prefix: { addr: 16, len: 33 } }],
    [nftTypeByName('integer'), { prefix: { addr: 16, len: 28 } }],
    [nftTypeByName('ipv4_addr'), { prefix: { addr: '10.0.0.0', len: 33 } }],
    [ipv4AndPort, { concat: ['10.0.0.1'] }],
    [nftTypeByName('ipv4_addr'), { concat: ['10.0.0.1', 22] }],
    [nftTypeByName('ifname'), { range: ['a', 'b'] }],
  ] as const) {
    assert.throws(() => convertElement(json, type), NftUnsupported, JSON.stringify(json));
  }
});

test('convertVerdict: the verdict objects of nft JSON', () => {
  assert.deepEqual(convertVerdict({ accept: null }), { kind: 'accept' });
  assert.deepEqual(convertVerdict({ drop: null }), { kind: 'drop' });
  assert.deepEqual(convertVerdict({ continue: null }), { kind: 'continue' });
  assert.deepEqual(convertVerdict({ return: null }), { kind: 'return' });
  assert.deepEqual(convertVerdict({ jump: { target: 'from_lan' } }), { kind: 'jump', chain: 'from_lan' });
  assert.deepEqual(convertVerdict({ goto: { target: 'x' } }), { kind: 'goto', chain: 'x' });
  assert.equal(convertVerdict({ jump: 'x' }), undefined);
  assert.equal(convertVerdict('accept'), undefined);
  assert.equal(convertVerdict({ counter: null }), undefined);
});

test('nftKeyType: one name or a concatenation; unknown names are opaque', () => {
  assert.deepEqual(nftKeyType(['ipv4_addr']), { kind: 'ipv4', name: 'ipv4_addr' });
  assert.equal(nftKeyType(['ipv4_addr', 'inet_service']).kind, 'concat');
  assert.equal(nftKeyType(['ipv4_addr', 'inet_service']).name, 'ipv4_addr . inet_service');
  assert.deepEqual(nftTypeByName('ether_addr'), { kind: 'opaque', name: 'ether_addr' });
});
