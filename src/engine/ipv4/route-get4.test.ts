// IPv4 `ip route get` answers for the configurations of spec §11 (E2–E18), as kernel 6.18 gave them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEngine } from '../engine.ts';
import type { NetworkState } from '../../model/network-state.ts';
import { RT_SCOPE_LINK } from '../../model/network-state.ts';
import { formatIp } from '../../addr/address.ts';
import { ip4, query4, summarize, topologyB, type Ipv4StateBuilder } from './test-support.ts';

/** Topology B with unaddressed peers a1, b1, c1 (packets "arrive" on them in input-path queries). */
function lab(): Ipv4StateBuilder {
  return topologyB().device('a1').device('b1').device('c1');
}

interface Scenario {
  readonly name: string;
  readonly state: () => NetworkState;
  /** [query in `ip route get` words, expected summary] */
  readonly cases: readonly (readonly [string, string])[];
}

function run(scenarios: readonly Scenario[]): void {
  for (const s of scenarios) {
    test(s.name, () => {
      const engine = createEngine(s.state());
      for (const [q, want] of s.cases) assert.equal(summarize(engine.routeGet(query4(q))), want, q);
    });
  }
}

const errorRoutes = () =>
  lab()
    .rule({ priority: 10, to: '192.0.2.1', action: 'blackhole' })
    .rule({ priority: 11, to: '192.0.2.2', action: 'unreachable' })
    .rule({ priority: 12, to: '192.0.2.3', action: 'prohibit' })
    .route({ dst: '198.51.100.1', type: 'blackhole' })
    .route({ dst: '198.51.100.2', type: 'unreachable' })
    .route({ dst: '198.51.100.3', type: 'prohibit' })
    .route({ dst: '198.51.100.4', type: 'throw' })
    .route({ dst: '192.0.2.99', via: '10.0.0.2', dev: 'a0' });

