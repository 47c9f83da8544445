// IPv6 multipath: next hops kernel 6.18.44 chose with a fixed fib_multipath_hash_seed, and the unseeded case.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatIp } from '../../addr/address.ts';
import type { RouteQuery } from '../../model/route-query.ts';
import { buildIpv6Context } from './context.ts';
import { ExplainSink } from '../explain.ts';
import { routeGet6 } from './route-get6.ts';
import { query6, threeLinkLab, type Ipv6StateBuilder } from './test-support.ts';

/** `DST [from F] [iif D] [ipproto tcp|udp] [sport N] [dport N]` as `ip -6 route get` takes it. */
function parseQuery(line: string): RouteQuery {
  const [dst = '', ...words] = line.split(' ');
  const more: Record<string, string | number> = {};
  for (let i = 0; i < words.length; i += 2) {
    const key = words[i] ?? '';
    const value = words[i + 1] ?? '';
    if (key === 'ipproto') more[key] = value === 'tcp' ? 6 : 17;
    else more[key] = key === 'sport' || key === 'dport' ? Number(value) : value;
  }
  return query6(dst, more);
}

function devOf(state: Ipv6StateBuilder, query: RouteQuery): string {
  const a = routeGet6(buildIpv6Context(state.build()), query, new ExplainSink());
  assert.ok(a.ok, 'lookup failed');
  return a.route.dev;
}

// seed 777; 2001:db8:9::/48 nexthop via b::2 weight 1, via c::2 weight 2, via a::2 weight 3
const weighted = () =>
  threeLinkLab()
    .sysctl('net/ipv4/fib_multipath_hash_seed', 777)
    .route({ dst: '2001:db8:9::/48', nexthops: [['2001:db8:b::2', 'b0', 1], ['2001:db8:c::2', 'c0', 2], ['2001:db8:a::2', 'a0', 3]] });

// [query, device with policy 0, policy 1, policy 3 with fib_multipath_hash_fields 0x32]
const RECORDED: readonly (readonly [string, string, string, string])[] = [
  ['2001:db8:9:82c9::b791', 'b0', 'b0', 'b0'],
  ['2001:db8:9:82c9::b791 from 2001:db8:a::cb92', 'c0', 'c0', 'b0'],
  ['2001:db8:9:82c9::b791 iif b0 from 2001:db8:b::b0c2', 'c0', 'c0', 'b0'],
  ['2001:db8:9:82c9::b791 ipproto udp sport 61765 dport 55150', 'c0', 'a0', 'c0'],
  ['2001:db8:9:82c9::b791 iif c0 ipproto tcp sport 48490 dport 42732', 'a0', 'a0', 'a0'],
  ['2001:db8:9:ed9::ee66', 'c0', 'c0', 'c0'],
  ['2001:db8:9:ed9::ee66 from 2001:db8:a::c6a6', 'a0', 'a0', 'c0'],
  ['2001:db8:9:ed9::ee66 iif b0 from 2001:db8:b::f180', 'a0', 'a0', 'c0'],
  ['2001:db8:9:ed9::ee66 ipproto udp sport 16322 dport 42532', 'a0', 'c0', 'a0'],
  ['2001:db8:9:ed9::ee66 iif c0 ipproto tcp sport 3399 dport 59042', 'b0', 'a0', 'c0'],
  ['2001:db8:9:504e::39f6', 'c0', 'c0', 'c0'],
  ['2001:db8:9:504e::39f6 from 2001:db8:a::5f2e', 'b0', 'b0', 'c0'],
  ['2001:db8:9:504e::39f6 iif b0 from 2001:db8:b::7815', 'b0', 'b0', 'c0'],
  ['2001:db8:9:504e::39f6 ipproto udp sport 56915 dport 16160', 'b0', 'b0', 'a0'],
  ['2001:db8:9:504e::39f6 iif c0 ipproto tcp sport 24954 dport 35636', 'a0', 'a0', 'c0'],
  ['2001:db8:9:3435::7fa8', 'a0', 'a0', 'a0'],
  ['2001:db8:9:3435::7fa8 from 2001:db8:a::35c', 'b0', 'b0', 'a0'],
  ['2001:db8:9:3435::7fa8 iif b0 from 2001:db8:b::bb2f', 'a0', 'a0', 'a0'],
  ['2001:db8:9:3435::7fa8 ipproto udp sport 14204 dport 26749', 'a0', 'c0', 'b0'],
  ['2001:db8:9:3435::7fa8 iif c0 ipproto tcp sport 18317 dport 11933', 'c0', 'c0', 'a0'],
  ['2001:db8:9:c764::51b7', 'c0', 'c0', 'c0'],
  ['2001:db8:9:c764::51b7 from 2001:db8:a::c30e', 'a0', 'a0', 'c0'],
  ['2001:db8:9:c764::51b7 iif b0 from 2001:db8:b::cc12', 'c0', 'c0', 'c0'],
  ['2001:db8:9:c764::51b7 ipproto udp sport 4715 dport 9095', 'a0', 'a0', 'b0'],
  ['2001:db8:9:c764::51b7 iif c0 ipproto tcp sport 40497 dport 40466', 'c0', 'a0', 'c0'],
  ['2001:db8:9:e3c1::40de', 'c0', 'c0', 'c0'],
  ['2001:db8:9:e3c1::40de from 2001:db8:a::21db', 'a0', 'a0', 'c0'],
  ['2001:db8:9:e3c1::40de iif b0 from 2001:db8:b::75', 'c0', 'c0', 'c0'],
  ['2001:db8:9:e3c1::40de ipproto udp sport 63724 dport 57109', 'c0', 'a0', 'b0'],
  ['2001:db8:9:e3c1::40de iif c0 ipproto tcp sport 349 dport 13727', 'b0', 'c0', 'c0'],
];

