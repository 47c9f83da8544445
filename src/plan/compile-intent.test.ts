import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileIntent } from './compile-intent.ts';
import { ruleAddArgv, routeAddArgv } from './host-commands.ts';
import { exampleIntent, exampleRouter, policy, prefix } from './test-support.ts';

/** The rules of one chain of an nft script, trimmed. */
function chainLines(script: string, name: string): string[] {
  const lines = script.split('\n');
  const start = lines.indexOf(`\tchain ${name} {`);
  const end = lines.indexOf('\t}', start);
  return lines.slice(start + 1, end).map((l) => l.trim());
}

test('the example intent compiles to tables, routes, rules, an nft table, sysctls and the rt_tables file', () => {
  const state = exampleRouter().build();
  const { value: d, diagnostics } = compileIntent(exampleIntent(), state);
  assert.deepEqual(diagnostics.filter((x) => x.severity === 'error'), []);
  assert.deepEqual(d.tables.map((t) => [t.id, t.name, t.kind, `0x${t.mark.toString(16)}`]), [
    [100, 'isp1', 'uplink', '0x100'],
    [101, 'isp2', 'uplink', '0x200'],
    [102, 'failover-isp2-isp1', 'failover', '0x300'],
  ]);
  assert.deepEqual(d.routes.filter((r) => r.table === 102 && r.family === 4).map((r) => routeAddArgv(r).slice(3).join(' ')), [
    'add unicast 10.0.0.0/24 dev lan table 102 proto 117 metric 0 scope 253 src 10.0.0.1',
    'add unicast 192.0.2.0/24 dev wan1 table 102 proto 117 metric 0 scope 253 src 192.0.2.2',
    'add unicast 198.51.100.0/24 dev wan2 table 102 proto 117 metric 0 scope 253 src 198.51.100.2',
    'add unicast 0.0.0.0/0 via 198.51.100.1 dev wan2 table 102 proto 117 metric 1 scope 0',
    'add unicast 0.0.0.0/0 via 192.0.2.1 dev wan1 table 102 proto 117 metric 2 scope 0',
  ]);
  assert.deepEqual(d.rules4.map((r) => ruleAddArgv(r).slice(4).join(' ')), [
    'pref 1000 fwmark 0x100/0xff00 lookup 100 protocol 117',
    'pref 1001 fwmark 0x200/0xff00 lookup 101 protocol 117',
    'pref 1002 fwmark 0x300/0xff00 lookup 102 protocol 117',
    'pref 1003 from 192.0.2.2/32 lookup 100 protocol 117',
    'pref 1004 from 198.51.100.2/32 lookup 101 protocol 117',
    'pref 1005 ipproto 6 dport 22 lookup 101 protocol 117',
    'pref 1006 ipproto 6 dport 80 lookup 100 protocol 117',
    'pref 1007 ipproto 6 dport 443 lookup 100 protocol 117',
    'pref 1008 uidrange 1000-1000 lookup 102 protocol 117',
    'pref 1009 suppress_prefixlength 0 lookup 254 protocol 117',
    'pref 1010 lookup 100 protocol 117',
  ]);
  // only isp2 has an IPv6 gateway (link-local, no IPv6 address on the uplink): its mark, its policy, failover
  assert.deepEqual(d.rules6.map((r) => ruleAddArgv(r).slice(4).join(' ')), [
    'pref 1001 fwmark 0x200/0xff00 lookup 101 protocol 117',
    'pref 1002 fwmark 0x300/0xff00 lookup 102 protocol 117',
    'pref 1005 ipproto 6 dport 22 lookup 101 protocol 117',
    'pref 1008 uidrange 1000-1000 lookup 102 protocol 117',
  ]);
  assert.deepEqual(d.routes.filter((r) => r.family === 6).map((r) => routeAddArgv(r).slice(3).join(' ')), [
    'append unicast ::/0 via fe80::1 dev wan2 table 101 proto 117 metric 1024',
    'append unicast ::/0 via fe80::1 dev wan2 table 102 proto 117 metric 1',
  ]);
  assert.deepEqual([...d.sysctls], [
    ['net/ipv4/conf/wan1/rp_filter', '2'],
    ['net/ipv4/conf/wan1/src_valid_mark', '1'],
    ['net/ipv4/conf/wan2/rp_filter', '2'],
    ['net/ipv4/conf/wan2/src_valid_mark', '1'],
    ['net/ipv4/conf/wan2/ignore_routes_with_linkdown', '1'],
    ['net/ipv6/conf/wan2/ignore_routes_with_linkdown', '1'],
    ['net/ipv4/conf/wan1/ignore_routes_with_linkdown', '1'],
    ['net/ipv6/conf/wan1/ignore_routes_with_linkdown', '1'],
    ['net/ipv4/ip_forward', '1'],
    ['net/ipv6/conf/all/forwarding', '1'],
  ]);
  assert.deepEqual(d.files, [{ path: '/etc/iproute2/rt_tables.d/pbr.conf', content: '# routing tables of pbr (written by pbr apply; pbr rewrites this file)\n100\tisp1\n101\tisp2\n102\tfailover-isp2-isp1\n' }]);
  // ip rules decide ssh and web; nft must stop at them before the office balance, which only nft can do
  assert.deepEqual(chainLines(d.nft.script, 'policies'), [
    'tcp dport 22 return',
    'tcp dport { 80, 443 } return',
    'ip saddr 10.0.0.0/24 numgen random mod 4 vmap { 0-2 : goto mark_isp1, 3 : goto mark_isp2 }',
  ]);
  assert.deepEqual(chainLines(d.nft.script, 'prerouting'), [
    'type filter hook prerouting priority mangle; policy accept;',
    'ct state established,related jump restore',
    'iifname "wan1" ct state new goto mark_isp1',
    'iifname "wan2" ct state new goto mark_isp2',
    'ct state new jump policies',
  ]);
  assert.deepEqual(chainLines(d.nft.script, 'mark_isp2'), ['meta mark set meta mark & 0xffff02ff | 0x00000200', 'ct mark set ct mark & 0xffff02ff | 0x00000200', 'accept']);
});