run([
  {
    name: 'E2 errno of rule actions and route types (output path)',
    state: () => errorRoutes().build(),
    cases: [
      ['192.0.2.1', 'EINVAL'],
      ['192.0.2.2', 'ENETUNREACH'],
      ['192.0.2.3', 'EACCES'],
      ['198.51.100.1', 'EINVAL'],
      ['198.51.100.2', 'EHOSTUNREACH'],
      ['198.51.100.3', 'EACCES'],
      ['198.51.100.4', 'ENETUNREACH'],
      ['203.0.113.1', 'ENETUNREACH'],
    ],
  },
  {
    name: 'E2 input path without forwarding: every failure is EHOSTUNREACH',
    state: () => errorRoutes().build(),
    cases: [
      ['192.0.2.1 from 10.0.0.2 iif a1', 'EHOSTUNREACH'],
      ['192.0.2.2 from 10.0.0.2 iif a1', 'EHOSTUNREACH'],
      ['198.51.100.1 from 10.0.0.2 iif a1', 'EHOSTUNREACH'],
      ['203.0.113.1 from 10.0.0.2 iif a1', 'EHOSTUNREACH'],
      ['192.0.2.99 from 10.0.0.2 iif a1', 'EHOSTUNREACH'],
    ],
  },
  {
    name: 'E2 input path with forwarding on the input device: the lookup errno',
    state: () => errorRoutes().sysctl('net.ipv4.conf.a1.forwarding', 1).build(),
    cases: [
      ['192.0.2.1 from 10.0.0.2 iif a1', 'EINVAL'],
      ['192.0.2.2 from 10.0.0.2 iif a1', 'ENETUNREACH'],
      ['192.0.2.3 from 10.0.0.2 iif a1', 'EACCES'],
      ['198.51.100.1 from 10.0.0.2 iif a1', 'EINVAL'],
      ['198.51.100.2 from 10.0.0.2 iif a1', 'EHOSTUNREACH'],
      ['198.51.100.3 from 10.0.0.2 iif a1', 'EACCES'],
      ['198.51.100.4 from 10.0.0.2 iif a1', 'ENETUNREACH'],
      ['192.0.2.99 from 10.0.0.2 iif a1', 'unicast via 10.0.0.2 dev a0'],
    ],
  },
  {
    name: 'E3 throw continues with the next rule, never with the same table\'s default',
    state: () =>
      lab()
        .route({ dst: 'default', via: '10.0.0.2', dev: 'a0', table: 100 })
        .route({ dst: '198.51.100.0/24', type: 'throw', table: 100 })
        .route({ dst: 'default', via: '10.1.0.2', dev: 'b0' })
        .rule({ priority: 100, table: 100 })
        .build(),
    cases: [
      ['198.51.100.7', 'unicast via 10.1.0.2 dev b0 src 10.1.0.1'],
      ['192.0.2.7', 'unicast via 10.0.0.2 dev a0 table 100 src 10.0.0.1'],
    ],
  },
  {
    name: 'E4 suppress_prefixlength: default ignored, error routes not suppressed',
    state: () =>
      lab()
        .route({ dst: 'default', via: '10.0.0.2', dev: 'a0' })
        .route({ dst: '192.0.2.0/24', via: '10.0.0.3', dev: 'a0' })
        .route({ dst: '192.0.2.128/25', via: '10.0.0.4', dev: 'a0' })
        .route({ dst: 'default', via: '10.1.0.2', dev: 'b0', table: 200 })
        .rule({ priority: 90, table: 254, suppressPrefixlen: 24 })
        .rule({ priority: 100, table: 254, suppressPrefixlen: 0 })
        .rule({ priority: 101, table: 200 })
        .build(),
    cases: [
      ['192.0.2.7', 'unicast via 10.0.0.3 dev a0 src 10.0.0.1'],
      ['192.0.2.200', 'unicast via 10.0.0.4 dev a0 src 10.0.0.1'],
      ['198.51.100.7', 'unicast via 10.1.0.2 dev b0 table 200 src 10.1.0.1'],
    ],
  },
  {
    name: 'E4 an unreachable default is an error result and is not suppressed',
    state: () =>
      lab()
        .route({ dst: 'default', type: 'unreachable', metric: 1 })
        .route({ dst: 'default', via: '10.1.0.2', dev: 'b0', table: 200 })
        .rule({ priority: 100, table: 254, suppressPrefixlen: 0 })
        .rule({ priority: 101, table: 200 })
        .build(),
    cases: [['198.51.100.7', 'EHOSTUNREACH']],
  },
  {
    name: 'E4 suppress_ifgroup looks at the device of the route',
    state: () =>
      topologyB()
        .device('d0', { group: 5 })
        .address('d0', '10.3.0.1/24')
        .route({ dst: '198.51.100.0/24', via: '10.3.0.2', dev: 'd0' })
        .route({ dst: '192.0.2.0/24', via: '10.1.0.2', dev: 'b0', table: 100 })
        .route({ dst: '198.51.100.0/24', via: '10.2.0.2', dev: 'c0', table: 100 })
        .rule({ priority: 100, table: 254, suppressIfgroup: 5 })
        .rule({ priority: 101, table: 100 })
        .build(),
    cases: [
      ['192.0.2.1', 'unicast via 10.1.0.2 dev b0 table 100 src 10.1.0.1'],
      ['10.0.0.9', 'unicast dev a0 src 10.0.0.1'],
      ['198.51.100.1', 'unicast via 10.2.0.2 dev c0 table 100 src 10.2.0.1'],
      ['10.3.0.9', 'unicast dev d0 src 10.3.0.1'],
    ],
  },
  {
    name: 'E5 goto: evaluates the target\'s selectors; unresolved goto is a no-op',
    state: () =>
      lab()
        .route({ dst: 'default', via: '10.0.0.2', dev: 'a0', table: 100 })
        .route({ dst: 'default', via: '10.1.0.2', dev: 'b0', table: 200 })
        .rule({ priority: 10, to: '192.0.2.0/24', action: 'goto', gotoTarget: 30 })
        .rule({ priority: 15, action: 'goto', gotoTarget: 25 })
        .rule({ priority: 20, table: 100 })
        .rule({ priority: 30, table: 200 })
        .build(),
    cases: [
      ['192.0.2.7', 'unicast via 10.1.0.2 dev b0 table 200 src 10.1.0.1'],
      ['198.51.100.7', 'unicast via 10.0.0.2 dev a0 table 100 src 10.0.0.1'],
    ],
  },
  {
    name: 'E5 goto target = first rule with that pref; a failing target continues after it',
    state: () =>
      lab()
        .route({ dst: '192.0.2.1', via: '10.2.0.2', dev: 'c0', table: 100 })
        .route({ dst: 'default', via: '10.1.0.2', dev: 'b0', table: 200 })
        .rule({ priority: 10, action: 'goto', gotoTarget: 30 })
        .rule({ priority: 30, to: '192.0.2.1', table: 100 })
        .rule({ priority: 30, table: 200 })
        .build(),
    cases: [
      ['192.0.2.1', 'unicast via 10.2.0.2 dev c0 table 100 src 10.2.0.1'],
      ['192.0.2.2', 'unicast via 10.1.0.2 dev b0 table 200 src 10.1.0.1'],
    ],
  },
  {
    name: 'E6 iif lo matches output lookups; iif X the input device; oif X only flows with an oif',
    state: () =>
      lab()
        .sysctl('net.ipv4.conf.b1.forwarding', 1)
        .sysctl('net.ipv4.conf.a1.forwarding', 1)
        .route({ dst: 'default', via: '10.0.0.2', dev: 'a0', table: 100 })
        .route({ dst: 'default', via: '10.2.0.2', dev: 'c0', table: 101 })
        .route({ dst: 'default', via: '10.1.0.2', dev: 'b0', table: 102 })
        .route({ dst: 'default', via: '10.2.0.3', dev: 'c0' })
        .rule({ priority: 100, iif: { name: 'lo', detached: false }, to: '198.51.100.0/24', table: 100 })
        .rule({ priority: 101, iif: { name: 'b1', detached: false }, table: 101 })
        .rule({ priority: 102, oif: { name: 'b0', detached: false }, table: 102 })
        .build(),
    cases: [
      ['198.51.100.7', 'unicast via 10.0.0.2 dev a0 table 100 src 10.0.0.1'],
      ['203.0.113.7', 'unicast via 10.2.0.3 dev c0 src 10.2.0.1'],
      ['203.0.113.7 oif b0', 'unicast via 10.1.0.2 dev b0 table 102 src 10.1.0.1'],
      ['203.0.113.7 from 10.1.0.5 iif b1', 'unicast via 10.2.0.2 dev c0 table 101'],
      ['203.0.113.7 from 10.0.0.5 iif a1', 'unicast via 10.2.0.3 dev c0'],
    ],
  },
  {
    name: 'E7 legacy rule tos compares tos & 0x1c',
    state: () =>
      lab()
        .sysctl('net.ipv4.conf.b1.forwarding', 1)
        .route({ dst: 'default', via: '10.0.0.2', dev: 'a0', table: 100 })
        .route({ dst: 'default', via: '10.2.0.2', dev: 'c0' })
        .rule({ priority: 100, tos: 0x10, table: 100 })
        .build(),
    cases: [
      ['198.51.100.7 tos 0x10', 'unicast via 10.0.0.2 dev a0 table 100 src 10.0.0.1'],
      ['198.51.100.7 tos 0x13', 'unicast via 10.0.0.2 dev a0 table 100 src 10.0.0.1'],
      ['198.51.100.7 tos 0xb0', 'unicast via 10.0.0.2 dev a0 table 100 src 10.0.0.1'],
      ['198.51.100.7 tos 0x90', 'unicast via 10.0.0.2 dev a0 table 100 src 10.0.0.1'],
      ['198.51.100.7 tos 0x14', 'unicast via 10.2.0.2 dev c0 src 10.2.0.1'],
      ['198.51.100.7 tos 0x18', 'unicast via 10.2.0.2 dev c0 src 10.2.0.1'],
      ['198.51.100.7', 'unicast via 10.2.0.2 dev c0 src 10.2.0.1'],
      ['198.51.100.7 from 10.1.0.5 iif b1 tos 0xb0', 'unicast via 10.0.0.2 dev a0 table 100'],
    ],
  },
  {
    name: 'E7 route tos: 0x1c bits only; tos 0x20 never matches',
    state: () =>
      lab()
        .route({ dst: '198.51.100.0/24', tos: 0x10, via: '10.0.0.3', dev: 'a0' })
        .route({ dst: '198.51.100.0/24', tos: 0x20, via: '10.0.0.4', dev: 'a0' })
        .route({ dst: '198.51.100.0/24', tos: 0x04, via: '10.0.0.5', dev: 'a0' })
        .build(),
    cases: [
      ['198.51.100.7 tos 0x30', 'unicast via 10.0.0.3 dev a0 src 10.0.0.1'],
      ['198.51.100.7 tos 0x14', 'ENETUNREACH'],
      ['198.51.100.7 tos 0x20', 'ENETUNREACH'],
      ['198.51.100.7 tos 0x24', 'unicast via 10.0.0.5 dev a0 src 10.0.0.1'],
    ],
  },
  {
    name: 'E8 uidrange: output uses the uid attribute (root 0), input always uid 0',
    state: () =>
      lab()
        .sysctl('net.ipv4.conf.b1.forwarding', 1)
        .route({ dst: 'default', via: '10.0.0.2', dev: 'a0', table: 100 })
        .route({ dst: 'default', via: '10.2.0.2', dev: 'c0', table: 101 })
        .route({ dst: 'default', via: '10.1.0.2', dev: 'b0' })
        .rule({ priority: 100, uidRange: { start: 1000, end: 1000 }, table: 100 })
        .rule({ priority: 101, uidRange: { start: 0, end: 0 }, to: '203.0.113.0/24', table: 101 })
        .build(),
    cases: [
      ['198.51.100.7', 'unicast via 10.1.0.2 dev b0 src 10.1.0.1'],
      ['198.51.100.7 uid 1000', 'unicast via 10.0.0.2 dev a0 table 100 src 10.0.0.1'],
      ['198.51.100.7 uid 1001', 'unicast via 10.1.0.2 dev b0 src 10.1.0.1'],
      ['198.51.100.7 from 10.1.0.5 iif b1 uid 1000', 'unicast via 10.1.0.2 dev b0'],
      ['203.0.113.7 from 10.1.0.5 iif b1', 'unicast via 10.2.0.2 dev c0 table 101'],
      ['203.0.113.7 uid 5', 'unicast via 10.1.0.2 dev b0 src 10.1.0.1'],
    ],
  },
  {
    name: 'E10 local and main are one trie until the first rule change',
    state: () =>
      lab()
        .route({ dst: '198.18.0.0/16', type: 'local', dev: 'lo', table: 255 })
        .route({ dst: '198.18.5.5', via: '10.1.0.2', dev: 'b0' })
        .build(),
    cases: [
      ['198.18.5.5', 'unicast via 10.1.0.2 dev b0 src 10.1.0.1'],
      ['198.18.5.6', 'local dev lo src 198.18.5.6 <local>'],
      ['10.0.0.1', 'local dev lo src 10.0.0.1 <local>'],
    ],
  },
  {
    name: 'E10 after a rule was added and deleted, rule 0 consults table local first',
    state: () =>
      lab()
        .route({ dst: '198.18.0.0/16', type: 'local', dev: 'lo', table: 255 })
        .route({ dst: '198.18.5.5', via: '10.1.0.2', dev: 'b0' })
        .rule({ priority: 100, from: '203.0.113.99', table: 100 })
        .deleteRule(100)
        .build(),
    cases: [
      ['198.18.5.5', 'local dev lo table local src 198.18.5.5 <local>'],
      ['10.0.0.1', 'local dev lo table local src 10.0.0.1 <local>'],
    ],
  },
  {
    name: 'E11 with an oif, lookup failures become an on-link route on it',
    state: () =>
      lab()
        .route({ dst: '198.51.100.0/24', type: 'unreachable' })
        .route({ dst: '198.51.100.128/25', type: 'blackhole' })
        .rule({ priority: 100, to: '203.0.113.0/24', action: 'prohibit' })
        .route({ dst: '192.0.2.0/24', via: '10.1.0.2', dev: 'b0' })
        .route({ dst: 'default', via: '10.2.0.2', dev: 'c0' })
        .device('d0', { up: false })
        .build(),
    cases: [
      ['198.51.100.7', 'EHOSTUNREACH'],
      ['198.51.100.7 oif b0', 'unicast dev b0 table 0 src 10.1.0.1'],
      ['198.51.100.200 oif b0', 'unicast dev b0 table 0 src 10.1.0.1'],
      ['203.0.113.5', 'EACCES'],
      ['203.0.113.5 oif c0', 'unicast dev c0 table 0 src 10.2.0.1'],
      ['192.0.2.5 oif c0', 'unicast via 10.2.0.2 dev c0 src 10.2.0.1'],
      ['192.0.2.5 oif a0', 'unicast dev a0 table 0 src 10.0.0.1'],
      // an address-less device borrows a global address of another device (inet_select_addr's fallback)
      ['192.0.2.5 oif a1', 'unicast dev a1 table 0 src 10.0.0.1'],
      ['192.0.2.5 oif d0', 'ENETUNREACH'],
      ['192.0.2.5 oif nosuch', 'ENODEV'],
    ],
  },
  {
    name: 'E12 ip route get defaults to UDP; input lookups see protocol/ports only when rules need them',
    state: () =>
      lab()
        .sysctl('net.ipv4.conf.b1.forwarding', 1)
        .route({ dst: 'default', via: '10.0.0.2', dev: 'a0', table: 100 })
        .route({ dst: 'default', via: '10.0.0.3', dev: 'a0', table: 101 })
        .route({ dst: 'default', via: '10.2.0.2', dev: 'c0' })
        .rule({ priority: 100, ipProto: 17, table: 100 })
        .rule({ priority: 101, ipProto: 6, dport: { start: 1000, end: 2000 }, table: 101 })
        .build(),
    cases: [
      ['198.51.100.7', 'unicast via 10.0.0.2 dev a0 table 100 src 10.0.0.1'],
      ['198.51.100.7 ipproto tcp', 'unicast via 10.2.0.2 dev c0 src 10.2.0.1'],
      ['198.51.100.7 from 10.1.0.5 iif b1', 'unicast via 10.0.0.2 dev a0 table 100'],
      ['198.51.100.7 from 10.1.0.5 iif b1 ipproto icmp', 'unicast via 10.2.0.2 dev c0'],
      ['198.51.100.7 ipproto tcp dport 1500', 'unicast via 10.0.0.3 dev a0 table 101 src 10.0.0.1'],
      ['198.51.100.7 ipproto tcp dport 1500 from 10.1.0.5 iif b1', 'unicast via 10.0.0.3 dev a0 table 101'],
      ['198.51.100.7 ipproto tcp dport 2500', 'unicast via 10.2.0.2 dev c0 src 10.2.0.1'],
      ['198.51.100.7 ipproto gre', 'EOPNOTSUPP'],
    ],
  },
  {
    name: 'E12 rules with iif lo do not switch on flow dissection: the reverse lookup of local delivery sees proto 0',
    state: () =>
      lab()
        .sysctl('net.ipv4.conf.all.rp_filter', 1)
        .route({ dst: '192.0.2.0/24', via: '10.1.0.2', dev: 'b0' })
        .route({ dst: '192.0.2.0/24', via: '10.0.0.2', dev: 'a0', table: 100 })
        .rule({ priority: 100, iif: { name: 'lo', detached: false }, ipProto: 17, table: 100 })
        .build(),
    cases: [['10.0.0.1 from 192.0.2.5 iif a0', 'EINVAL']],
  },
  {
    name: 'E12 once another rule needs dissection, the reverse lookup carries the protocol',
    state: () =>
      lab()
        .sysctl('net.ipv4.conf.all.rp_filter', 1)
        .route({ dst: '192.0.2.0/24', via: '10.1.0.2', dev: 'b0' })
        .route({ dst: '192.0.2.0/24', via: '10.0.0.2', dev: 'a0', table: 100 })
        .rule({ priority: 100, iif: { name: 'lo', detached: false }, ipProto: 17, table: 100 })
        .rule({ priority: 101, iif: { name: 'c0', detached: false }, ipProto: 6, table: 200 })
        .build(),
    cases: [
      ['10.0.0.1 from 192.0.2.5 iif a0', 'local dev lo table local <local>'],
      ['10.0.0.1 from 192.0.2.5 iif a0 ipproto tcp', 'EINVAL'],
    ],
  },
  {
    name: 'E13 forwarding is the input device\'s own setting; local delivery needs none',
    state: () =>
      lab()
        .sysctl('net.ipv4.conf.all.forwarding', 1)
        .sysctl('net.ipv4.conf.a1.forwarding', 0)
        .sysctl('net.ipv4.conf.b1.forwarding', 1)
        .route({ dst: 'default', via: '10.2.0.2', dev: 'c0' })
        .build(),
    cases: [
      ['198.51.100.7 from 10.0.0.5 iif a1', 'EHOSTUNREACH'],
      ['198.51.100.7 from 10.0.0.5 iif b1', 'unicast via 10.2.0.2 dev c0'],
      ['10.2.0.1 from 10.0.0.5 iif a1', 'local dev lo <local>'],
      ['10.0.0.255 from 10.0.0.5 iif a1', 'broadcast dev lo <local,brd>'],
    ],
  },
  {
    name: 'E14 fwmark/mask, fwmark 0/0xffffffff, detached devices, not from',
    state: () =>
      lab()
        .route({ dst: 'default', via: '10.0.0.2', dev: 'a0', table: 100 })
        .route({ dst: 'default', via: '10.1.0.2', dev: 'b0', table: 101 })
        .route({ dst: 'default', via: '10.0.0.3', dev: 'a0', table: 102 })
        .route({ dst: 'default', via: '10.2.0.2', dev: 'c0' })
        .rule({ priority: 100, fwmark: 0x10, fwmask: 0xf0, table: 100 })
        .rule({ priority: 101, iif: { name: 'nosuch', detached: true }, table: 101 })
        .rule({ priority: 102, to: '192.0.2.0/24', fwmark: 0, fwmask: 0xffffffff, table: 101 })
        .rule({ priority: 103, invert: true, from: '10.1.0.0/24', table: 102 })
        .build(),
    cases: [
      ['198.51.100.7 mark 0x10', 'unicast via 10.0.0.2 dev a0 table 100 src 10.0.0.1'],
      ['198.51.100.7 mark 0x1f', 'unicast via 10.0.0.2 dev a0 table 100 src 10.0.0.1'],
      ['198.51.100.7 mark 0x110', 'unicast via 10.0.0.2 dev a0 table 100 src 10.0.0.1'],
      // "not from P" matches a lookup without source
      ['198.51.100.7 mark 0x20', 'unicast via 10.0.0.3 dev a0 table 102 src 10.0.0.1'],
      ['203.0.113.7', 'unicast via 10.0.0.3 dev a0 table 102 src 10.0.0.1'],
      ['203.0.113.7 from 10.1.0.1', 'unicast via 10.2.0.2 dev c0'],
      ['192.0.2.7 from 10.1.0.1', 'unicast via 10.1.0.2 dev b0 table 101'],
      ['192.0.2.7 from 10.1.0.1 mark 5', 'unicast via 10.2.0.2 dev c0'],
    ],
  },
  {
    name: 'E14 fwmark 0 without a mask (mask 0) matches every mark',
    state: () =>
      lab()
        .route({ dst: 'default', via: '10.0.0.2', dev: 'a0', table: 100 })
        .route({ dst: 'default', via: '10.2.0.2', dev: 'c0' })
        .rule({ priority: 100, fwmark: 0, fwmask: 0, table: 100 })
        .build(),
    cases: [
      ['198.51.100.7 mark 5', 'unicast via 10.0.0.2 dev a0 table 100 src 10.0.0.1'],
      ['198.51.100.7', 'unicast via 10.0.0.2 dev a0 table 100 src 10.0.0.1'],
    ],
  },
  {
    name: 'E14 "not iif <detached>" matches everything',
    state: () =>
      lab()
        .route({ dst: 'default', via: '10.0.0.2', dev: 'a0', table: 100 })
        .route({ dst: 'default', via: '10.2.0.2', dev: 'c0' })
        .rule({ priority: 100, invert: true, iif: { name: 'nosuch', detached: true }, table: 100 })
        .build(),
    cases: [['198.51.100.7', 'unicast via 10.0.0.2 dev a0 table 100 src 10.0.0.1']],
  },
  {
    name: 'E15 martian sources and destinations on the input path (6.13+: EINVAL)',
    state: () =>
      lab()
        .sysctl('net.ipv4.conf.a1.forwarding', 1)
        .sysctl('net.ipv4.conf.b1.forwarding', 1)
        .sysctl('net.ipv4.conf.a0.forwarding', 1)
        .route({ dst: 'default', via: '10.2.0.2', dev: 'c0' })
        .build(),
    cases: [
      ['10.1.0.1 from 127.0.0.1 iif a1', 'EINVAL'],
      ['10.1.0.1 from 0.0.0.0 iif a1', 'EINVAL'],
      ['10.1.0.1 from 224.0.0.5 iif a1', 'EINVAL'],
      ['10.1.0.1 from 255.255.255.255 iif a1', 'EINVAL'],
      ['127.0.0.1 from 10.0.0.2 iif a1', 'EINVAL'],
      ['0.0.0.0 from 10.0.0.2 iif a1', 'EINVAL'],
      ['0.1.2.3 from 10.0.0.2 iif a1', 'unicast via 10.2.0.2 dev c0'],
      ['240.0.0.1 from 10.0.0.2 iif a1', 'unicast via 10.2.0.2 dev c0'],
      ['255.255.255.255 from 10.0.0.2 iif a1', 'broadcast dev lo table 0 <local,brd>'],
      ['255.255.255.255 from 0.0.0.0 iif a1', 'broadcast dev lo table 0 <local,brd>'],
      ['0.0.0.0 from 0.0.0.0 iif a1', 'broadcast dev lo table 0 <local,brd>'],
      ['10.0.0.255 from 10.0.0.2 iif a1', 'broadcast dev lo <local,brd>'],
      ['224.0.0.1 from 10.0.0.2 iif a1', 'multicast dev lo table 0 <local,mc>'],
      ['239.1.2.3 from 10.0.0.2 iif a1', 'EINVAL'],
      ['198.51.100.1 from 10.1.0.1 iif a1', 'EINVAL'],
      ['198.51.100.1 from 10.1.0.255 iif b1', 'unicast via 10.2.0.2 dev c0'],
      // hairpin with send_redirects on forces the full check: a broadcast source is refused, an on-link one redirected
      ['10.0.0.7 from 10.0.0.255 iif a0', 'EINVAL'],
      ['10.0.0.7 from 10.0.0.9 iif a0', 'unicast dev a0 <redirect>'],
      ['224.0.0.1 from 0.0.0.0 iif a1', 'multicast dev lo table 0 <local,mc>'],
      ['224.0.0.1 from 127.0.0.3 iif a1', 'EINVAL'],
    ],
  },
  {
    name: 'E15 accept_local, route_localnet, send_redirects off',
    state: () =>
      lab()
        .sysctl('net.ipv4.conf.a1.forwarding', 1)
        .sysctl('net.ipv4.conf.a0.forwarding', 1)
        .sysctl('net.ipv4.conf.all.accept_local', 1)
        .sysctl('net.ipv4.conf.a1.route_localnet', 1)
        .sysctl('net.ipv4.conf.all.send_redirects', 0)
        .sysctl('net.ipv4.conf.a0.send_redirects', 0)
        .route({ dst: 'default', via: '10.2.0.2', dev: 'c0' })
        .build(),
    cases: [
      ['198.51.100.1 from 10.1.0.1 iif a1', 'unicast via 10.2.0.2 dev c0'],
      ['10.2.0.1 from 10.1.0.1 iif a1', 'local dev lo <local>'],
      ['127.0.0.1 from 10.0.0.2 iif a1', 'local dev lo <local>'],
      ['10.0.0.7 from 10.0.0.255 iif a0', 'unicast dev a0'],
    ],
  },
  {
    name: 'E15 rp_filter 0: the "own address" shortcut ends once a rule was ever changed',
    state: () =>
      lab()
        .sysctl('net.ipv4.conf.b1.forwarding', 1)
        .route({ dst: 'default', via: '10.2.0.2', dev: 'c0' })
        .rule({ priority: 100, from: '203.0.113.99', table: 100 })
        .deleteRule(100)
        .build(),
    cases: [['198.51.100.1 from 10.1.0.255 iif b1', 'EINVAL']],
  },
  {
    name: 'E16 output source selection and special destinations',
    state: () =>
      lab()
        .address('b0', '172.16.0.1/16')
        .address('b0', '192.168.77.1/32', { scope: RT_SCOPE_LINK })
        .address('b0', '10.1.0.50/24')
        .route({ dst: '198.51.100.0/24', dev: 'b0' })
        .route({ dst: '203.0.113.0/24', via: '10.1.0.2', dev: 'b0' })
        .route({ dst: '203.0.114.0/24', via: '172.16.5.5', dev: 'b0' })
        .route({ dst: '203.0.115.0/24', via: '10.1.0.2', dev: 'b0', src: '10.2.0.1' })
        .build(),
    cases: [
      ['198.51.100.1', 'unicast dev b0 src 192.168.77.1'],
      ['203.0.113.1', 'unicast via 10.1.0.2 dev b0 src 10.1.0.1'],
      ['203.0.114.1', 'unicast via 172.16.5.5 dev b0 src 172.16.0.1'],
      ['203.0.115.1', 'unicast via 10.1.0.2 dev b0 src 10.2.0.1'],
      ['203.0.113.1 from 10.9.9.9', 'ENETUNREACH'],
      ['203.0.113.1 from 127.0.0.1', 'EINVAL'],
      ['10.0.0.1', 'local dev lo src 10.0.0.1 <local>'],
      ['127.0.0.5', 'local dev lo src 127.0.0.1 <local>'],
      ['0.0.0.0', 'local dev lo table 0 src 127.0.0.1 <local>'],
      ['255.255.255.255', 'ENETUNREACH'],
      ['255.255.255.255 from 10.1.0.50', 'broadcast dev b0 table 0 <local,brd>'],
      ['255.255.255.255 oif c0', 'broadcast dev c0 table 0 src 10.2.0.1 <local,brd>'],
      ['224.0.0.5', 'ENETUNREACH'],
      ['224.0.0.5 from 10.1.0.1', 'multicast dev b0 table 0 <mc>'],
      // a multicast destination with an oif selects the source with scope universe: not the link-scope address
      ['239.1.1.1 oif b0', 'multicast dev b0 table 0 src 10.1.0.1 <mc>'],
      ['10.0.0.255', 'broadcast dev a0 src 10.0.0.1 <local,brd>'],
    ],
  },
  {
    name: 'E17 metric order; linkdown routes used unless ignore_routes_with_linkdown',
    state: () =>
      topologyB()
        .device('d0', { carrier: false })
        .address('d0', '10.3.0.1/24')
        .route({ dst: '198.51.100.0/24', via: '10.3.0.2', dev: 'd0', metric: 10, linkdown: true })
        .route({ dst: '198.51.100.0/24', via: '10.2.0.2', dev: 'c0', metric: 20 })
        .route({ dst: '203.0.113.0/24', via: '10.1.0.2', dev: 'b0', metric: 20 })
        .route({ dst: '203.0.113.0/24', via: '10.2.0.2', dev: 'c0', metric: 10 })
        .build(),
    cases: [
      ['198.51.100.1', 'unicast via 10.3.0.2 dev d0 src 10.3.0.1'],
      ['203.0.113.1', 'unicast via 10.2.0.2 dev c0 src 10.2.0.1'],
      ['203.0.113.1 oif b0', 'unicast via 10.1.0.2 dev b0 src 10.1.0.1'],
      ['10.3.0.5', 'unicast dev d0 src 10.3.0.1'],
    ],
  },
  {
    name: 'E17 ignore_routes_with_linkdown on the device (or all) skips linkdown next hops',
    state: () =>
      topologyB()
        .device('d0', { carrier: false })
        .address('d0', '10.3.0.1/24')
        .sysctl('net.ipv4.conf.d0.ignore_routes_with_linkdown', 1)
        .route({ dst: '198.51.100.0/24', via: '10.3.0.2', dev: 'd0', metric: 10, linkdown: true })
        .route({ dst: '198.51.100.0/24', via: '10.2.0.2', dev: 'c0', metric: 20 })
        .route({ dst: '198.51.100.0/24', type: 'unreachable', metric: 5 })
        .build(),
    cases: [
      ['198.51.100.1', 'EHOSTUNREACH'],
      // error routes fail before any oif test, so the oif turns the failure into an on-link route
      ['198.51.100.1 oif c0', 'unicast dev c0 table 0 src 10.2.0.1'],
      ['198.51.100.1 oif d0', 'unicast dev d0 table 0 src 10.3.0.1'],
      ['10.3.0.5', 'ENETUNREACH'],
    ],
  },
]);

