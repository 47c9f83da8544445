import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Intent, PolicyMatch, Uplink, Via } from '../../model/intent.ts';
import type { NetworkState } from '../../model/network-state.ts';
import { addr, DEFAULT_OPTIONS, policy, prefix, uplink, withIpv6Address } from '../../plan/test-support.ts';
import { baseRouter, withIpv6, type Route6Spec, type Rule6Spec } from '../lint-test-support.ts';
import { check } from './ipv6-gap.ts';

const ALL = 0xffffffff;

/** The base router, `fwmark 0x2 lookup 100` with table 100's IPv4 default via wan2; wan2 has IPv6 unless told. */
function router(opts: { wan2v6?: 'address' | 'main-default' | 'none'; v6DefaultVia?: 'wan1' | 'wan2'; table200v6?: boolean; rules6?: Rule6Spec[]; rule4?: Partial<Rule6Spec> } = {}): NetworkState {
  let state = baseRouter()
    .route({ dst: 'default', via: '198.51.100.1', dev: 'wan2', table: 100 })
    .rule({ priority: 100, fwmark: 2, fwmask: ALL, table: 100, ...opts.rule4 })
    .build();
  state = withIpv6Address(state, 'wan1', '2001:db8:1::2/64');
  if ((opts.wan2v6 ?? 'address') === 'address') state = withIpv6Address(state, 'wan2', '2001:db8:2::2/64');
  const routes: Route6Spec[] = [opts.v6DefaultVia === 'wan2' ? { dst: '::/0', via: '2001:db8:2::1', dev: 'wan2' } : { dst: '::/0', via: '2001:db8:1::1', dev: 'wan1' }];
  if (opts.table200v6) routes.push({ dst: '::/0', via: '2001:db8:1::1', dev: 'wan1', table: 200 });
  if (opts.wan2v6 === 'main-default') routes.push({ dst: '::/0', via: 'fe80::1', dev: 'wan2' });
  return withIpv6(state, opts.rules6 ?? [], routes);
}

const objects = (state: NetworkState, intent?: Intent): string[] => check.run(intent ? { state, intent } : { state }).map((f) => f.objects.join(', '));

test('ipv6-gap: rules on the state', () => {
  const cases: { name: string; state: NetworkState; want: string[] }[] = [
    { name: 'marked IPv4 via wan2, no IPv6 rule', state: router(), want: ['rule 100, table 100, dev wan2'] },
    { name: 'the IPv6 rule with the same mark', state: router({ rules6: [{ priority: 100, fwmark: 2, fwmask: ALL, table: 100 }] }), want: [] },
    { name: 'an IPv6 rule with another mark', state: router({ rules6: [{ priority: 100, fwmark: 3, fwmask: ALL, table: 100 }] }), want: ['rule 100, table 100, dev wan2'] },
    { name: 'an IPv6 rule sending the mark to main is no counterpart', state: router({ rules6: [{ priority: 100, fwmark: 2, fwmask: ALL, table: 254 }] }), want: ['rule 100, table 100, dev wan2'] },
    { name: 'a deliberate IPv6 blackhole is one', state: router({ rules6: [{ priority: 100, fwmark: 2, fwmask: ALL, action: 'blackhole', table: 0 }] }), want: [] },
    { name: 'wan2 without IPv6', state: router({ wan2v6: 'none' }), want: [] },
    { name: 'wan2 with only an IPv6 default in main', state: router({ wan2v6: 'main-default' }), want: ['rule 100, table 100, dev wan2'] },
    {
      name: 'from-prefix rule: the IPv6 rule names a prefix too',
      state: router({ rule4: { fwmark: 0, fwmask: 0, from: '10.0.0.0/24' }, rules6: [{ priority: 100, from: '2001:db8:a::/64', table: 100 }] }),
      want: [],
    },
    { name: 'from-prefix rule without an IPv6 prefix rule', state: router({ rule4: { fwmark: 0, fwmask: 0, from: '10.0.0.0/24' } }), want: ['rule 100, table 100, dev wan2'] },
    {
      name: 'ICMP has ICMPv6 as counterpart',
      state: router({ rule4: { fwmark: 0, fwmask: 0, ipProto: 1 }, rules6: [{ priority: 100, ipProto: 58, table: 100 }] }),
      want: [],
    },
    { name: "main's only IPv6 default already leaves through wan2", state: router({ v6DefaultVia: 'wan2' }), want: [] },
    {
      name: 'IPv6 rules for some protocols of the mark leave the rest to main',
      state: router({ v6DefaultVia: 'wan2', rules6: [{ priority: 50, fwmark: 2, fwmask: ALL, table: 254, ipProto: 6 }, { priority: 60, fwmark: 2, fwmask: ALL, action: 'unreachable', table: 0, ipProto: 17 }] }),
      want: [],
    },
    {
      name: 'an IPv6 rule sends the mark elsewhere',
      state: router({ v6DefaultVia: 'wan2', table200v6: true, rules6: [{ priority: 50, fwmark: 2, fwmask: 0xff, table: 200 }] }),
      want: ['rule 100, table 100, dev wan2'],
    },
    {
      name: 'an IPv6 rule for the mark looks up an empty table: main still takes it through wan2',
      state: router({ v6DefaultVia: 'wan2', rules6: [{ priority: 50, fwmark: 2, fwmask: 0xff, table: 200 }] }),
      want: [],
    },
    { name: 'a rule looking up main is no policy table', state: router({ rule4: { table: 254 } }), want: [] },
  ];
  for (const c of cases) assert.deepEqual(objects(c.state), c.want, c.name);
});

