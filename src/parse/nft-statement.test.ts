import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NfExpr, NfFamily, NfPattern, NfStatement } from '../model/netfilter.ts';
import type { NftContext, NftSetInfo } from './nft-expr.ts';
import { nftKeyType, nftTypeByName } from './nft-literal.ts';
import { convertRuleStatements } from './nft-statement.ts';

const SETS: ReadonlyMap<string, NftSetInfo> = new Map<string, NftSetInfo>([
  ['nets4', { keyType: nftTypeByName('ipv4_addr') }],
  ['marks', { keyType: nftTypeByName('ipv4_addr'), dataType: nftTypeByName('mark') }],
  ['dispatch', { keyType: nftTypeByName('ifname'), dataType: nftTypeByName('verdict') }],
  ['pm', { keyType: nftKeyType(['ipv4_addr', 'inet_service']), dataType: nftTypeByName('mark') }],
  ['broken', { keyType: nftTypeByName('ipv4_addr'), unreadable: '1 of its 1 elements are unreadable' }],
]);

const ctx = (family: NfFamily): NftContext => ({ family, sets: SETS });

// JSON building blocks, written as nft 1.0.6 prints them
const meta = (key: string): unknown => ({ meta: { key } });
const ct = (key: string, dir?: string): unknown => ({ ct: dir === undefined ? { key } : { key, dir } });
const payload = (protocol: string, field: string): unknown => ({ payload: { protocol, field } });
const m = (left: unknown, right: unknown, op = '=='): unknown => ({ match: { op, left, right } });
const mangle = (key: unknown, value: unknown): unknown => ({ mangle: { key, value } });

// model building blocks
const M = (key: string): NfExpr => ({ kind: 'meta', key } as NfExpr);
const P = (protocol: string, field: string): NfExpr => ({ kind: 'payload', protocol, field });
const C = (value: bigint | string): NfExpr => ({ kind: 'const', value });
const value = (v: bigint | string): NfPattern => ({ kind: 'element', element: { kind: 'value', value: v } });
const match = (left: NfExpr, right: NfPattern, op: '==' | '!=' | '<' | '>' | '<=' | '>=' = '=='): NfStatement => ({ kind: 'match', left, op, right });
const dep = (key: 'nfproto' | 'protocol' | 'l4proto', v: bigint): NfStatement => match(M(key), value(v));
const IPV4 = dep('nfproto', 2n);
const IPV6 = dep('nfproto', 10n);
const TCP = dep('l4proto', 6n);
const accept: NfStatement = { kind: 'verdict', verdict: { kind: 'accept' } };

