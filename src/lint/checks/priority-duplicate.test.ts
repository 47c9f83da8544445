import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NetworkState } from '../../model/network-state.ts';
import { baseRouter, withIpv6 } from '../lint-test-support.ts';
import { check } from './priority-duplicate.ts';

const cases: readonly { name: string; state: () => NetworkState; objects: readonly (readonly string[])[] }[] = [
  {
    name: 'two IPv4 rules at 100',
    state: () => baseRouter().rule({ priority: 100, fwmark: 1, fwmask: 0xffffffff, table: 100 }).rule({ priority: 100, from: '10.0.0.0/24', table: 200 }).build(),
    objects: [['rule 100']],
  },
  {
    name: 'the same rules at 100 and 101',
    state: () => baseRouter().rule({ priority: 100, fwmark: 1, fwmask: 0xffffffff, table: 100 }).rule({ priority: 101, from: '10.0.0.0/24', table: 200 }).build(),
    objects: [],
  },
  {
    name: 'IPv4 and IPv6 rules may share a priority',
    state: () => withIpv6(baseRouter().rule({ priority: 100, table: 100 }).build(), [{ priority: 100, table: 100 }], []),
    objects: [],
  },
  {
    name: 'two IPv6 rules at 100',
    state: () => withIpv6(baseRouter().build(), [{ priority: 100, table: 100 }, { priority: 100, from: '2001:db8:a::/64', table: 200 }], []),
    objects: [['IPv6 rule 100']],
  },
  {
    name: 'three rules at one priority are one finding',
    state: () => baseRouter().rule({ priority: 7, table: 1 }).rule({ priority: 7, table: 2 }).rule({ priority: 7, table: 3 }).build(),
    objects: [['rule 7']],
  },
];

for (const c of cases) {
  test(`priority-duplicate: ${c.name}`, () => {
    const findings = check.run({ state: c.state() });
    assert.deepEqual(findings.map((f) => f.objects), c.objects);
    for (const f of findings) assert.equal(f.id, 'priority-duplicate');
  });
}

test('priority-duplicate: the message quotes both rules and the hint a free priority', () => {
  const state = baseRouter().rule({ priority: 100, fwmark: 1, fwmask: 0xffffffff, table: 100 }).rule({ priority: 100, from: '10.0.0.0/24', table: 200 }).rule({ priority: 101, table: 5 }).build();
  const [finding] = check.run({ state });
  assert.match(finding?.message ?? '', /2 IPv4 rules share priority 100: "100: from all fwmark 0x1 lookup 100", "100: from 10\.0\.0\.0\/24 lookup 200"/);
  assert.match(finding?.hint ?? '', /pref 102/);
  assert.equal(finding?.severity, 'warning');
});