test('E17 a dead multipath next hop (device down) takes no flows', () => {
  const engine = createEngine(
    topologyB()
      .device('d0', { up: false })
      .sysctl('net.ipv4.fib_multipath_hash_seed', 4711)
      .route({ dst: '192.0.2.0/24', nexthops: [['10.3.0.2', 'd0', 1, true], ['10.2.0.2', 'c0', 2]] })
      .build(),
  );
  for (let i = 1; i <= 20; i++) {
    assert.equal(summarize(engine.routeGet(query4(`192.0.2.${i}`))), 'unicast via 10.2.0.2 dev c0 src 10.2.0.1');
  }
});

test('rp_filter = max(all, dev) (E9): strict, loose and off for every combination', () => {
  // src 192.0.2.5 is routed back via b0 but arrives on a0
  const matrix: readonly (readonly [number, number, string])[] = [
    [0, 0, 'unicast via 10.2.0.2 dev c0'],
    [0, 1, 'EINVAL'],
    [1, 0, 'EINVAL'],
    [2, 1, 'unicast via 10.2.0.2 dev c0'],
    [1, 2, 'unicast via 10.2.0.2 dev c0'],
    [0, 2, 'unicast via 10.2.0.2 dev c0'],
    [2, 0, 'unicast via 10.2.0.2 dev c0'],
    [2, 2, 'unicast via 10.2.0.2 dev c0'],
  ];
  for (const [all, dev, want] of matrix) {
    const state = topologyB()
      .sysctl('net.ipv4.conf.a0.forwarding', 1)
      .sysctl('net.ipv4.conf.b0.forwarding', 1)
      .sysctl('net.ipv4.conf.all.rp_filter', all)
      .sysctl('net.ipv4.conf.a0.rp_filter', dev)
      .sysctl('net.ipv4.conf.b0.rp_filter', dev)
      .route({ dst: '192.0.2.0/24', via: '10.1.0.2', dev: 'b0' })
      .route({ dst: 'default', via: '10.2.0.2', dev: 'c0' })
      .build();
    const engine = createEngine(state);
    assert.equal(summarize(engine.routeGet(query4('203.0.113.7 from 192.0.2.5 iif a0'))), want, `all=${all} dev=${dev}`);
    assert.equal(summarize(engine.routeGet(query4('203.0.113.7 from 192.0.2.5 iif b0'))), 'unicast via 10.2.0.2 dev c0', `all=${all} dev=${dev} iif b0`);
  }
});

