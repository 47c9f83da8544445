import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NetworkState } from '../../model/network-state.ts';
import { baseRouter, withIpv6, withTableNames } from '../lint-test-support.ts';
import { check } from './rule-table-empty.ts';

const fwmarkRule = { priority: 100, fwmark: 1, fwmask: 0xffffffff, table: 100 } as const;

const cases: readonly { name: string; state: () => NetworkState; objects: readonly (readonly string[])[] }[] = [
  { name: 'fwmark rule to an empty table', state: () => baseRouter().rule(fwmarkRule).build(), objects: [['rule 100', 'table 100']] },
  {
    name: 'the same table with a default route',
    state: () => baseRouter().rule(fwmarkRule).route({ dst: '0.0.0.0/0', via: '198.51.100.1', dev: 'wan2', table: 100 }).build(),
    objects: [],
  },
  {
    name: 'the table holds only IPv6 routes: the IPv4 rule finds nothing',
    state: () => withIpv6(baseRouter().rule(fwmarkRule).build(), [], [{ dst: '::/0', via: '2001:db8:2::1', dev: 'wan2', table: 100 }]),
    objects: [['rule 100', 'table 100']],
  },
  {
    name: 'an IPv6 rule to an IPv6-empty table, named',
    state: () => withTableNames(withIpv6(baseRouter().route({ dst: '0.0.0.0/0', via: '198.51.100.1', dev: 'wan2', table: 100 }).build(), [{ priority: 50, from: '2001:db8:a::/64', table: 100 }], []), [[100, 'isp2']]),
    objects: [['IPv6 rule 50', 'table isp2']],
  },
  { name: 'the kernel rule 32767 lookup default (always empty)', state: () => baseRouter().build(), objects: [] },
  {
    name: 'a user rule to the empty table default',
    state: () => baseRouter().rule({ priority: 200, from: '10.0.0.0/24', table: 253 }).build(),
    objects: [['rule 200', 'table default']],
  },
  {
    name: 'a rule whose iif does not exist never matches',
    state: () => baseRouter().rule({ ...fwmarkRule, iif: { name: 'gone0', detached: true } }).build(),
    objects: [],
  },
  { name: 'a goto rule looks nothing up', state: () => baseRouter().rule({ priority: 100, action: 'goto', gotoTarget: 32766, table: 0 }).build(), objects: [] },
];

for (const c of cases) {
  test(`rule-table-empty: ${c.name}`, () => {
    const findings = check.run({ state: c.state() });
    assert.deepEqual(findings.map((f) => f.objects), c.objects);
    for (const f of findings) assert.deepEqual([f.id, f.severity], ['rule-table-empty', 'warning']);
  });
}

test("rule-table-empty: the hint suggests main's gateway", () => {
  const [finding] = check.run({ state: baseRouter().rule(fwmarkRule).build() });
  assert.match(finding?.message ?? '', /^rule "100: from all fwmark 0x1 lookup 100" looks up table 100, which has no IPv4 routes/);
  assert.match(finding?.hint ?? '', /`ip route add default via 192\.0\.2\.1 dev wan1 table 100`/);
});