const POLICIES: readonly (readonly [string, (b: Ipv6StateBuilder) => Ipv6StateBuilder, number])[] = [
  ['policy 0 (addresses, flow label, next header)', (b) => b, 1],
  ['policy 1 (addresses, ports, protocol)', (b) => b.sysctl('net/ipv6/fib_multipath_hash_policy', 1), 2],
  ['policy 3, fields 0x32 (destination, ports)', (b) => b.sysctl('net/ipv6/fib_multipath_hash_policy', 3).sysctl('net/ipv6/fib_multipath_hash_fields', 0x32), 3],
];

for (const [name, configure, column] of POLICIES) {
  test(`seeded ECMP, ${name}: the kernel's next hop for each recorded flow`, () => {
    const state = configure(weighted());
    for (const row of RECORDED) assert.equal(devOf(state, parseQuery(row[0])), row[column], row[0]);
  });
}

// seed 99; 2001:db8:9::/48 nexthop via b::2 weight 2, via c::2 weight 1 (recorded for ::1 … ::7)
test('seeded ECMP with weights 2:1', () => {
  const state = threeLinkLab()
    .sysctl('net/ipv4/fib_multipath_hash_seed', 99)
    .route({ dst: '2001:db8:9::/48', nexthops: [['2001:db8:b::2', 'b0', 2], ['2001:db8:c::2', 'c0', 1]] });
  const got = [1, 2, 3, 4, 5, 6, 7].map((i) => devOf(state, query6(`2001:db8:9::${i}`)));
  assert.deepEqual(got, ['b0', 'b0', 'c0', 'b0', 'b0', 'c0', 'b0']);
});

const seeded99 = () =>
  threeLinkLab()
    .sysctl('net/ipv4/fib_multipath_hash_seed', 99)
    .route({ dst: 'default', via: '2001:db8:a::2', dev: 'a0', metric: 30 })
    .route({ dst: '2001:db8:9::/48', nexthops: [['2001:db8:b::2', 'b0', 2], ['2001:db8:c::2', 'c0', 1]] });

test('oif and ECMP: strict oif keeps its sibling even where the hash points elsewhere', () => {
  assert.equal(devOf(seeded99(), query6('2001:db8:9::3', { oif: 'b0' })), 'b0');
  assert.equal(devOf(seeded99(), query6('2001:db8:9::1', { oif: 'c0' })), 'c0');
});

test('oif with from: the hash may leave the oif (fib6_select_path runs without an oif match)', () => {
  // recorded: "2001:db8:9::3 oif b0 from 2001:db8:b::1" → via c::2 dev c0
  assert.equal(devOf(seeded99(), query6('2001:db8:9::3', { oif: 'b0', from: '2001:db8:b::1' })), 'c0');
});

test('oif on no sibling: strict lookup falls to the default route via a0', () => {
  const a = routeGet6(buildIpv6Context(seeded99().build()), query6('2001:db8:9::1', { oif: 'a0' }), new ExplainSink());
  assert.ok(a.ok);
  assert.equal(a.route.metric, 30);
});

test('a sibling behind a FAILED neighbour is left for the first usable one (all flows via a0)', () => {
  const state = weighted().neighbour('b0', '2001:db8:b::2', 'FAILED').neighbour('c0', '2001:db8:c::2', 'FAILED');
  for (const row of RECORDED) assert.equal(devOf(state, parseQuery(row[0])), 'a0', row[0]);
});

test('without a seed every usable sibling is a candidate', () => {
  const state = threeLinkLab().route({ dst: '2001:db8:9::/48', nexthops: [['2001:db8:b::2', 'b0', 1], ['2001:db8:c::2', 'c0', 2], ['2001:db8:a::2', 'a0', 3]] });
  const a = routeGet6(buildIpv6Context(state.build()), query6('2001:db8:9::1'), new ExplainSink());
  assert.ok(a.ok);
  assert.deepEqual(
    a.candidates?.map((c) => [c.gateway ? formatIp(c.gateway) : '', c.dev, c.weight]),
    [
      ['2001:db8:b::2', 'b0', 1],
      ['2001:db8:c::2', 'c0', 2],
      ['2001:db8:a::2', 'a0', 3],
    ],
  );
  assert.ok(a.explain.some((s) => s.kind === 'note' && s.text.includes('fib_multipath_hash_seed')));
});