run([
  {
    name: 'E9 loose mode fails without a route back or with an error route back',
    state: () =>
      lab()
        .sysctl('net.ipv4.conf.a0.forwarding', 1)
        .sysctl('net.ipv4.conf.a0.rp_filter', 2)
        .sysctl('net.ipv4.conf.a1.forwarding', 1)
        .sysctl('net.ipv4.conf.a1.rp_filter', 2)
        .route({ dst: '198.51.100.0/24', type: 'unreachable' })
        .route({ dst: '192.0.2.0/24', via: '10.1.0.2', dev: 'b0' })
        .route({ dst: '203.0.113.0/24', via: '10.2.0.2', dev: 'c0' })
        .build(),
    cases: [
      ['203.0.113.7 from 198.51.100.5 iif a0', 'EINVAL'],
      ['203.0.113.7 from 198.18.0.1 iif a0', 'EINVAL'],
      ['203.0.113.7 from 192.0.2.5 iif a0', 'unicast via 10.2.0.2 dev c0'],
      // an address-less input device fails loose mode when the way back uses another device
      ['203.0.113.7 from 192.0.2.5 iif a1', 'EINVAL'],
      ['203.0.113.7 from 10.0.0.7 iif a1', 'EINVAL'],
    ],
  },
  {
    name: 'E9 rp_filter 0 accepts an unreachable route back',
    state: () =>
      lab()
        .sysctl('net.ipv4.conf.a0.forwarding', 1)
        .route({ dst: '198.51.100.0/24', type: 'unreachable' })
        .route({ dst: '203.0.113.0/24', via: '10.2.0.2', dev: 'c0' })
        .build(),
    cases: [['203.0.113.7 from 198.51.100.5 iif a0', 'unicast via 10.2.0.2 dev c0']],
  },
  {
    name: 'E9 strict mode passes if any next hop of a multipath route back uses the input device',
    state: () =>
      lab()
        .sysctl('net.ipv4.conf.all.rp_filter', 1)
        .sysctl('net.ipv4.conf.a0.forwarding', 1)
        .sysctl('net.ipv4.conf.b0.forwarding', 1)
        .sysctl('net.ipv4.conf.c0.forwarding', 1)
        .route({ dst: '192.0.2.0/24', nexthops: [['10.1.0.2', 'b0'], ['10.0.0.2', 'a0']] })
        .route({ dst: 'default', via: '10.2.0.2', dev: 'c0' })
        .build(),
    cases: [
      ['203.0.113.7 from 192.0.2.5 iif a0', 'unicast via 10.2.0.2 dev c0'],
      ['203.0.113.7 from 192.0.2.5 iif b0', 'unicast via 10.2.0.2 dev c0'],
      ['198.51.100.7 from 192.0.2.5 iif c0', 'EINVAL'],
    ],
  },
  {
    name: 'E9 the reverse lookup uses the mark only with src_valid_mark',
    state: () =>
      lab()
        .sysctl('net.ipv4.conf.all.rp_filter', 1)
        .sysctl('net.ipv4.conf.a0.forwarding', 1)
        .route({ dst: '192.0.2.0/24', via: '10.1.0.2', dev: 'b0' })
        .route({ dst: 'default', via: '10.2.0.2', dev: 'c0' })
        .route({ dst: '192.0.2.0/24', via: '10.0.0.2', dev: 'a0', table: 100 })
        .rule({ priority: 100, fwmark: 7, fwmask: 0xffffffff, table: 100 })
        .build(),
    cases: [['203.0.113.7 from 192.0.2.5 iif a0 mark 7', 'EINVAL']],
  },
  {
    name: 'E9 src_valid_mark=1: the marked reverse lookup finds the way back via the input device',
    state: () =>
      lab()
        .sysctl('net.ipv4.conf.all.rp_filter', 1)
        .sysctl('net.ipv4.conf.all.src_valid_mark', 1)
        .sysctl('net.ipv4.conf.a0.forwarding', 1)
        .route({ dst: '192.0.2.0/24', via: '10.1.0.2', dev: 'b0' })
        .route({ dst: 'default', via: '10.2.0.2', dev: 'c0' })
        .route({ dst: '192.0.2.0/24', via: '10.0.0.2', dev: 'a0', table: 100 })
        .rule({ priority: 100, fwmark: 7, fwmask: 0xffffffff, table: 100 })
        .build(),
    cases: [['203.0.113.7 from 192.0.2.5 iif a0 mark 7', 'unicast via 10.2.0.2 dev c0']],
  },
  {
    name: 'E9 reverse iif = the forward output device (iif c0 rule), or lo for local delivery',
    state: () =>
      lab()
        .sysctl('net.ipv4.conf.all.rp_filter', 1)
        .sysctl('net.ipv4.conf.a0.forwarding', 1)
        .sysctl('net.ipv4.conf.b0.forwarding', 1)
        .route({ dst: '192.0.2.0/24', via: '10.1.0.2', dev: 'b0' })
        .route({ dst: 'default', via: '10.2.0.2', dev: 'c0' })
        .route({ dst: '192.0.2.0/24', via: '10.0.0.2', dev: 'a0', table: 100 })
        .rule({ priority: 100, iif: { name: 'c0', detached: false }, table: 100 })
        .rule({ priority: 101, iif: { name: 'lo', detached: false }, to: '192.0.2.0/24', table: 100 })
        .build(),
    cases: [
      ['203.0.113.7 from 192.0.2.5 iif a0', 'unicast via 10.2.0.2 dev c0'],
      ['203.0.113.7 from 192.0.2.5 iif b0', 'EINVAL'],
      ['10.2.0.1 from 192.0.2.5 iif a0', 'local dev lo table local <local>'],
      ['10.2.0.1 from 192.0.2.5 iif b0', 'EINVAL'],
    ],
  },
  {
    name: 'kernel 6.12: an rp_filter failure is EXDEV, other martians EINVAL',
    state: () =>
      topologyB()
        .kernel('6.12.57')
        .sysctl('net.ipv4.conf.all.rp_filter', 1)
        .sysctl('net.ipv4.conf.a0.forwarding', 1)
        .route({ dst: '192.0.2.0/24', via: '10.1.0.2', dev: 'b0' })
        .route({ dst: 'default', via: '10.2.0.2', dev: 'c0' })
        .build(),
    cases: [
      ['203.0.113.7 from 192.0.2.5 iif a0', 'EXDEV'],
      ['203.0.113.7 from 10.1.0.1 iif a0', 'EINVAL'],
      ['203.0.113.7 from 0.0.0.0 iif a0', 'EINVAL'],
    ],
  },
  {
    name: 'merged fast path: an error in main ends the lookup, nothing in main falls through to table default',
    state: () =>
      lab()
        .route({ dst: '192.0.2.0/24', type: 'unreachable' })
        .route({ dst: '192.0.2.0/25', via: '10.0.0.2', dev: 'a0', table: 253 })
        .route({ dst: '203.0.113.0/24', via: '10.0.0.2', dev: 'a0', table: 253 })
        .route({ dst: '203.0.113.0/25', type: 'throw' })
        .route({ dst: '203.0.113.0/26', via: '10.1.0.2', dev: 'b0', table: 255 })
        .build(),
    cases: [
      ['192.0.2.1', 'EHOSTUNREACH'],
      // a throw in main goes on to table default
      ['203.0.113.100', 'unicast via 10.0.0.2 dev a0 table 253 src 10.0.0.1'],
      ['203.0.113.1', 'unicast via 10.1.0.2 dev b0 src 10.1.0.1'],
    ],
  },
  {
    name: 'nexthop objects: groups, blackhole, and the trie-leaf skip after a group misses',
    state: () =>
      lab()
        .nexthopObject({ id: 1, gateway: { family: 4, value: 0x0a010002 }, dev: 'b0' })
        .nexthopObject({ id: 2, gateway: { family: 4, value: 0x0a020002 }, dev: 'c0' })
        .nexthopObject({ id: 3, gateway: { family: 4, value: 0x0a000002 }, dev: 'a0' })
        .nexthopObject({ id: 20, blackhole: true })
        .nexthopObject({ id: 30, group: [{ id: 1, weight: 1 }, { id: 2, weight: 1 }], groupType: 'mpath' })
        .route({ dst: '198.51.100.0/24', nhid: 20 })
        .route({ dst: '203.0.113.0/24', nhid: 30 })
        .route({ dst: '203.0.113.0/25', nhid: 3 })
        .build(),
    cases: [
      ['198.51.100.1', 'EINVAL'],
      ['203.0.113.200 oif c0', 'unicast via 10.2.0.2 dev c0 src 10.2.0.1'],
      ['203.0.113.1', 'unicast via 10.0.0.2 dev a0 src 10.0.0.1'],
      // the /25 (same trie leaf 203.0.113.0) misses the oif: the /24 group is skipped with it
      ['203.0.113.1 oif c0', 'unicast dev c0 table 0 src 10.2.0.1'],
    ],
  },
  {
    name: 'fibmatch reports the matched entry; an answer without one is EHOSTUNREACH',
    state: () =>
      lab()
        .route({ dst: 'default', via: '10.1.0.2', dev: 'b0' })
        .build(),
    cases: [
      ['192.0.2.1 fibmatch', 'unicast via 10.1.0.2 dev b0'],
      ['10.0.0.1 fibmatch', 'local dev a0 src 10.0.0.1'],
      ['192.0.2.1 oif a0 fibmatch', 'EHOSTUNREACH'],
      ['255.255.255.255 from 10.0.0.2 iif a1 fibmatch', 'EHOSTUNREACH'],
    ],
  },
]);