const CASES: readonly (readonly [string, NfFamily, readonly unknown[], readonly NfStatement[]])[] = [
  ['ip saddr in inet: nfproto dependency first', 'inet', [m(payload('ip', 'saddr'), '10.0.0.1'), { accept: null }], [IPV4, match(P('ip', 'saddr'), value(0x0a000001n)), accept]],
  ['ip saddr in an ip table: no dependency', 'ip', [m(payload('ip', 'saddr'), { prefix: { addr: '10.0.0.0', len: 8 } }, '!=')], [match(P('ip', 'saddr'), { kind: 'element', element: { kind: 'prefix', value: 0x0a000000n, length: 8, width: 32 } }, '!=')]],
  ['ip6 saddr in a bridge table: meta protocol dependency', 'bridge', [m(payload('ip6', 'saddr'), 'fe80::1')], [dep('protocol', 0x86ddn), match(P('ip6', 'saddr'), value(0xfe800000000000000000000000000001n))]],
  ['tcp dport: l4proto dependency', 'ip', [m(payload('tcp', 'dport'), 22)], [TCP, match(P('tcp', 'dport'), value(22n))]],
  ['icmpv6 type in inet: nfproto ipv6 and l4proto 58', 'inet', [m(payload('icmpv6', 'type'), 'echo-request')], [IPV6, dep('l4proto', 58n), match(P('icmpv6', 'type'), value(128n))]],
  ['th dport: no dependency', 'inet', [m(payload('th', 'dport'), { range: [1000, 2000] })], [match(P('th', 'dport'), { kind: 'element', element: { kind: 'range', low: 1000n, high: 2000n } })]],
  [
    'one dependency per rule',
    'inet',
    [m(payload('tcp', 'dport'), 22), m(payload('tcp', 'sport'), 1024, '!=')],
    [TCP, match(P('tcp', 'dport'), value(22n)), match(P('tcp', 'sport'), value(1024n), '!=')],
  ],
  ['ct state established,related: a flag test', 'inet', [m(ct('state'), ['established', 'related'], 'in')], [match({ kind: 'ct', key: 'state' }, { kind: 'flags', mask: 6n })]],
  ['ct status dnat: a flag test', 'ip', [m(ct('status'), 'dnat', 'in')], [match({ kind: 'ct', key: 'status' }, { kind: 'flags', mask: 32n })]],
  // nft 1.0.6 compiles `ct state != established` to `cmp neq 2` and `ct state == established` to `cmp eq 2`
  ['ct state != established: an exact comparison', 'ip', [m(ct('state'), 'established', '!=')], [match({ kind: 'ct', key: 'state' }, value(2n), '!=')]],
  ['ct state != established | related: an exact comparison with 6', 'ip', [m(ct('state'), { '|': ['established', 'related'] }, '!=')], [match({ kind: 'ct', key: 'state' }, value(6n), '!=')]],
  [
    'ct state { new, untracked }: a set lookup of exact values',
    'ip',
    [m(ct('state'), { set: ['new', 'untracked'] })],
    [match({ kind: 'ct', key: 'state' }, { kind: 'set', set: { kind: 'anonymous', entries: [{ key: { kind: 'value', value: 8n } }, { key: { kind: 'value', value: 64n } }] } })],
  ],
  ['ct direction reply', 'ip', [m(ct('direction'), 'reply')], [match({ kind: 'ct', key: 'direction' }, value(1n))]],
  ['ct original ip saddr', 'inet', [m(ct('ip saddr', 'original'), '10.0.0.1')], [match({ kind: 'ct', key: 'saddr', dir: 'original' }, value(0x0a000001n))]],
  ['ct original saddr in an ip table (key "saddr")', 'ip', [m(ct('saddr', 'original'), '10.0.0.1')], [match({ kind: 'ct', key: 'saddr', dir: 'original' }, value(0x0a000001n))]],
  ['ct original saddr ::1 in an ip6 table', 'ip6', [m(ct('saddr', 'original'), '::1')], [match({ kind: 'ct', key: 'saddr', dir: 'original' }, value(1n))]],
  ['ct reply daddr in an ip6 table (key "daddr")', 'ip6', [m(ct('daddr', 'reply'), '2001:db8::1')], [match({ kind: 'ct', key: 'daddr', dir: 'reply' }, value(0x20010db8000000000000000000000001n))]],
  ['ct reply proto-dst', 'ip', [m(ct('proto-dst', 'reply'), 22)], [match({ kind: 'ct', key: 'proto-dst', dir: 'reply' }, value(22n))]],
  ['tcp flags & (syn|ack) == syn', 'ip', [m({ '&': [payload('tcp', 'flags'), ['syn', 'ack']] }, 'syn')], [TCP, match({ kind: 'binop', op: '&', left: P('tcp', 'flags'), right: C(0x12n) }, value(2n))]],
  ['meta l4proto { tcp, udp }', 'inet', [m(meta('l4proto'), { set: ['tcp', 'udp'] })], [match(M('l4proto'), { kind: 'set', set: { kind: 'anonymous', entries: [{ key: { kind: 'value', value: 6n } }, { key: { kind: 'value', value: 17n } }] } })]],
  ['meta iif "lo" reads as iifname', 'inet', [m(meta('iif'), 'lo')], [match(M('iifname'), value('lo'))]],
  ['iifname "wan*" keeps the wildcard', 'inet', [m(meta('iifname'), 'wan*')], [match(M('iifname'), value('wan*'))]],
  ['meta mark > 0x10', 'inet', [m(meta('mark'), 16, '>')], [match(M('mark'), value(16n), '>')]],
  ['meta mark 0x1-0x5', 'inet', [m(meta('mark'), { range: [1, 5] })], [match(M('mark'), { kind: 'element', element: { kind: 'range', low: 1n, high: 5n } })]],
  ['meta skuid 1000', 'inet', [m(meta('skuid'), 1000)], [match(M('skuid'), value(1000n))]],
  ['meta protocol ip6', 'netdev', [m(meta('protocol'), 'ip6')], [match(M('protocol'), value(0x86ddn))]],
  ['ip dscp cs1', 'ip', [m(payload('ip', 'dscp'), 'cs1')], [match(P('ip', 'dscp'), value(8n))]],
  ['ip saddr @nets4', 'ip', [m(payload('ip', 'saddr'), '@nets4')], [match(P('ip', 'saddr'), { kind: 'set', set: { kind: 'named', name: 'nets4' } })]],
  [
    'ip saddr . tcp dport { 10.0.0.1 . 22 }',
    'ip',
    [m({ concat: [payload('ip', 'saddr'), payload('tcp', 'dport')] }, { set: [{ concat: ['10.0.0.1', 22] }] })],
    [
      TCP,
      match(
        { kind: 'concat', parts: [P('ip', 'saddr'), P('tcp', 'dport')] },
        { kind: 'set', set: { kind: 'anonymous', entries: [{ key: { kind: 'concat', parts: [{ kind: 'value', value: 0x0a000001n }, { kind: 'value', value: 22n }] } }] } },
      ),
    ],
  ],
  ['meta mark set 0x1', 'inet', [mangle(meta('mark'), 1)], [{ kind: 'set', target: M('mark'), value: C(1n) }]],
  ['ct mark set meta mark', 'inet', [mangle(ct('mark'), meta('mark'))], [{ kind: 'set', target: { kind: 'ct', key: 'mark' }, value: M('mark') }]],
  // `meta mark set meta mark and 0xff00 xor 0x1` as nft 1.0.6 prints it back
  [
    'meta mark set (mark & 0xff01) | 1',
    'inet',
    [mangle(meta('mark'), { '|': [{ '&': [meta('mark'), 65281] }, 1] })],
    [{ kind: 'set', target: M('mark'), value: { kind: 'binop', op: '|', left: { kind: 'binop', op: '&', left: M('mark'), right: C(0xff01n) }, right: C(1n) } }],
  ],
  ['meta mark set meta mark << 2', 'inet', [mangle(meta('mark'), { '<<': [meta('mark'), 2] })], [{ kind: 'set', target: M('mark'), value: { kind: 'binop', op: '<<', left: M('mark'), right: C(2n) } }]],
  ['ip6 dscp set af21', 'inet', [mangle(payload('ip6', 'dscp'), 'af21')], [IPV6, { kind: 'set', target: P('ip6', 'dscp'), value: C(18n) }]],
  [
    'meta mark set numgen random mod 4 map { 0-2 : 0x1, 3 : 0x2 }',
    'inet',
    [mangle(meta('mark'), { map: { key: { numgen: { mode: 'random', mod: 4, offset: 0 } }, data: { set: [[{ range: [0, 2] }, 1], [3, 2]] } } })],
    [
      {
        kind: 'set',
        target: M('mark'),
        value: {
          kind: 'map',
          key: { kind: 'numgen', mode: 'random', mod: 4, offset: 0 },
          map: { kind: 'anonymous', entries: [{ key: { kind: 'range', low: 0n, high: 2n }, data: 1n }, { key: { kind: 'value', value: 3n }, data: 2n }] },
        },
      },
    ],
  ],
  ['meta mark set numgen inc mod 2 offset 100', 'inet', [mangle(meta('mark'), { numgen: { mode: 'inc', mod: 2, offset: 100 } })], [{ kind: 'set', target: M('mark'), value: { kind: 'numgen', mode: 'inc', mod: 2, offset: 100 } }]],
  [
    'meta mark set jhash … mod 2 seed 0xdead offset 1',
    'ip',
    [mangle(meta('mark'), { jhash: { mod: 2, seed: 57005, offset: 1, expr: { concat: [payload('ip', 'saddr'), payload('ip', 'daddr')] } } })],
    [{ kind: 'set', target: M('mark'), value: { kind: 'hash', mode: 'jhash', mod: 2, offset: 1, text: 'jhash ip saddr . ip daddr mod 2 seed 0xdead offset 1' } }],
  ],
  [
    'meta mark set ip saddr . tcp dport map @pm',
    'ip',
    [mangle(meta('mark'), { map: { key: { concat: [payload('ip', 'saddr'), payload('tcp', 'dport')] }, data: '@pm' } })],
    [TCP, { kind: 'set', target: M('mark'), value: { kind: 'map', key: { kind: 'concat', parts: [P('ip', 'saddr'), P('tcp', 'dport')] }, map: { kind: 'named', name: 'pm' } } }],
  ],
  ['iifname vmap @dispatch', 'inet', [{ vmap: { key: meta('iifname'), data: '@dispatch' } }], [{ kind: 'vmap', key: M('iifname'), map: { kind: 'named', name: 'dispatch' } }]],
  [
    'tcp dport vmap { 22 : accept, 24 : jump x }',
    'ip',
    [{ vmap: { key: payload('tcp', 'dport'), data: { set: [[22, { accept: null }], [24, { jump: { target: 'x' } }]] } } }],
    [TCP, { kind: 'vmap', key: P('tcp', 'dport'), map: { kind: 'anonymous', entries: [{ key: { kind: 'value', value: 22n }, data: { kind: 'accept' } }, { key: { kind: 'value', value: 24n }, data: { kind: 'jump', chain: 'x' } }] } }],
  ],
  ['goto', 'ip', [{ goto: { target: 'x' } }], [{ kind: 'verdict', verdict: { kind: 'goto', chain: 'x' } }]],
  ['queue (libnftables-json(5) form)', 'ip', [{ queue: { num: 3, flags: ['bypass'] } }], [{ kind: 'verdict', verdict: { kind: 'queue' } }]],
  ['reject', 'ip', [{ reject: null }], [{ kind: 'reject' }]],
  ['reject with icmpx admin-prohibited', 'inet', [{ reject: { type: 'icmpx', expr: 'admin-prohibited' } }], [{ kind: 'reject', with: 'icmpx admin-prohibited' }]],
  ['reject with tcp reset', 'inet', [{ reject: { type: 'tcp reset' } }], [{ kind: 'reject', with: 'tcp reset' }]],
  ['dnat ip to 10.0.0.2:80', 'inet', [{ dnat: { family: 'ip', addr: '10.0.0.2', port: 80 } }], [{ kind: 'nat', type: 'dnat', addr: C(0x0a000002n), port: C(80n) }]],
  [
    'dnat to a range of addresses and ports',
    'ip',
    [{ dnat: { addr: { range: ['10.0.0.2', '10.0.0.5'] }, port: { range: [80, 90] } } }],
    [{ kind: 'nat', type: 'dnat', addr: C(0x0a000002n), addrHigh: C(0x0a000005n), port: C(80n), portHigh: C(90n) }],
  ],
  ['snat to a prefix: its range', 'ip', [{ snat: { addr: { prefix: { addr: '203.0.113.0', len: 30 } } } }], [{ kind: 'nat', type: 'snat', addr: C(0xcb007100n), addrHigh: C(0xcb007103n) }]],
  ['snat ip6 to 2001:db8::100', 'inet', [{ snat: { family: 'ip6', addr: '2001:db8::100' } }], [{ kind: 'nat', type: 'snat', addr: C(0x20010db8000000000000000000000100n) }]],
  ['masquerade', 'ip', [{ masquerade: null }], [{ kind: 'nat', type: 'masquerade' }]],
  ['masquerade to :1024-2000 random', 'ip', [{ masquerade: { port: { range: [1024, 2000] }, flags: 'random' } }], [{ kind: 'nat', type: 'masquerade', port: C(1024n), portHigh: C(2000n) }]],
  ['redirect to :22', 'ip', [{ redirect: { port: 22 } }], [{ kind: 'nat', type: 'redirect', port: C(22n) }]],
  [
    'dnat to ip daddr map { … }',
    'inet',
    [{ dnat: { family: 'ip', addr: { map: { key: payload('ip', 'daddr'), data: { set: [['192.168.1.1', '10.0.0.3']] } } } } }],
    [IPV4, { kind: 'nat', type: 'dnat', addr: { kind: 'map', key: P('ip', 'daddr'), map: { kind: 'anonymous', entries: [{ key: { kind: 'value', value: 0xc0a80101n }, data: 0x0a000003n }] } } }],
  ],
  ['counter, log, notrack', 'ip', [{ counter: { packets: 0, bytes: 0 } }, { log: { prefix: 'new: ', level: 'info' } }, { notrack: null }], [{ kind: 'counter' }, { kind: 'log', prefix: 'new: ' }, { kind: 'notrack' }]],
  ['named counter, log without prefix', 'ip', [{ counter: 'cnt1' }, { log: { group: 2 } }], [{ kind: 'counter' }, { kind: 'log' }]],
];

