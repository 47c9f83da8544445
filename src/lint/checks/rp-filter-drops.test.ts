import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NetworkState } from '../../model/network-state.ts';
import { parseNetfilterSources } from '../../parse/netfilter-ruleset.ts';
import { baseRouter, withTableNames } from '../lint-test-support.ts';
import { check } from './rp-filter-drops.ts';

const fwmarkRule = { priority: 100, fwmark: 1, fwmask: 0xffffffff, table: 100 } as const;
const wan2Default = { dst: '0.0.0.0/0', via: '198.51.100.1', dev: 'wan2', table: 100 } as const;

/** base router, table 100 default via wan2 chosen by fwmark 1, and these sysctls */
function policyRouter(sysctls: Readonly<Record<string, number>>): NetworkState {
  let b = baseRouter().rule(fwmarkRule).route(wan2Default);
  for (const [key, value] of Object.entries(sysctls)) b = b.sysctl(key, value);
  return b.build();
}

const RESTORE_ON_WAN2 = `*mangle
:PREROUTING ACCEPT [0:0]
-A PREROUTING -i lan0 -p tcp -m tcp --dport 22 -j MARK --set-xmark 0x1/0xffffffff
-A PREROUTING -i lan0 -j CONNMARK --save-mark
-A PREROUTING -i wan2 -j CONNMARK --restore-mark
COMMIT
`;

function withIptables(state: NetworkState, text: string): NetworkState {
  const parsed = parseNetfilterSources({ iptables: { text, label: 'test' } });
  assert.deepEqual(parsed.diagnostics, []);
  return parsed.value ? { ...state, netfilter: parsed.value } : state;
}

const cases: readonly { name: string; state: () => NetworkState; objects: readonly (readonly string[])[] }[] = [
  {
    name: 'strict on wan2, table 100 sends everything out wan2, main answers the reverse lookup by wan1',
    state: () => policyRouter({ 'net.ipv4.conf.wan2.rp_filter': 1 }),
    objects: [['dev wan2', 'rule 32766', 'table main', 'table 100']],
  },
  { name: 'the same with loose rp_filter on wan2', state: () => policyRouter({ 'net.ipv4.conf.wan2.rp_filter': 2 }), objects: [] },
  { name: 'strict via all: the larger of all and the device counts', state: () => policyRouter({ 'net.ipv4.conf.all.rp_filter': 1 }), objects: [['dev wan2', 'rule 32766', 'table main', 'table 100']] },
  { name: 'all strict, wan2 loose: max(all, dev) is loose', state: () => policyRouter({ 'net.ipv4.conf.all.rp_filter': 1, 'net.ipv4.conf.wan2.rp_filter': 2 }), objects: [] },
  {
    name: 'strict everywhere without a policy table: every route out of an interface comes back by it',
    state: () => baseRouter().sysctl('net.ipv4.conf.all.rp_filter', 1).build(),
    objects: [],
  },
  {
    name: 'strict, but a rule sends wan2\'s address back through table 100',
    state: () => baseRouter().rule(fwmarkRule).rule({ priority: 110, from: '198.51.100.2', table: 100 }).route(wan2Default).sysctl('net.ipv4.conf.wan2.rp_filter', 1).build(),
    objects: [],
  },
  {
    name: 'named table',
    state: () => withTableNames(policyRouter({ 'net.ipv4.conf.wan2.rp_filter': 1 }), [[100, 'isp2']]),
    objects: [['dev wan2', 'rule 32766', 'table main', 'table isp2']],
  },
  {
    name: 'strict with src_valid_mark and the mark restored from conntrack on wan2',
    state: () => withIptables(policyRouter({ 'net.ipv4.conf.wan2.rp_filter': 1, 'net.ipv4.conf.wan2.src_valid_mark': 1 }), RESTORE_ON_WAN2),
    objects: [],
  },
  {
    name: 'strict with the mark restored but without src_valid_mark',
    state: () => withIptables(policyRouter({ 'net.ipv4.conf.wan2.rp_filter': 1 }), RESTORE_ON_WAN2),
    objects: [['dev wan2', 'rule 32766', 'table main', 'table 100']],
  },
];

for (const c of cases) {
  test(`rp-filter-drops: ${c.name}`, () => {
    const findings = check.run({ state: c.state() });
    assert.deepEqual(findings.map((f) => f.objects), c.objects);
    for (const f of findings) assert.deepEqual([f.id, f.severity], ['rp-filter-drops', 'warning']);
  });
}

test('rp-filter-drops: the message names the interface, the source, the route out and the reverse route; the hint the verified fixes', () => {
  const [finding] = check.run({ state: policyRouter({ 'net.ipv4.conf.wan2.rp_filter': 1 }) });
  assert.equal(
    finding?.message,
    'strict rp_filter on wan2 drops packets from 198.18.0.1 arriving there (e.g. to 198.51.100.2) as martian source: table 100 sends 198.18.0.1 out wan2 ' +
      '(default via 198.51.100.1 dev wan2), but the reverse lookup (iif lo) takes rule 32766 → table main: default via 192.0.2.1 dev wan1',
  );
  const hint = finding?.hint ?? '';
  assert.match(hint, /loose rp_filter on wan2: `sysctl -w net\.ipv4\.conf\.wan2\.rp_filter=2`/);
  assert.match(hint, /src_valid_mark=1 with mark 0x1 restored from conntrack on wan2: `sysctl -w net\.ipv4\.conf\.wan2\.src_valid_mark=1`/);
  assert.match(hint, /a route back via wan2 in table main: `ip route add 198\.18\.0\.1 via 198\.51\.100\.1 dev wan2 table main`/);
});

test('rp-filter-drops: a table route to a prefix out of the interface gives a source inside that prefix', () => {
  const state = baseRouter()
    .rule({ priority: 100, from: '10.0.0.0/24', table: 100 })
    .route({ dst: '203.0.113.0/24', via: '198.51.100.1', dev: 'wan2', table: 100 })
    .sysctl('net.ipv4.conf.wan2.rp_filter', 1)
    .build();
  const [finding] = check.run({ state });
  assert.match(finding?.message ?? '', /drops packets from 203\.0\.113\.1 arriving there/);
});