test('reply fields: from, prefsrc, mark, uid, iif, tos, table as ip -j route get prints them', () => {
  const engine = createEngine(
    lab()
      .sysctl('net.ipv4.conf.a1.forwarding', 1)
      .route({ dst: 'default', via: '10.1.0.2', dev: 'b0' })
      .route({ dst: '198.51.100.0/24', tos: 0x10, via: '10.0.0.2', dev: 'a0' })
      .build(),
  );
  const get = (q: string) => {
    const a = engine.routeGet(query4(q));
    assert.ok(a.ok, q);
    return a.route;
  };
  const out = get('192.0.2.1 mark 5 uid 1000');
  assert.deepEqual([out.mark, out.uid, out.iif, out.from, out.prefsrc?.value], [5, 1000, undefined, undefined, 0x0a010001]);
  // with `from`, src is only printed when the selected source differs
  assert.equal(get('192.0.2.1 from 10.0.0.1').prefsrc, undefined);
  assert.equal(get('192.0.2.1 from 10.0.0.1').from?.value, 0x0a000001);
  // the caller's uid when no uid is given; root is 0
  assert.equal(get('192.0.2.1').uid, 0);
  const asUser = engine.routeGet({ ...query4('192.0.2.1'), callerUid: 1234 });
  assert.ok(asUser.ok);
  assert.equal(asUser.route.uid, 1234);
  // input path: no uid unless asked, iif printed, no prefsrc
  const fwd = get('192.0.2.1 from 10.0.0.2 iif a1');
  assert.deepEqual([fwd.uid, fwd.iif, fwd.prefsrc, fwd.table], [undefined, 'a1', undefined, 254]);
  assert.equal(get('192.0.2.1 from 10.0.0.2 iif a1 uid 5').uid, 5);
  // tos is the matched route's tos, not the query's
  assert.equal(get('198.51.100.1 tos 0x30').tos, 0x10);
  assert.equal(get('192.0.2.1 tos 0x30').tos, undefined);
  // multicast replies carry the flag bit iproute2 prints as rt_offload_failed
  assert.deepEqual(get('224.0.0.5 from 10.0.0.1').flags, ['rt_offload_failed']);
});