test('policies: which become ip rules and which nft marks', () => {
  const state = exampleRouter().build();
  const cases = [
    { name: 'src list of both families: one rule per family', match: { src: [prefix('10.0.0.0/24'), prefix('2001:db8::/64')] }, rules4: ['from 10.0.0.0/24 lookup 101'], nft: [] as string[] },
    { name: 'iif and port range', match: { iif: 'lan', proto: 17, dport: [{ start: 8000, end: 8100 }] }, rules4: ['iif lan ipproto 17 dport 8000-8100 lookup 101'], nft: [] },
    { name: 'dscp: nft only (ip rule tos compares 3 bits of IPv4 tos), one rule per family', match: { dscp: 46 }, rules4: [], nft: ['ip dscp 0x2e goto mark_isp2', 'ip6 dscp 0x2e goto mark_isp2'] },
    { name: 'not: nft, through the policy\'s own chain', match: { proto: 6, not: { dport: [{ start: 22, end: 22 }] } }, rules4: [], nft: ['meta l4proto 6 jump policy_0'] },
  ];
  for (const c of cases) {
    const { default: _default, ...rest } = exampleIntent();
    const intent = { ...rest, policies: [policy('p', c.match, 'isp2')] };
    const { value: d } = compileIntent(intent, state);
    const policyRules = d.rules4.filter((r) => r.fwmask === 0 && r.src?.length !== 32).map((r) => ruleAddArgv(r).slice(6, -2).join(' '));
    assert.deepEqual(policyRules, c.rules4, c.name);
    assert.deepEqual(chainLines(d.nft.script, 'policies'), c.nft, c.name);
  }
});

