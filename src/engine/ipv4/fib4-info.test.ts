// Next hops as the FIB holds them: the gateway's nh_scope and the cached source of nexthop objects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RT_SCOPE_HOST, RT_TABLE_LOCAL } from '../../model/network-state.ts';
import { createEngine } from '../engine.ts';
import { query4, summarize, topologyB, type Ipv4StateBuilder } from './test-support.ts';

// ip route get prints "via" only for a gateway whose nh_scope is link: the scope of the route that resolved it when the route was added
test('a gateway shows as via only when a link-scope route resolved it (fib_check_nh_v4_gw, rt_set_nexthop)', () => {
  const rows: readonly (readonly [string, (b: Ipv4StateBuilder) => Ipv4StateBuilder, string, string])[] = [
    [
      'gateway in a connected subnet (link)',
      (b) => b.route({ dst: '192.0.2.0/24', via: '10.1.0.2', dev: 'b0' }),
      '192.0.2.7',
      'unicast via 10.1.0.2 dev b0 src 10.1.0.1',
    ],
    [
      'gateway inside a local route (host): no via, the local route device',
      (b) => b.route({ dst: '10.7.0.0/24', type: 'local', dev: 'lo', table: RT_TABLE_LOCAL }).route({ dst: '198.51.100.196', via: '10.7.0.252', dev: 'lo', src: '10.0.0.1' }),
      '198.51.100.196',
      'unicast dev lo src 10.0.0.1 <local>',
    ],
    [
      'gateway resolved through a scope-host default route, route in another table',
      (b) => b.route({ dst: 'default', dev: 'b0', scope: RT_SCOPE_HOST }).route({ dst: '192.0.2.202', via: '10.0.89.4', dev: 'b0', table: 101 }).rule({ priority: 100, table: 101 }),
      '192.0.2.202',
      'unicast dev b0 table 101 src 10.1.0.1',
    ],
    [
      "the route's own table is asked first: a link route there wins over main",
      (b) =>
        b
          .route({ dst: 'default', dev: 'b0', scope: RT_SCOPE_HOST })
          .route({ dst: '10.89.0.0/16', dev: 'b0', table: 101 })
          .route({ dst: '192.0.2.202', via: '10.89.0.4', dev: 'b0', table: 101 })
          .rule({ priority: 100, table: 101 }),
      '192.0.2.202',
      'unicast via 10.89.0.4 dev b0 table 101 src 10.1.0.1',
    ],
    [
      // the snapshot's routes are taken as there when the gateway route was added (a local route added later leaves via)
      'a local route over a connected subnet resolves the gateway first (local table): host',
      (b) => b.route({ dst: '10.1.0.0/24', type: 'local', dev: 'b0', table: RT_TABLE_LOCAL }).route({ dst: '203.0.113.0', via: '10.1.0.159', dev: 'b0', table: 253, src: '10.1.0.1' }),
      '203.0.113.0',
      'unicast dev b0 table 253 src 10.1.0.1',
    ],
    [
      'onlink: link whatever resolves the gateway',
      (b) => b.route({ dst: '10.7.0.0/24', type: 'local', dev: 'lo', table: RT_TABLE_LOCAL }).route({ dst: '198.51.100.0/24', via: '10.7.0.252', dev: 'a0', onlink: true }),
      '198.51.100.7',
      'unicast via 10.7.0.252 dev a0 src 10.0.0.1',
    ],
    [
      'a nexthop object through a local route: no via either',
      (b) =>
        b
          .route({ dst: '10.7.0.0/24', type: 'local', dev: 'lo', table: RT_TABLE_LOCAL })
          .nexthopObject({ id: 5, gateway: { family: 4, value: 0x0a0700fc }, dev: 'lo' })
          .route({ dst: '198.51.100.0/24', nhid: 5, src: '10.0.0.1' }),
      '198.51.100.7',
      'unicast dev lo src 10.0.0.1 <local>',
    ],
  ];
  for (const [name, build, q, want] of rows) {
    assert.equal(summarize(createEngine(build(topologyB()).build()).routeGet(query4(q))), want, name);
  }
});

test('forwarding reports the same gateway rule: no via through a scope-host route', () => {
  const engine = createEngine(
    topologyB()
      .sysctl('net.ipv4.conf.a0.forwarding', 1)
      .route({ dst: '172.16.0.0/16', dev: 'c0', scope: RT_SCOPE_HOST })
      .route({ dst: '192.0.2.0/24', via: '172.16.0.9', dev: 'c0' })
      .build(),
  );
  assert.equal(summarize(engine.routeGet(query4('192.0.2.7 from 10.0.0.2 iif a0'))), 'unicast dev c0');
});

test('a nexthop object caches its source with nh_scope - 1: a link-scope address serves a device-only next hop', () => {
  const state = () =>
    topologyB()
      .device('d0')
      .address('d0', '192.168.57.111/32', { scope: 253 })
      .nexthopObject({ id: 1, dev: 'd0' });
  const viaObject = createEngine(state().route({ dst: '8.8.8.0/24', nhid: 1 }).build());
  assert.equal(summarize(viaObject.routeGet(query4('8.8.8.231'))), 'unicast dev d0 src 192.168.57.111');
  // the same next hop written into the route caches its source with the route's scope (global): not the link address
  const plain = createEngine(state().route({ dst: '8.8.8.0/24', dev: 'd0', scope: 0 }).build());
  assert.notEqual(summarize(plain.routeGet(query4('8.8.8.231'))), 'unicast dev d0 src 192.168.57.111');
});
