// Candidate order inside a table and the per-candidate checks (spec §4.1, §4.2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEngine } from '../engine.ts';
import { query4, summarize, topologyB } from './test-support.ts';

test('candidate order: prefix length, then (merged trie) local before main, tos before tos 0, metric, list order', () => {
  const engine = createEngine(
    topologyB()
      // same /32 as the local route of 10.0.0.1: in the merged trie the local alias (table 255) comes first
      .route({ dst: '10.0.0.1', via: '10.1.0.2', dev: 'b0' })
      // same /24 as the connected route: the tos route is tried first
      .route({ dst: '10.0.0.0/24', tos: 0x10, via: '10.1.0.2', dev: 'b0' })
      .route({ dst: '198.51.100.0/24', via: '10.1.0.2', dev: 'b0', metric: 20 })
      .route({ dst: '198.51.100.0/24', via: '10.2.0.2', dev: 'c0', metric: 10 })
      .route({ dst: '203.0.113.0/24', via: '10.1.0.2', dev: 'b0', metric: 10 })
      .route({ dst: '203.0.113.0/24', via: '10.2.0.2', dev: 'c0', metric: 10 })
      .route({ dst: '203.0.113.0/25', via: '10.0.0.2', dev: 'a0', metric: 99 })
      .build(),
  );
  const cases: readonly (readonly [string, string])[] = [
    ['10.0.0.1', 'local dev lo src 10.0.0.1 <local>'],
    ['10.0.0.7 tos 0x10', 'unicast via 10.1.0.2 dev b0 src 10.1.0.1'],
    ['10.0.0.7', 'unicast dev a0 src 10.0.0.1'],
    ['198.51.100.1', 'unicast via 10.2.0.2 dev c0 src 10.2.0.1'],
    ['203.0.113.200', 'unicast via 10.1.0.2 dev b0 src 10.1.0.1'],
    ['203.0.113.1', 'unicast via 10.0.0.2 dev a0 src 10.0.0.1'],
    // with an oif, candidates through other devices are skipped and shorter prefixes tried
    ['203.0.113.1 oif c0', 'unicast via 10.2.0.2 dev c0 src 10.2.0.1'],
  ];
  for (const [q, want] of cases) assert.equal(summarize(engine.routeGet(query4(q))), want, q);
});

test('anycast and multicast route types: usable on output, martian destinations on input', () => {
  const engine = createEngine(
    topologyB()
      .device('a1')
      .sysctl('net.ipv4.conf.a1.forwarding', 1)
      .route({ dst: '10.9.9.9', type: 'anycast', dev: 'a0', table: 255, scope: 253 })
      .build(),
  );
  assert.equal(summarize(engine.routeGet(query4('10.9.9.9'))), 'anycast dev a0 src 10.0.0.1');
  assert.equal(summarize(engine.routeGet(query4('10.9.9.9 from 10.0.0.2 iif a1'))), 'EINVAL');
});

test('bc_forwarding (all AND dev) forwards directed broadcasts instead of delivering them', () => {
  const engine = createEngine(
    topologyB()
      .device('a1')
      .sysctl('net.ipv4.conf.all.bc_forwarding', 1)
      .sysctl('net.ipv4.conf.a1.bc_forwarding', 1)
      .build(),
  );
  assert.equal(summarize(engine.routeGet(query4('10.1.0.255 from 10.0.0.2 iif a1'))), 'broadcast dev b0');
  const off = createEngine(topologyB().device('a1').sysctl('net.ipv4.conf.all.bc_forwarding', 1).build());
  assert.equal(summarize(off.routeGet(query4('10.1.0.255 from 10.0.0.2 iif a1'))), 'broadcast dev lo <local,brd>');
});

test('route_localnet on the output device allows a 127/8 source', () => {
  const state = () => topologyB().route({ dst: 'default', via: '10.0.0.2', dev: 'a0' });
  assert.equal(summarize(createEngine(state().build()).routeGet(query4('8.8.8.8 from 127.0.0.1'))), 'EINVAL');
  const on = createEngine(state().sysctl('net.ipv4.conf.a0.route_localnet', 1).build());
  assert.equal(summarize(on.routeGet(query4('8.8.8.8 from 127.0.0.1'))), 'unicast via 10.0.0.2 dev a0');
});
