import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ip, nexthop, route, state } from '../../test/render/test-state.ts';
import { renderRouteShow } from './route-show.ts';

// expected lines are what iproute2 6.1 printed for the same routes on kernel 6.18

test('route attributes print in print_route() order', () => {
  const s = state({
    routes: [
      route('10.5.0.0/16', { nexthops: [nexthop('2001:db8:b::2', 'b0')] }),
      route('10.6.0.0/16', {
        nexthops: [nexthop('10.1.0.2', 'b0')],
        realms: (3 << 16) | 5,
        metrics: [
          { name: 'mtu', value: 1400, lock: true },
          { name: 'rtt', value: 1500, lock: false },
          { name: 'rttvar', value: 300, lock: false },
          { name: 'hoplimit', value: 5, lock: false },
        ],
      }),
      route('10.7.0.0/16', {
        nexthops: [nexthop('10.1.0.2', 'b0')],
        realms: 7,
        metrics: [
          { name: 'initcwnd', value: 10, lock: false },
          { name: 'ecn', value: '', lock: false },
          { name: 'congestion', value: 'cubic', lock: false },
        ],
      }),
      route('10.8.0.0/16', { nexthops: [nexthop('10.1.0.2', 'b0'), nexthop('10.2.0.2', 'c0', { dead: true, linkdown: true })] }),
      route('2001:db8:44::/48', { nexthops: [nexthop('2001:db8:b::2', 'b0')], expires: 99 }),
    ],
  });
  assert.equal(
    renderRouteShow(s, { json: false }),
    [
      '10.5.0.0/16 via inet6 2001:db8:b::2 dev b0 ',
      '10.6.0.0/16 via 10.1.0.2 dev b0 realms 3/5 mtu lock 1400 rtt 1.5s rttvar 300ms hoplimit 5 ',
      '10.7.0.0/16 via 10.1.0.2 dev b0 realm 7 initcwnd 10 features ecn congctl cubic ',
      '10.8.0.0/16 ',
      '\tnexthop via 10.1.0.2 dev b0 weight 1 ',
      '\tnexthop via 10.2.0.2 dev c0 weight 1 dead linkdown ',
      '',
    ].join('\n'),
  );
  assert.equal(
    renderRouteShow(s, { json: true }),
    '[{"dst":"10.5.0.0/16","via":{"family":"inet6","host":"2001:db8:b::2"},"dev":"b0","flags":[]},' +
      '{"dst":"10.6.0.0/16","gateway":"10.1.0.2","dev":"b0","flags":[],"flow":{"from":"3","to":"5"},"metrics":[{"mtu":1400,"rtt":1500,"rttvar":300,"hoplimit":5}]},' +
      '{"dst":"10.7.0.0/16","gateway":"10.1.0.2","dev":"b0","flags":[],"flow":{"to":"7"},"metrics":[{"initcwnd":10,"ecn":null,"congestion":"cubic"}]},' +
      '{"dst":"10.8.0.0/16","flags":[],"nexthops":[{"gateway":"10.1.0.2","dev":"b0","weight":1,"flags":[]},{"gateway":"10.2.0.2","dev":"c0","weight":1,"flags":["dead","linkdown"]}]}]\n',
  );
  assert.equal(
    renderRouteShow(s, { json: false, family: 6 }),
    '2001:db8:44::/48 via 2001:db8:b::2 dev b0 metric 1024 expires 99sec pref medium\n',
  );
});