test('martian drops carry the kernel log line (destination first)', () => {
  const engine = createEngine(lab().sysctl('net.ipv4.conf.a1.forwarding', 1).build());
  const src = engine.routeGet(query4('10.1.0.1 from 127.0.0.9 iif a1'));
  assert.ok(!src.ok);
  assert.equal(src.logLine, 'IPv4: martian source 10.1.0.1 from 127.0.0.9, on dev a1');
  const dst = engine.routeGet(query4('127.0.0.1 from 10.0.0.2 iif a1'));
  assert.ok(!dst.ok);
  assert.equal(dst.logLine, 'IPv4: martian destination 127.0.0.1 from 10.0.0.2, dev a1');
  const rpf = createEngine(
    topologyB()
      .sysctl('net.ipv4.conf.all.rp_filter', 1)
      .sysctl('net.ipv4.conf.a0.forwarding', 1)
      .route({ dst: '192.0.2.0/24', via: '10.1.0.2', dev: 'b0' })
      .route({ dst: 'default', via: '10.2.0.2', dev: 'c0' })
      .build(),
  ).routeGet(query4('203.0.113.7 from 192.0.2.5 iif a0'));
  assert.ok(!rpf.ok);
  assert.equal(rpf.logLine, 'IPv4: martian source 203.0.113.7 from 192.0.2.5, on dev a0');
  const unjoined = engine.routeGet(query4('239.1.2.3 from 10.0.0.2 iif a1'));
  assert.ok(!unjoined.ok);
  assert.equal(unjoined.logLine, undefined);
});

