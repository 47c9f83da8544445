import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NetworkState } from '../../model/network-state.ts';
import { baseRouter, withIpv6, withTableNames } from '../lint-test-support.ts';
import { check } from './table-unnamed.ts';

const cases: readonly { name: string; state: () => NetworkState; objects: readonly (readonly string[])[] }[] = [
  {
    name: 'a rule looks up table 100 that has no name',
    state: () => baseRouter().rule({ priority: 100, fwmark: 1, fwmask: 0xffffffff, table: 100 }).route({ dst: '0.0.0.0/0', via: '198.51.100.1', dev: 'wan2', table: 100 }).build(),
    objects: [['table 100', 'rule 100']],
  },
  {
    name: 'the same with "100 isp2" in rt_tables',
    state: () => withTableNames(baseRouter().rule({ priority: 100, fwmark: 1, fwmask: 0xffffffff, table: 100 }).route({ dst: '0.0.0.0/0', via: '198.51.100.1', dev: 'wan2', table: 100 }).build(), [[100, 'isp2']]),
    objects: [],
  },
  {
    name: 'routes in table 200 no rule uses',
    state: () => baseRouter().route({ dst: '0.0.0.0/0', via: '198.51.100.1', dev: 'wan2', table: 200 }).build(),
    objects: [['table 200']],
  },
  {
    name: 'rules to main, local and default need no name',
    state: () => baseRouter().rule({ priority: 10, from: '10.0.0.0/24', table: 254 }).rule({ priority: 11, table: 253 }).rule({ priority: 12, table: 255 }).build(),
    objects: [],
  },
  {
    name: 'an IPv6 rule and an IPv4 rule to one unnamed table are one finding',
    state: () => withIpv6(baseRouter().rule({ priority: 100, table: 100 }).build(), [{ priority: 100, table: 100 }], [{ dst: '::/0', via: '2001:db8:2::1', dev: 'wan2', table: 100 }]),
    objects: [['table 100', 'rule 100', 'IPv6 rule 100']],
  },
];

for (const c of cases) {
  test(`table-unnamed: ${c.name}`, () => {
    const findings = check.run({ state: c.state() });
    assert.deepEqual(findings.map((f) => f.objects), c.objects);
    for (const f of findings) assert.deepEqual([f.id, f.severity], ['table-unnamed', 'info']);
  });
}

test('table-unnamed: the message counts rules and routes, the hint gives the rt_tables line', () => {
  const state = withIpv6(baseRouter().rule({ priority: 100, table: 100 }).route({ dst: '0.0.0.0/0', via: '198.51.100.1', dev: 'wan2', table: 100 }).build(), [], [{ dst: '::/0', via: '2001:db8:2::1', dev: 'wan2', table: 100 }]);
  const [finding] = check.run({ state });
  assert.equal(finding?.message, 'table 100 has no rt_tables name (rule 100 looks it up; it holds 1 IPv4 route; it holds 1 IPv6 route): `ip rule` and `ip route` show only the number, and nothing says which uplink or purpose it is for');
  assert.match(finding?.hint ?? '', /"100 <name>"/);
});