test('convertRuleStatements: what pbr models, with nft’s implicit dependencies', () => {
  for (const [name, family, expr, expected] of CASES) {
    const converted = convertRuleStatements(expr, ctx(family));
    assert.deepEqual(converted.statements, expected, name);
    assert.deepEqual(converted.unknown, [], name);
  }
});

const UNKNOWN: readonly (readonly [string, NfFamily, unknown, string])[] = [
  ['xt match', 'ip', { xt: { type: 'match', name: 'conntrack' } }, 'xt match conntrack'],
  ['xt target', 'ip', { xt: { type: 'target', name: 'CONNMARK' } }, 'xt target CONNMARK'],
  ['limit', 'ip', { limit: { rate: 10, burst: 5, per: 'second' } }, 'limit rate 10/second'],
  ['quota', 'ip', { quota: { val: 100, val_unit: 'mbytes', inv: true } }, 'quota over 100 mbytes'],
  ['meter', 'ip', { meter: { key: payload('ip', 'saddr'), stmt: { limit: { rate: 10, per: 'second' } }, name: 'm1' } }, 'meter m1 { ip saddr limit rate 10/second }'],
  ['dynset', 'ip', { set: { op: 'add', elem: payload('ip', 'saddr'), set: '@blackhole' } }, 'add @blackhole { ip saddr }'],
  ['fib', 'inet', m({ fib: { result: 'type', flags: ['daddr'] } }, 'local'), 'fib daddr type local'],
  ['socket', 'inet', m({ socket: { key: 'transparent' } }, 1), 'socket transparent 1'],
  ['osf', 'inet', m({ osf: { key: 'name' } }, 'Linux'), 'osf name Linux'],
  ['exthdr exists', 'inet', m({ exthdr: { name: 'frag' } }, true), 'exthdr frag exists'],
  ['ct zone', 'inet', m(ct('zone'), 1), 'ct zone 1'],
  ['ct saddr without a family in an inet table', 'inet', m(ct('saddr', 'original'), '10.0.0.1'), 'ct original saddr 10.0.0.1'],
  ['meta cgroup', 'inet', m(meta('cgroup'), 1), 'meta cgroup 1'],
  ['ether saddr', 'bridge', m(payload('ether', 'saddr'), '00:11:22:33:44:55'), 'ether saddr 00:11:22:33:44:55'],
  ['raw payload', 'ip', m({ payload: { base: 'th', offset: 16, len: 16 } }, 22), '@th,16,16 22'],
  ['ip ttl set', 'ip', mangle(payload('ip', 'ttl'), 64), 'ip ttl set 64'],
  ['meta priority set', 'ip', mangle(meta('priority'), '1:2'), 'meta priority set 1:2'],
  ['tproxy', 'ip', { tproxy: { family: 'ip', addr: '127.0.0.1', port: 8080 } }, 'tproxy ip to 127.0.0.1:8080'],
  ['synproxy', 'ip', { synproxy: { mss: 1460, wscale: 7 } }, 'synproxy'],
  ['ct helper set', 'ip', { 'ct helper': 'ftp-std' }, 'ct helper set ftp-std'],
  ['fwd', 'netdev', { fwd: { dev: 'lo' } }, 'fwd to lo'],
  ['a set pbr could not read', 'ip', m(payload('ip', 'saddr'), '@broken'), 'ip saddr @broken'],
  ['a set that is not in the table', 'ip', m(payload('ip', 'saddr'), '@nosuch'), 'ip saddr @nosuch'],
  ['a map used as a set', 'ip', m(payload('ip', 'saddr'), '@marks'), 'ip saddr @marks'],
  ['vmap on a data map', 'ip', { vmap: { key: payload('ip', 'saddr'), data: '@marks' } }, 'ip saddr vmap @marks'],
  ['meta iif of a device that is gone', 'inet', m(meta('iif'), '3'), 'iif "3"'],
  ['snat with netmap', 'ip', { snat: { addr: { prefix: { addr: '10.0.0.0', len: 24 } }, flags: ['netmap'] } }, 'snat to 10.0.0.0/24 netmap'],
  ['dnat to a map of address . port', 'ip', { dnat: { addr: { map: { key: payload('ip', 'daddr'), data: { set: [['1.2.3.4', { concat: ['10.0.0.1', 80] }]] } } } } }, 'dnat to ip daddr map { 1.2.3.4 : 10.0.0.1 . 80 }'],
  ['ct original saddr 10.0.0.0/8 as nft 1.0.6 prints it', 'ip', m(ct('saddr', 'original'), '0.0.0.10'), 'ct original saddr 0.0.0.10'],
  ['ct original saddr 2001:db8::/32 as nft 1.0.6 prints it', 'ip6', m(ct('saddr', 'original'), '::32.1.13.184'), 'ct original saddr ::32.1.13.184'],
  ['unknown match operator', 'ip', m(meta('mark'), 1, '~'), 'meta mark ~ 0x00000001'],
];

test('convertRuleStatements: what pbr does not model becomes an unknown statement naming it', () => {
  for (const [name, family, json, text] of UNKNOWN) {
    const converted = convertRuleStatements([json, { accept: null }], ctx(family));
    assert.deepEqual(converted.statements, [{ kind: 'unknown', text }, accept], name);
    assert.equal(converted.unknown.length, 1, name);
    assert.ok(converted.unknown[0]?.startsWith(text), `${name}: ${converted.unknown[0]}`);
  }
});

test('convertRuleStatements: an unknown statement keeps the rest of the rule', () => {
  const converted = convertRuleStatements([m(meta('iifname'), 'wan1'), { limit: { rate: 5, per: 'minute' } }, mangle(meta('mark'), 2)], ctx('inet'));
  assert.deepEqual(converted.statements, [match(M('iifname'), value('wan1')), { kind: 'unknown', text: 'limit rate 5/minute' }, { kind: 'set', target: M('mark'), value: C(2n) }]);
  assert.deepEqual(converted.unknown, ['limit rate 5/minute (limit is not modelled)']);
});