test('explain names every rule considered, the table looked up and the chosen route', () => {
  const engine = createEngine(
    lab()
      .route({ dst: 'default', via: '10.0.0.2', dev: 'a0', table: 100 })
      .rule({ priority: 100, from: '10.9.0.0/16', table: 100 })
      .rule({ priority: 200, to: '198.51.100.0/24', table: 100 })
      .build(),
  );
  const a = engine.routeGet(query4('198.51.100.7'), { explain: true });
  const text = a.explain.map((s) => `${s.depth}:${s.kind}:${s.text}`).join('\n');
  assert.match(text, /^0:rule:rule 0: from all lookup local: matches/m);
  assert.match(text, /^1:table:looking up 198\.51\.100\.7 in table local$/m);
  assert.match(text, /^1:rule:continuing with the next rule: no route in table local matches 198\.51\.100\.7$/m);
  assert.match(text, /^0:rule:rule 100: from 10\.9\.0\.0\/16 lookup 100: no match \(source none \(0\.0\.0\.0\) not in 10\.9\.0\.0\/16\)$/m);
  assert.match(text, /^0:rule:rule 200: from all to 198\.51\.100\.0\/24 lookup 100: matches/m);
  assert.match(text, /^2:route:default via 10\.0\.0\.2 dev a0: chosen$/m);
  assert.match(text, /^0:source:source 10\.0\.0\.1/m);
  // not asked for: the same answer, no steps
  const quiet = engine.routeGet(query4('198.51.100.7'));
  assert.deepEqual(quiet.explain, []);
  assert.deepEqual(quiet.ok && quiet.route, a.ok && a.route);
});

