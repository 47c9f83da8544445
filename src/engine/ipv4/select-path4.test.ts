// Multipath and default-gateway selection, against next hops kernel 6.18 chose (spec §5, E18).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEngine } from '../engine.ts';
import type { RouteAnswer } from '../../model/route-query.ts';
import { query4, topologyB, type Ipv4StateBuilder } from './test-support.ts';

const letter: Record<string, string> = { '10.1.0.2': 'b', '10.2.0.2': 'c', '10.1.0.3': 'B', '10.0.0.2': 'a' };

function gatewayLetter(a: RouteAnswer): string {
  if (!a.ok || a.route.gateway?.family !== 4) return '?';
  const v = a.route.gateway.value;
  return letter[`${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`] ?? '?';
}

/** Next hop letters for 192.0.2.1 … 192.0.2.24 with the query suffix. */
function sequence(state: Ipv4StateBuilder, suffix = ''): string {
  const engine = createEngine(state.build());
  return Array.from({ length: 24 }, (_, i) => gatewayLetter(engine.routeGet(query4(`192.0.2.${i + 1} ${suffix}`)))).join('');
}

const weights3to1to2 = (seed: number) =>
  topologyB()
    .device('c1')
    .sysctl('net.ipv4.fib_multipath_hash_seed', seed)
    .sysctl('net.ipv4.conf.c1.forwarding', 1)
    .route({ dst: '192.0.2.0/24', nexthops: [['10.1.0.2', 'b0', 3], ['10.2.0.2', 'c0', 1], ['10.0.0.2', 'a0', 2]] });

const fourWay = () =>
  topologyB()
    .sysctl('net.ipv4.fib_multipath_hash_seed', 4242)
    .route({ dst: '192.0.2.0/24', nexthops: [['10.1.0.2', 'b0', 2], ['10.2.0.2', 'c0', 1], ['10.1.0.3', 'b0', 1], ['10.0.0.2', 'a0', 3]] });

const group = () =>
  topologyB()
    .sysctl('net.ipv4.fib_multipath_hash_seed', 99)
    .nexthopObject({ id: 1, gateway: { family: 4, value: 0x0a010002 }, dev: 'b0' })
    .nexthopObject({ id: 2, gateway: { family: 4, value: 0x0a020002 }, dev: 'c0' })
    .nexthopObject({ id: 3, gateway: { family: 4, value: 0x0a000002 }, dev: 'a0' })
    .nexthopObject({ id: 10, group: [{ id: 1, weight: 2 }, { id: 2, weight: 1 }, { id: 3, weight: 3 }], groupType: 'mpath' })
    .route({ dst: '192.0.2.0/24', nhid: 10 });

test('multipath next hops as kernel 6.18 chose them for 192.0.2.1-24', () => {
  const cases: readonly (readonly [string, () => Ipv4StateBuilder, string, string])[] = [
    ['seed 777, weights 3:1:2', () => weights3to1to2(777), '', 'bbacaaaabbbbbbabccabbbcb'],
    // the next hop whose cached source equals `from` wins whatever the hash (6.16+)
    ['seed 777, from the a0 next hop\'s source', () => weights3to1to2(777), 'from 10.0.0.1', 'aaaaaaaaaaaaaaaaaaaaaaaa'],
    ['seed 777, input path', () => weights3to1to2(777), 'from 10.2.0.9 iif c1', 'caaacbabbbcbbbcaaabbacac'],
    ['seed 4242, 2:1:1:3, no from', fourWay, '', 'abbBcacaacBaaacaaaacaBbc'],
    // two next hops share the cached source: the hash decides between them (score 3 beats 2)
    ['seed 4242, from 10.1.0.1', fourWay, 'from 10.1.0.1', 'bBbBbbbbbbBbbbbBbbbbBbBB'],
    ['seed 4242, from 10.2.0.1', fourWay, 'from 10.2.0.1', 'cccccccccccccccccccccccc'],
    ['seed 4242, use_neigh with 10.1.0.2 FAILED', () => fourWay().sysctl('net.ipv4.fib_multipath_use_neigh', 1).neighbour('b0', '10.1.0.2', 'FAILED'), '', 'accBcacaacBaaacaaaacaBcc'],
    ['seed 4242, use_neigh, from 10.1.0.1', () => fourWay().sysctl('net.ipv4.fib_multipath_use_neigh', 1).neighbour('b0', '10.1.0.2', 'FAILED'), 'from 10.1.0.1', 'BBBBBBBBBBBBBBBBBBBBBBBB'],
    ['nexthop group 1,2/2/3,3 seed 99', group, '', 'cabbaaaabababbaacbaaabaa'],
    // groups ignore the cached source; `from` only changes the hash
    ['nexthop group, from 10.0.0.1', group, 'from 10.0.0.1', 'aaaacbbbbbaaaaabcaabbcaa'],
    // group members with an invalid neighbour are skipped whatever use_neigh says
    ['nexthop group, 10.0.0.2 FAILED', () => group().neighbour('a0', '10.0.0.2', 'FAILED'), '', 'cbbbbbbbbbbbbbbbcbbbbbbb'],
  ];
  for (const [name, state, suffix, want] of cases) assert.equal(sequence(state(), suffix), want, name);
});

