// The order in which the fib6 tree is searched: longest prefix, source subtrees, backtracking.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatRouteDst } from '../../addr/prefix.ts';
import { Fib6Table } from './fib6-table.ts';
import { ip6, Ipv6StateBuilder } from './test-support.ts';

function tableOf(b: Ipv6StateBuilder): Fib6Table {
  const state = b.build();
  return new Fib6Table(254, state.routes.filter((r) => r.table === 254), () => undefined);
}

function visit(t: Fib6Table, daddr: string, saddr = '::'): string[] {
  return t.nodesFor(ip6(daddr), ip6(saddr)).map((n) => `${formatRouteDst(n.dst)}${n.src ? ` from ${formatRouteDst(n.src)}` : ''}`);
}

const tree = () =>
  new Ipv6StateBuilder()
    .device('a0', 'fe80::a0')
    .route({ dst: 'default', via: 'fe80::1', dev: 'a0' })
    .route({ dst: '2001:db8:9::/48', via: 'fe80::2', dev: 'a0' })
    .route({ dst: '2001:db8:9::/48', from: '2001:db8:c::/64', via: 'fe80::3', dev: 'a0' })
    .route({ dst: '2001:db8:9::/48', from: '2001:db8:c::/48', via: 'fe80::4', dev: 'a0' })
    .route({ dst: '2001:db8:9:1::/64', via: 'fe80::5', dev: 'a0' })
    .route({ dst: '::/0', from: '2001:db8:d::/64', via: 'fe80::6', dev: 'a0' });

const cases: readonly (readonly [string, string, string, readonly string[]])[] = [
  ['plain longest match, then its parents', '2001:db8:9:1::1', '::', ['2001:db8:9:1::/64', '2001:db8:9::/48', 'default']],
  [
    'backtracking from a plain node enters the parent subtree first',
    '2001:db8:9:1::1',
    '2001:db8:c::1',
    ['2001:db8:9:1::/64', '2001:db8:9::/48 from 2001:db8:c::/64', '2001:db8:9::/48 from 2001:db8:c::/48', '2001:db8:9::/48', 'default'],
  ],
  [
    'a matching source starts in the subtree, longest source first',
    '2001:db8:9::1',
    '2001:db8:c::1',
    ['2001:db8:9::/48 from 2001:db8:c::/64', '2001:db8:9::/48 from 2001:db8:c::/48', '2001:db8:9::/48', 'default'],
  ],
  ['no matching source: the plain routes of that node are skipped', '2001:db8:9::1', '2001:db8:a::1', ['default']],
  ['the root subtree with a matching source', '2001:db8:7::1', '2001:db8:d::1', ['default from 2001:db8:d::/64', 'default']],
  ['the root without a matching source still offers its plain routes', '2001:db8:7::1', '::', ['default']],
];

for (const [name, daddr, saddr, expect] of cases) {
  test(name, () => assert.deepEqual(visit(tableOf(tree()), daddr, saddr), expect));
}

test('an empty table visits nothing', () => {
  assert.deepEqual(visit(new Fib6Table(100, [], () => undefined), '2001:db8::1'), []);
});

test('leaf order: metric, then insertion; a multipath route is one entry per next hop, siblings of each other', () => {
  const t = tableOf(
    new Ipv6StateBuilder()
      .device('a0', 'fe80::a0')
      .route({ dst: '2001:db8:9::/48', via: 'fe80::2', dev: 'a0', metric: 20 })
      .route({ dst: '2001:db8:9::/48', nexthops: [['fe80::3', 'a0'], ['fe80::4', 'a0']], metric: 10 })
      .route({ dst: '2001:db8:9::/48', dev: 'a0', metric: 10 }),
  );
  const [node] = t.nodesFor(ip6('2001:db8:9::1'), ip6('::'));
  assert.deepEqual(
    node?.entries.map((e) => `${e.metric} ${e.nh?.gateway ? 'gw' : 'dev'} ${e.siblings.length}`),
    ['10 gw 2', '10 gw 2', '10 dev 1', '20 gw 1'],
  );
});