test('ipv6-gap: the message names the rule, table and device; the hint the IPv6 commands', () => {
  const [f] = check.run({ state: router({ wan2v6: 'main-default' }) });
  assert.ok(f);
  assert.equal(f.severity, 'warning');
  assert.match(f.message, /rule "100: from all fwmark 0x2 lookup 100" sends IPv4 through wan2 \(the default route of table 100\)/);
  assert.match(f.hint, /`ip -6 rule add pref 100 from all fwmark 0x2 lookup 100` and `ip -6 route add default via fe80::1 dev wan2 table 100`/);
  assert.match(check.run({ state: router() })[0]?.hint ?? '', /`ip -6 route add default via GATEWAY6 dev wan2 table 100`/);
  const [icmp] = check.run({ state: router({ rule4: { fwmark: 0, fwmask: 0, ipProto: 1, from: '10.0.0.0/24' } }) });
  assert.match(icmp?.hint ?? '', /`ip -6 rule add pref 100 from IPV6-SOURCE-PREFIX ipproto ipv6-icmp lookup 100`/);
});

function intent(policies: readonly { match: PolicyMatch; via: Via | string }[], isp2: Partial<Uplink> = { gateway6: addr('2001:db8:2::1') }): Intent {
  return {
    file: 'pbr.yaml',
    uplinks: [uplink('isp1', 'wan1', '192.0.2.1'), uplink('isp2', 'wan2', '198.51.100.1', isp2)],
    policies: policies.map((p, i) => policy(`p${i}`, p.match, p.via)),
    options: DEFAULT_OPTIONS,
  };
}

test('ipv6-gap: intent policies routed for IPv4 only over an uplink with a gateway6', () => {
  const state = router({ rules6: [{ priority: 100, fwmark: 2, fwmask: ALL, table: 100 }] });
  const office = { match: { src: [prefix('10.0.0.0/24')] }, via: 'isp2' };
  const cases: { name: string; intent: Intent; want: string[] }[] = [
    { name: 'IPv4 source only', intent: intent([office]), want: ['policy p0, uplink isp2'] },
    { name: 'with its IPv6 counterpart', intent: intent([office, { match: { src: [prefix('2001:db8:a::/64')] }, via: 'isp2' }]), want: [] },
    { name: 'counterpart with another port is none', intent: intent([office, { match: { src: [prefix('2001:db8:a::/64')], proto: 6 }, via: 'isp2' }]), want: ['policy p0, uplink isp2'] },
    { name: 'the uplink has no gateway6', intent: intent([office], {}), want: [] },
    { name: 'no addresses: both families', intent: intent([{ match: { proto: 6, dport: [{ start: 22, end: 22 }] }, via: 'isp2' }]), want: [] },
    { name: 'ICMP', intent: intent([{ match: { proto: 1 }, via: 'isp2' }]), want: ['policy p0, uplink isp2'] },
    { name: 'ICMP with ICMPv6', intent: intent([{ match: { proto: 1 }, via: 'isp2' }, { match: { proto: 58 }, via: 'isp2' }]), want: [] },
    {
      name: 'balance over an uplink without gateway6: the match is not IPv4 only',
      intent: intent([{ match: { proto: 6 }, via: { kind: 'balance', weights: [{ uplink: 'isp1', weight: 1 }, { uplink: 'isp2', weight: 1 }] } }]),
      want: [],
    },
    { name: 'failover from an IPv6 uplink', intent: intent([{ match: { src: [prefix('10.0.0.0/24')] }, via: { kind: 'failover', order: ['isp2', 'isp1'] } }]), want: ['policy p0, uplink isp2'] },
    { name: 'an IPv4 policy over the IPv4-only uplink', intent: intent([{ match: { src: [prefix('10.0.0.0/24')] }, via: 'isp1' }]), want: [] },
  ];
  for (const c of cases) assert.deepEqual(objects(state, c.intent), c.want, c.name);
  const [f] = check.run({ state, intent: intent([office]) });
  assert.match(f?.message ?? '', /policy p0 \(pbr\.yaml\) selects IPv4 only because its addresses are IPv4 only \(10\.0\.0\.0\/24\), although uplink isp2 has a gateway6/);
  assert.match(f?.hint ?? '', /the hosts' IPv6 prefixes under match\.src/);
  const [icmp] = check.run({ state, intent: intent([{ match: { proto: 1 }, via: 'isp2' }]) });
  assert.match(icmp?.message ?? '', /because it matches ICMP, which is IPv4 only/);
  assert.match(icmp?.hint ?? '', /`proto: icmpv6`/);
});
