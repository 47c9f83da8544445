import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatIp } from '../addr/address.ts';
import type { Intent } from '../model/intent.ts';
import type { NetworkState } from '../model/network-state.ts';
import { appliedState } from './applied-state.ts';
import { compileIntent } from './compile-intent.ts';
import { policyChecks, verifyPolicies } from './policy-checks.ts';
import { exampleIntent, exampleRouter, policy, prefix, withIpv6Address } from './test-support.ts';

const applied = (intent: Intent, live: NetworkState): NetworkState => appliedState(live, compileIntent(intent, live).value);
const lines = (intent: Intent, state: NetworkState): string[] =>
  verifyPolicies(intent, state).map((v) => `${v.ok ? 'ok' : 'FAIL'} ${v.check.policy} ${v.check.request.iif ?? 'local'} ${v.check.request.dport ?? ''} → ${v.got}`);

test('checks: a packet per policy, sent by the host and forwarded from the LAN, with the uplink the intent names', () => {
  const intent = exampleIntent();
  const checks = policyChecks(intent, exampleRouter().build());
  assert.deepEqual(checks.map((c) => `${c.policy} ${c.request.iif ?? 'local'} ${c.request.src ? formatIp(c.request.src) : '-'} ${c.request.proto}/${c.request.dport ?? ''}${c.request.uid !== undefined ? ` uid ${c.request.uid}` : ''} → ${c.expect.dev}${c.expect.probability !== undefined ? ` p=${c.expect.probability}` : ''}`), [
    'ssh-via-isp2 local - 6/22 → wan2',
    'ssh-via-isp2 lan 10.0.0.10 6/22 → wan2',
    'web-via-isp1 local - 6/80 → wan1',
    'web-via-isp1 lan 10.0.0.10 6/80 → wan1',
    'office local 10.0.0.1 17/9 → wan1 p=0.75',
    'office local 10.0.0.1 17/9 → wan2 p=0.25',
    'office lan 10.0.0.10 17/9 → wan1 p=0.75',
    'office lan 10.0.0.10 17/9 → wan2 p=0.25',
    'backup-first local - 17/9 uid 1000 → wan2',
    'replies of isp1 wan1 198.18.0.119 6/22 → wan1',
    'replies of isp2 wan2 198.18.0.119 6/22 → wan2',
  ]);
});

test('verify: every check holds after the apply, and fails where the live state does not do it yet', () => {
  const intent = exampleIntent();
  const live = exampleRouter().build();
  assert.deepEqual(lines(intent, applied(intent, live)).filter((l) => !l.startsWith('ok')), []);
  const before = lines(intent, live);
  assert.ok(before.includes('FAIL ssh-via-isp2 local 22 → wan1'), before.join('\n'));
  assert.ok(before.includes('FAIL replies of isp2 wan2 22 → request dropped EINVAL by rp_filter'), before.join('\n'));
});

test('failover: a link without carrier is passed over (ignore_routes_with_linkdown), and the check expects it', () => {
  const intent = exampleIntent();
  const live = exampleRouter().build();
  const down = { ...live, links: live.links.map((l) => (l.name === 'wan2' ? { ...l, carrier: false } : l)) };
  const state = applied(intent, down);
  const failover = verifyPolicies(intent, state).filter((v) => v.check.policy === 'backup-first');
  assert.deepEqual(failover.map((v) => [v.check.expect.dev, v.got, v.ok]), [['wan1', 'wan1', true]]);
});

test('an earlier policy decides a later one\'s packet; a `not` policy is traced through its own nft chain', () => {
  const intent: Intent = {
    ...exampleIntent(),
    policies: [
      policy('lan-except-ssh', { src: [prefix('10.0.0.0/24')], not: { proto: 6, dport: [{ start: 22, end: 22 }] } }, 'isp2'),
      policy('ssh', { proto: 6, dport: [{ start: 22, end: 22 }] }, 'isp1'),
    ],
  };
  const state = applied(intent, exampleRouter().build());
  const v = lines(intent, state);
  assert.deepEqual(v.filter((l) => !l.startsWith('ok')), []);
  assert.ok(v.includes('ok lan-except-ssh lan 9 → wan2'), v.join('\n'));
  assert.ok(v.includes('ok ssh lan 22 → wan1'), v.join('\n'));
});

test('IPv6: on a dual-stack host policies are checked in both families where their uplinks have an IPv6 gateway', () => {
  const intent = exampleIntent();
  const live = withIpv6Address(withIpv6Address(exampleRouter().build(), 'lan', '2001:db8:10::1/64'), 'wan2', '2001:db8:2::2/64');
  const state = applied(intent, live);
  const v6 = verifyPolicies(intent, state).filter((v) => v.check.request.family === 6);
  assert.deepEqual(v6.map((v) => `${v.ok ? 'ok' : 'FAIL'} ${v.check.policy} ${v.check.request.iif ?? 'local'} ${v.check.request.dport ?? ''} → ${v.got}`), [
    'ok ssh-via-isp2 local 22 → wan2',
    'ok ssh-via-isp2 lan 22 → wan2',
    'ok backup-first local 9 → wan2',
    'ok replies of isp2 wan2 22 → wan2',
  ]);
  // web-via-isp1 has no IPv6 check: isp1 has no IPv6 gateway, so IPv6 web traffic stays with table main
  const rules6 = compileIntent(intent, live).value.rules6.map((r) => r.priority);
  assert.deepEqual(rules6, [1001, 1002, 1005, 1006, 1009], 'fwmark isp2 and failover, from 2001:db8:2::2, ssh, uid 1000');
});