test('before 6.16 the cached source does not matter: the hash alone decides', () => {
  const hashOnly = sequence(weights3to1to2(777).kernel('6.12.57'), 'from 10.0.0.1');
  assert.notEqual(hashOnly, 'aaaaaaaaaaaaaaaaaaaaaaaa');
  assert.match(hashOnly, /b/);
});

test('without a hash seed every possible next hop is listed', () => {
  const engine = createEngine(weights3to1to2(0).build());
  const a = engine.routeGet(query4('192.0.2.1'), { explain: true });
  assert.ok(a.ok);
  assert.deepEqual(a.candidates?.map((c) => c.dev), ['b0', 'c0', 'a0']);
  assert.ok(a.explain.some((s) => s.kind === 'note' && /fib_multipath_hash_seed/.test(s.text)));
  // only one next hop has the cached source 10.2.0.1: no choice left (6.16+)
  const pinned = engine.routeGet(query4('192.0.2.1 from 10.2.0.1'));
  assert.ok(pinned.ok);
  assert.equal(pinned.candidates, undefined);
  assert.equal(pinned.route.dev, 'c0');
  // policy 3 (custom fields) is not reproduced either
  const custom = createEngine(weights3to1to2(777).sysctl('net.ipv4.fib_multipath_hash_policy', 3).build()).routeGet(query4('192.0.2.1'));
  assert.ok(custom.ok);
  assert.equal(custom.candidates?.length, 3);
  // with an oif there is no multipath selection at all
  const withOif = engine.routeGet(query4('192.0.2.1 oif a0'));
  assert.ok(withOif.ok);
  assert.equal(withOif.candidates, undefined);
  assert.equal(withOif.route.dev, 'a0');
});

test('default gateway selection among equal default routes follows neighbour states', () => {
  // kernel 6.18, three default routes (b0, c0, a0) added in that order, fresh (fa_default = -1) or not
  const base = () =>
    topologyB()
      .route({ dst: 'default', via: '10.1.0.2', dev: 'b0' })
      .route({ dst: 'default', via: '10.2.0.2', dev: 'c0' })
      .route({ dst: 'default', via: '10.0.0.2', dev: 'a0' });
  const cases: readonly (readonly [string, readonly (readonly [string, string, string])[], string, string | undefined])[] = [
    ['no neighbour entries: the first', [], 'b0', undefined],
    ['first REACHABLE', [['b0', '10.1.0.2', 'REACHABLE'], ['c0', '10.2.0.2', 'FAILED']], 'b0', undefined],
    ['first FAILED, second REACHABLE', [['b0', '10.1.0.2', 'FAILED'], ['c0', '10.2.0.2', 'REACHABLE']], 'c0', undefined],
    ['both FAILED: the last is alive (no entry)', [['b0', '10.1.0.2', 'FAILED'], ['c0', '10.2.0.2', 'FAILED']], 'a0', undefined],
    ['INCOMPLETE then REACHABLE', [['b0', '10.1.0.2', 'INCOMPLETE'], ['c0', '10.2.0.2', 'REACHABLE']], 'c0', undefined],
    // a STALE gateway is alive unless it was the one chosen last time: history the snapshot lacks
    ['first STALE', [['b0', '10.1.0.2', 'STALE'], ['c0', '10.2.0.2', 'REACHABLE']], 'b0', 'b0,c0'],
  ];
  for (const [name, neighbours, dev, candidates] of cases) {
    const b = base();
    for (const [d, addr, st] of neighbours) b.neighbour(d, addr, st);
    const a = createEngine(b.build()).routeGet(query4('198.51.100.1'));
    assert.ok(a.ok, name);
    assert.equal(a.route.dev, dev, name);
    assert.equal(a.candidates?.map((c) => c.dev).join(','), candidates, name);
  }
});

test('default gateway selection needs more than one default route in the same table and no oif', () => {
  const engine = createEngine(
    topologyB()
      .neighbour('b0', '10.1.0.2', 'FAILED')
      .route({ dst: 'default', via: '10.1.0.2', dev: 'b0' })
      .route({ dst: 'default', via: '10.2.0.2', dev: 'c0', table: 100 })
      .build(),
  );
  const a = engine.routeGet(query4('198.51.100.1'));
  assert.ok(a.ok);
  assert.equal(a.route.dev, 'b0');
});
