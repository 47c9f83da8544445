import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ipv4StateBuilder } from '../../engine/ipv4/test-support.ts';
import type { Intent, PolicyMatch } from '../../model/intent.ts';
import type { NetworkState } from '../../model/network-state.ts';
import { addr, DEFAULT_OPTIONS, policy, prefix, uplink, withIpv6Address } from '../../plan/test-support.ts';
import { check } from './forwarding-off.ts';

const lan = { name: 'lan', detached: false };

/** lan 10.0.0.1/24, wan1, wan2 (table 100's default); forwarding per device as given, on elsewhere. */
function router(forwarding: Record<string, number>, rules: 'iif lan' | 'not iif lan' | 'iif lo' | 'none' = 'iif lan'): NetworkState {
  const b = new Ipv4StateBuilder()
    .device('lan')
    .device('wan1')
    .device('wan2')
    .address('lan', '10.0.0.1/24')
    .address('wan1', '192.0.2.2/24')
    .address('wan2', '198.51.100.2/24')
    .route({ dst: 'default', via: '192.0.2.1', dev: 'wan1' })
    .route({ dst: 'default', via: '198.51.100.1', dev: 'wan2', table: 100 });
  for (const dev of ['all', 'default', 'lan', 'wan1', 'wan2']) b.sysctl(`net.ipv4.conf.${dev}.forwarding`, forwarding[dev] ?? 1);
  if (rules === 'iif lan') b.rule({ priority: 100, iif: lan, table: 100 });
  if (rules === 'not iif lan') b.rule({ priority: 100, iif: lan, invert: true, table: 100 });
  if (rules === 'iif lo') b.rule({ priority: 100, iif: { name: 'lo', detached: false }, table: 100 });
  return b.build();
}

const summary = (state: NetworkState, intent?: Intent): string[] => check.run(intent ? { state, intent } : { state }).map((f) => f.objects.join(', '));

test('forwarding-off: an iif rule on a device that does not forward', () => {
  assert.deepEqual(summary(router({ lan: 0 })), ['rule 100, dev lan']);
  // near-identical: the device forwards, even though `all` says 0 (IPv4 reads the input device's value only)
  assert.deepEqual(summary(router({ all: 0, lan: 1 })), []);
  // `all` on, the device off: still off for the device
  assert.deepEqual(summary(router({ all: 1, lan: 0 })), ['rule 100, dev lan']);
});

test('forwarding-off: the message names rule and device, the hint the sysctl', () => {
  const [f] = check.run({ state: router({ lan: 0 }) });
  assert.ok(f);
  assert.equal(f.severity, 'warning');
  assert.match(f.message, /rule "100: from all iif lan lookup 100" selects packets arriving on lan, but net\.ipv4\.conf\.lan\.forwarding is 0/);
  assert.match(f.hint, /`sysctl -w net\.ipv4\.conf\.lan\.forwarding=1`/);
});

test('forwarding-off: not-iif rules, iif lo and missing iif rules are no forwarded-traffic rules', () => {
  assert.deepEqual(summary(router({ lan: 0 }, 'not iif lan')), []);
  assert.deepEqual(summary(router({ lan: 0 }, 'iif lo')), []);
  assert.deepEqual(summary(router({ lan: 0 }, 'none')), []);
});

test('forwarding-off: an IPv6 iif rule needs net.ipv6.conf.all.forwarding', () => {
  const base = withIpv6Address(router({ lan: 0 }, 'none'), 'lan', '2001:db8:a::1/64');
  const withRule = (v6forwarding: number): NetworkState => ({
    ...base,
    rules6: [...base.rules6, { ...base.rules6[0]!, priority: 100, table: 100, iif: lan, order: base.rules6.length }],
    sysctls: new Map([...base.sysctls, ['net/ipv6/conf/all/forwarding', String(v6forwarding)]]),
  });
  const off = check.run({ state: withRule(0) });
  assert.deepEqual(off.map((f) => f.objects.join(', ')), ['IPv6 rule 100, dev lan']);
  assert.match(off[0]?.hint ?? '', /sysctl -w net\.ipv6\.conf\.all\.forwarding=1/);
  assert.deepEqual(summary(withRule(1)), []);
});

function intent(match: PolicyMatch, forwarding: boolean): Intent {
  return {
    file: 'pbr.yaml',
    uplinks: [uplink('isp1', 'wan1', '192.0.2.1'), uplink('isp2', 'wan2', '198.51.100.1')],
    policies: [policy('office', match, 'isp2')],
    options: { ...DEFAULT_OPTIONS, forwarding },
  };
}

test('forwarding-off: intent policies for forwarded traffic while forwarding stays off', () => {
  const state = router({ lan: 0 }, 'none');
  const cases: { name: string; match: PolicyMatch; forwarding: boolean; want: string[] }[] = [
    { name: 'LAN source, forwarding left as is', match: { src: [prefix('10.0.0.0/24')] }, forwarding: false, want: ['policy office, dev lan'] },
    { name: 'LAN host as source', match: { src: [prefix('10.0.0.7/32')] }, forwarding: false, want: ['policy office, dev lan'] },
    { name: 'LAN source, pbr turns forwarding on', match: { src: [prefix('10.0.0.0/24')] }, forwarding: true, want: [] },
    { name: 'iif lan', match: { iif: 'lan' }, forwarding: false, want: ['policy office, dev lan'] },
    { name: 'the host itself as source', match: { src: [prefix('10.0.0.1/32')] }, forwarding: false, want: [] },
    { name: 'a source on no interface', match: { src: [prefix('172.16.0.0/12')] }, forwarding: false, want: [] },
    { name: 'a port only', match: { proto: 6, dport: [{ start: 22, end: 22 }] }, forwarding: false, want: [] },
  ];
  for (const c of cases) assert.deepEqual(summary(state, intent(c.match, c.forwarding)), c.want, c.name);
  // near-identical: the LAN device forwards
  assert.deepEqual(summary(router({ lan: 1 }, 'none'), intent({ src: [prefix('10.0.0.0/24')] }, false)), []);
});

test('forwarding-off: an intent policy routed for IPv6 too needs net.ipv6.conf.all.forwarding', () => {
  const withV6 = (v6forwarding: number): NetworkState => {
    const state = router({}, 'none');
    return { ...state, sysctls: new Map([...state.sysctls, ['net/ipv6/conf/all/forwarding', String(v6forwarding)]]) };
  };
  const v6Intent = (): Intent => ({
    ...intent({ iif: 'lan' }, false),
    uplinks: [uplink('isp1', 'wan1', '192.0.2.1'), uplink('isp2', 'wan2', '198.51.100.1', { gateway6: addr('2001:db8:2::1') })],
  });
  const findings = check.run({ state: withV6(0), intent: v6Intent() });
  assert.deepEqual(findings.map((f) => f.objects.join(', ')), ['policy office, dev lan']);
  assert.match(findings[0]?.message ?? '', /net\.ipv6\.conf\.all\.forwarding is 0/);
  assert.deepEqual(summary(withV6(1), v6Intent()), []);
  // the uplink carries no IPv6: IPv6 forwarding does not matter to the policy
  assert.deepEqual(summary(withV6(0), intent({ iif: 'lan' }, false)), []);
});