test('tables: a name rt_tables already has keeps its id; ids with foreign routes are skipped; a full range is an error', () => {
  const withFiles = (content: string) => ({ ...exampleRouter().route({ dst: '203.0.113.0/24', dev: 'lan', table: 100 }).build(), rtTablesFiles: [{ path: '/etc/iproute2/rt_tables', content }] });
  const named = compileIntent(exampleIntent(), withFiles('250 isp2\n')).value;
  assert.deepEqual(named.tables.map((t) => [t.name, t.id, t.named]), [['isp1', 101, true], ['isp2', 250, false], ['failover-isp2-isp1', 102, true]]);
  const full = compileIntent(exampleIntent({ tableIds: { start: 100, end: 101 } }), withFiles(''));
  assert.deepEqual(full.diagnostics.filter((x) => x.severity === 'error').map((x) => x.code), ['intent-table-range-full', 'intent-table-range-full']);
});

test('marks: given marks are kept, others fill the mask from its lowest bit; a mark outside the mask is an error', () => {
  const state = exampleRouter().build();
  const base = exampleIntent({ markMask: 0x30000 });
  const intent = { ...base, uplinks: [{ ...base.uplinks[0]!, mark: 0x10000 }, base.uplinks[1]!] };
  const { value: d, diagnostics } = compileIntent(intent, state);
  assert.deepEqual(d.tables.map((t) => t.mark), [0x10000, 0x20000, 0x30000]);
  assert.deepEqual(diagnostics.filter((x) => x.severity === 'error'), []);
  const bad = compileIntent({ ...base, uplinks: [{ ...base.uplinks[0]!, mark: 0x1 }, base.uplinks[1]!] }, state);
  assert.deepEqual(bad.diagnostics.filter((x) => x.severity === 'error').map((x) => x.code), ['intent-mark-outside-mask']);
});

test('a `not` inside a `not` is an error', () => {
  const intent = { ...exampleIntent(), policies: [policy('p', { not: { proto: 6, not: { dport: [{ start: 22, end: 22 }] } } }, 'isp2')] };
  assert.deepEqual(compileIntent(intent, exampleRouter().build()).diagnostics.filter((x) => x.severity === 'error').map((x) => x.code), ['intent-not-nested']);
});

test('an uplink whose interface does not exist is an error with the interfaces as hint', () => {
  const { diagnostics } = compileIntent({ ...exampleIntent(), uplinks: [...exampleIntent().uplinks, { ...exampleIntent().uplinks[0]!, name: 'isp3', interface: 'wan3' }] }, exampleRouter().build());
  const e = diagnostics.find((x) => x.code === 'intent-uplink-no-interface');
  assert.match(e?.message ?? '', /uplink isp3: no interface wan3/);
  assert.match(e?.hint ?? '', /lo, lan, wan1, wan2/);
});

test('tables keep the ids pbr gave them before (its own rt_tables.d file), so a changed intent does not renumber them', () => {
  const state = { ...exampleRouter().build(), rtTablesFiles: [{ path: '/etc/iproute2/rt_tables', content: '' }, { path: '/etc/iproute2/rt_tables.d/pbr.conf', content: '105\tisp2\n100\tisp1\n' }] };
  const { value: d } = compileIntent(exampleIntent(), state);
  assert.deepEqual(d.tables.map((t) => [t.name, t.id, t.named]), [['isp1', 100, true], ['isp2', 105, true], ['failover-isp2-isp1', 101, true]]);
});

test('two uplinks with one mark is an error', () => {
  const base = exampleIntent();
  const intent = { ...base, uplinks: base.uplinks.map((u) => ({ ...u, mark: 0x100 })) };
  assert.deepEqual(compileIntent(intent, exampleRouter().build()).diagnostics.filter((x) => x.severity === 'error').map((x) => x.message), ['uplink isp2: mark 0x100 is uplink isp1\'s too']);
});
