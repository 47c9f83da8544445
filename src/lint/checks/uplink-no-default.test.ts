import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NetworkState } from '../../model/network-state.ts';
import { baseRouter, withIpv6, withTableNames } from '../lint-test-support.ts';
import { check } from './uplink-no-default.ts';

const fwmarkRule = { priority: 100, fwmark: 1, fwmask: 0xffffffff, table: 100 } as const;
const lanRoute = { dst: '10.0.0.0/24', dev: 'lan0', table: 100 } as const;

const cases: readonly { name: string; state: () => NetworkState; objects: readonly (readonly string[])[] }[] = [
  { name: 'table 100 holds only the LAN route', state: () => baseRouter().rule(fwmarkRule).route(lanRoute).build(), objects: [['table 100', 'rule 100']] },
  {
    name: 'the same table with a default route',
    state: () => baseRouter().rule(fwmarkRule).route(lanRoute).route({ dst: '0.0.0.0/0', via: '198.51.100.1', dev: 'wan2', table: 100 }).build(),
    objects: [],
  },
  {
    name: 'an unreachable default is deliberate',
    state: () => baseRouter().rule(fwmarkRule).route(lanRoute).route({ dst: '0.0.0.0/0', type: 'unreachable', table: 100 }).build(),
    objects: [],
  },
  { name: 'an empty table is rule-table-empty, not this', state: () => baseRouter().rule(fwmarkRule).build(), objects: [] },
  {
    name: 'a `to` rule inside the table routes needs no default',
    state: () => baseRouter().rule({ priority: 100, to: '10.0.0.128/25', table: 100 }).route(lanRoute).build(),
    objects: [],
  },
  {
    name: 'a `to` rule wider than the table routes',
    state: () => baseRouter().rule({ priority: 100, to: '10.0.0.0/8', table: 100 }).route(lanRoute).build(),
    objects: [['table 100', 'rule 100']],
  },
  {
    name: 'suppress_prefixlength 0 drops the default anyway',
    state: () => baseRouter().rule({ ...fwmarkRule, suppressPrefixlen: 0 }).route(lanRoute).build(),
    objects: [],
  },
  { name: 'main without a default is not a policy table', state: () => baseRouter().rule({ priority: 100, from: '10.0.0.0/24', table: 254 }).build(), objects: [] },
  {
    name: 'two rules to one named table are one finding',
    state: () => withTableNames(baseRouter().rule(fwmarkRule).rule({ priority: 110, from: '10.0.0.0/25', table: 100 }).route(lanRoute).build(), [[100, 'isp2']]),
    objects: [['table isp2', 'rule 100', 'rule 110']],
  },
  {
    name: 'IPv6: the table has a v4 default but only a v6 LAN route',
    state: () =>
      withIpv6(
        baseRouter().rule(fwmarkRule).route({ dst: '0.0.0.0/0', via: '198.51.100.1', dev: 'wan2', table: 100 }).build(),
        [{ priority: 100, fwmark: 1, fwmask: 0xffffffff, table: 100 }],
        [{ dst: '2001:db8:a::/64', dev: 'lan0', table: 100 }],
      ),
    objects: [['table 100', 'IPv6 rule 100']],
  },
];

for (const c of cases) {
  test(`uplink-no-default: ${c.name}`, () => {
    const findings = check.run({ state: c.state() });
    assert.deepEqual(findings.map((f) => f.objects), c.objects);
    for (const f of findings) assert.deepEqual([f.id, f.severity], ['uplink-no-default', 'warning']);
  });
}

test('uplink-no-default: message lists the routes, hint a gateway from the table', () => {
  const state = baseRouter().rule(fwmarkRule).route(lanRoute).route({ dst: '203.0.113.0/24', via: '198.51.100.1', dev: 'wan2', table: 100 }).build();
  const [finding] = check.run({ state });
  assert.match(finding?.message ?? '', /^IPv4 table 100 has no default route \(only 10\.0\.0\.0\/24, 203\.0\.113\.0\/24\): packets that rule 100 sends there/);
  assert.match(finding?.hint ?? '', /`ip route add default via 198\.51\.100\.1 dev wan2 table 100`/);
  assert.match(finding?.hint ?? '', /`ip route add unreachable default table 100`/);
});