test('table filters: main by default, one table without "table X", all with it', () => {
  const s = state({
    routes: [
      route('0.0.0.0/0', { nexthops: [nexthop('10.2.0.2', 'c0')], table: 100, metric: 50 }),
      route('0.0.0.0/0', { nexthops: [nexthop('10.1.0.2', 'b0')] }),
      route('10.0.0.1/32', { type: 'local', table: 255, protocol: 'kernel', scope: 254, prefsrc: ip('10.0.0.1'), nexthops: [nexthop(undefined, 'a0')] }),
      route('::/0', { nexthops: [nexthop('2001:db8:b::2', 'b0')] }),
      route('2001:db8:7::/48', { type: 'unreachable' }),
    ],
  });
  assert.equal(renderRouteShow(s, { json: false }), 'default via 10.1.0.2 dev b0 \n');
  assert.equal(renderRouteShow(s, { json: false, table: 100 }), 'default via 10.2.0.2 dev c0 metric 50 \n');
  assert.equal(renderRouteShow(s, { json: false, table: 7 }), '');
  assert.equal(renderRouteShow(s, { json: true, table: 7 }), '[]\n');
  assert.equal(
    renderRouteShow(s, { json: false, table: 'all' }),
    [
      'default via 10.2.0.2 dev c0 table 100 metric 50 ',
      'default via 10.1.0.2 dev b0 ',
      'local 10.0.0.1 dev a0 table local proto kernel scope host src 10.0.0.1 ',
      'default via 2001:db8:b::2 dev b0 metric 1024 pref medium',
      'unreachable 2001:db8:7::/48 dev lo metric 1024 pref medium',
      '',
    ].join('\n'),
  );
  assert.equal(
    renderRouteShow(s, { json: false, table: 'all', family: 4, details: true }),
    [
      'unicast default via 10.2.0.2 dev c0 table 100 proto boot scope global metric 50 ',
      'unicast default via 10.1.0.2 dev b0 table main proto boot scope global ',
      'local 10.0.0.1 dev a0 table local proto kernel scope host src 10.0.0.1 ',
      '',
    ].join('\n'),
  );
});

test('nexthop objects supply the next hops of nhid routes', () => {
  const s = state({
    nexthopObjects: [
      { id: 10, gateway: ip('10.2.0.2'), dev: 'c0', onlink: false, blackhole: false, fdb: false, dead: false, linkdown: false },
      { id: 11, gateway: ip('10.0.0.2'), dev: 'a0', onlink: false, blackhole: false, fdb: false, dead: false, linkdown: true },
      { id: 20, onlink: false, blackhole: false, fdb: false, dead: false, linkdown: false, group: [{ id: 10, weight: 1 }, { id: 11, weight: 3 }], groupType: 'mpath' },
    ],
    routes: [route('100.64.0.0/16', { nhid: 10 }), route('100.65.0.0/16', { nhid: 20 })],
  });
  assert.equal(
    renderRouteShow(s, { json: false }),
    [
      '100.64.0.0/16 nhid 10 via 10.2.0.2 dev c0 ',
      '100.65.0.0/16 nhid 20 ',
      '\tnexthop via 10.2.0.2 dev c0 weight 1 ',
      '\tnexthop via 10.0.0.2 dev a0 weight 3 linkdown ',
      '',
    ].join('\n'),
  );
});

test('a nexthop group of one member: IPv4 prints the member at top level, IPv6 as a nexthop list (recorded on 6.18)', () => {
  const member = (id: number, gateway: string, dev: string) => ({ id, gateway: ip(gateway), dev, onlink: true, blackhole: false, fdb: false, dead: false, linkdown: false });
  const group = (id: number, of: number, weight: number) => ({ id, onlink: false, blackhole: false, fdb: false, dead: false, linkdown: false, group: [{ id: of, weight }], groupType: 'mpath' as const });
  const s = state({
    nexthopObjects: [member(1, '10.0.0.2', 'a0'), member(22, '2001:db8:b::2', 'b0'), group(10, 1, 1), group(30, 22, 2)],
    routes: [route('172.16.0.0/16', { nhid: 10 }), route('2001:db8:100::/64', { nhid: 30 })],
  });
  assert.equal(renderRouteShow(s, { json: false }), '172.16.0.0/16 nhid 10 via 10.0.0.2 dev a0 onlink \n');
  assert.equal(renderRouteShow(s, { json: false, family: 6 }), '2001:db8:100::/64 nhid 30 metric 1024 pref medium\n\tnexthop via 2001:db8:b::2 dev b0 weight 2 onlink \n');
});