test('fibmatch on a nexthop group: one member left prints as a single path, several as nexthops (fib_dump_info)', () => {
  const engine = createEngine(
    topologyB()
      .nexthopObject({ id: 3, gateway: ip4('10.0.0.5'), dev: 'a0', onlink: true })
      .nexthopObject({ id: 4, gateway: ip4('10.1.0.5'), dev: 'b0' })
      .nexthopObject({ id: 104, group: [{ id: 3, weight: 2 }] })
      .nexthopObject({ id: 105, group: [{ id: 3, weight: 1 }, { id: 4, weight: 1 }] })
      .route({ dst: '203.0.113.0/26', nhid: 104 })
      .route({ dst: '203.0.113.64/26', nhid: 105 })
      .build(),
  );
  const one = engine.routeGet(query4('203.0.113.1 fibmatch'));
  assert.ok(one.ok);
  assert.deepEqual(
    [one.route.gateway && formatIp(one.route.gateway), one.route.dev, one.route.flags, one.route.nexthops, one.route.nhid, one.route.protocol],
    ['10.0.0.5', 'a0', ['onlink'], undefined, 104, 'boot'],
  );
  const two = engine.routeGet(query4('203.0.113.65 fibmatch'));
  assert.ok(two.ok);
  assert.deepEqual([two.route.gateway, two.route.flags, two.route.protocol], [undefined, [], 'boot']);
  assert.deepEqual(two.route.nexthops?.map((nh) => [nh.gateway && formatIp(nh.gateway), nh.dev, nh.flags]), [
    ['10.0.0.5', 'a0', ['onlink']],
    ['10.1.0.5', 'b0', []],
  ]);
});