test('without a seed a dead sibling is no candidate', () => {
  const state = threeLinkLab()
    .route({ dst: '2001:db8:9::/48', nexthops: [['2001:db8:b::2', 'b0', 1], ['2001:db8:c::2', 'c0', 1]] })
    .route({ dst: '2001:db8:8::/48', nexthops: [['2001:db8:b::2', 'b0', 1]], dead: true });
  const a = routeGet6(buildIpv6Context(state.build()), query6('2001:db8:9::1'), new ExplainSink());
  assert.ok(a.ok);
  assert.deepEqual(a.candidates?.map((c) => c.dev), ['b0', 'c0']);
});

// seed 4242; nexthop 4 via a::4 dev a0, 5 via b::5 dev b0, group 11 = 4/5,2; route 2001:db8:8::/48 nhid 11
const groupState = () =>
  threeLinkLab()
    .sysctl('net/ipv4/fib_multipath_hash_seed', 4242)
    .nexthopObject({ id: 4, gateway: { family: 6, value: 0x20010db8000a00000000000000000004n }, dev: 'a0' })
    .nexthopObject({ id: 5, gateway: { family: 6, value: 0x20010db8000b00000000000000000005n }, dev: 'b0' })
    .nexthopObject({ id: 11, group: [{ id: 4, weight: 1 }, { id: 5, weight: 2 }], groupType: 'mpath' })
    .route({ dst: '2001:db8:8::/48', nhid: 11 });

test('nexthop group: recorded members, source from the first member device', () => {
  const ctx = buildIpv6Context(groupState().build());
  const got = [1, 2, 3, 4, 5].map((i) => {
    const a = routeGet6(ctx, query6(`2001:db8:8::${i}`), new ExplainSink());
    assert.ok(a.ok);
    return `${a.route.dev} ${a.route.prefsrc ? formatIp(a.route.prefsrc) : ''}`;
  });
  assert.deepEqual(got, ['b0 2001:db8:a::1', 'b0 2001:db8:a::1', 'a0 2001:db8:a::1', 'a0 2001:db8:a::1', 'a0 2001:db8:a::1']);
});

test('nexthop group: a member whose neighbour is not valid is skipped', () => {
  const state = groupState().neighbour('b0', '2001:db8:b::5', 'INCOMPLETE');
  for (const i of [1, 2, 3]) assert.equal(devOf(state, query6(`2001:db8:8::${i}`)), 'a0');
});

test('blackhole nexthop object → Invalid argument', () => {
  const state = threeLinkLab().nexthopObject({ id: 20, blackhole: true }).route({ dst: '2001:db8:7::/48', nhid: 20 });
  const a = routeGet6(buildIpv6Context(state.build()), query6('2001:db8:7::1'), new ExplainSink());
  assert.equal(a.ok ? 'ok' : a.errno, 'EINVAL');
});

test('fibmatch lists the siblings starting with the chosen one', () => {
  const ctx = buildIpv6Context(seeded99().build());
  const a = routeGet6(ctx, query6('2001:db8:9::3', { fibmatch: true }), new ExplainSink());
  assert.ok(a.ok);
  assert.equal(a.route.prefixLength, 48);
  assert.deepEqual(a.route.nexthops?.map((n) => `${n.dev} ${n.weight}`), ['c0 1', 'b0 2']);
  const b = routeGet6(ctx, query6('2001:db8:9::1', { fibmatch: true }), new ExplainSink());
  assert.ok(b.ok);
  assert.deepEqual(b.route.nexthops?.map((n) => `${n.dev} ${n.weight}`), ['b0 2', 'c0 1']);
});

test('a blackhole nexthop later in the leaf overrides a usable route of the same metric', () => {
  // recorded: "2001:db8:8::/48 dev b0" then "append 2001:db8:8::/48 nhid 300" (blackhole) → Invalid argument;
  // ip -6 route shows the second one as "blackhole 2001:db8:8::/48 nhid 300 dev lo"
  const state = threeLinkLab()
    .route({ dst: '2001:db8:8::/48', dev: 'b0' })
    .nexthopObject({ id: 300, blackhole: true })
    .route({ dst: '2001:db8:8::/48', type: 'blackhole', nhid: 300 });
  const ctx = buildIpv6Context(state.build());
  for (const q of [query6('2001:db8:8::1'), query6('2001:db8:8::1', { iif: 'b0', from: '2001:db8:a::1' }), query6('2001:db8:8::1', { fibmatch: true })]) {
    const a = routeGet6(ctx, q, new ExplainSink());
    assert.equal(a.ok ? 'ok' : a.errno, 'EINVAL');
  }
});
