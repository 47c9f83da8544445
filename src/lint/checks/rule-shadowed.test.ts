import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ipv4StateBuilder, type RuleSpec4 } from '../../engine/ipv4/test-support.ts';
import { Ipv6StateBuilder } from '../../engine/ipv6/test-support.ts';
import { check } from './rule-shadowed.ts';

const ALL = 0xffffffff;

/** lan 10.0.0.1/24, wan1 (main's default), wan2; table 100 has a default via wan2 unless `table100` says otherwise. */
function router(rules: readonly RuleSpec4[], table100: 'default' | 'none' | 'dead' | 'throw' = 'default'): Ipv4StateBuilder {
  const b = new Ipv4StateBuilder()
    .device('lan')
    .device('wan1')
    .device('wan2')
    .address('lan', '10.0.0.1/24')
    .address('wan1', '192.0.2.2/24')
    .address('wan2', '198.51.100.2/24')
    .route({ dst: 'default', via: '192.0.2.1', dev: 'wan1' })
    .route({ dst: '203.0.113.0/24', via: '198.51.100.1', dev: 'wan2', table: 100 });
  if (table100 === 'default') b.route({ dst: 'default', via: '198.51.100.1', dev: 'wan2', table: 100 });
  if (table100 === 'dead') b.route({ dst: 'default', via: '198.51.100.1', dev: 'wan2', table: 100, dead: true });
  if (table100 === 'throw') b.route({ dst: 'default', type: 'throw', table: 100 });
  for (const r of rules) b.rule(r);
  return b;
}

/** "later<earlier" for every finding. */
function pairs(findings: ReturnType<typeof check.run>): string[] {
  return findings.map((f) => f.objects.join(' < '));
}

const cases: { name: string; rules: RuleSpec4[]; table100?: 'default' | 'none' | 'dead' | 'throw'; want: string[] }[] = [
  { name: 'wider from prefix with a default route', rules: [{ priority: 100, from: '10.0.0.0/8', table: 100 }, { priority: 200, from: '10.1.0.0/16', table: 200 }], want: ['rule 200 < rule 100'] },
  { name: 'narrower from prefix first', rules: [{ priority: 100, from: '10.1.0.0/16', table: 100 }, { priority: 200, from: '10.0.0.0/8', table: 200 }], want: [] },
  { name: 'table without a default route falls through', rules: [{ priority: 100, from: '10.0.0.0/8', table: 100 }, { priority: 200, from: '10.1.0.0/16', table: 200 }], table100: 'none', want: [] },
  { name: 'dead default route falls through', rules: [{ priority: 100, table: 100 }, { priority: 200, fwmark: 1, fwmask: ALL, table: 200 }], table100: 'dead', want: [] },
  { name: 'throw default route falls through', rules: [{ priority: 100, table: 100 }, { priority: 200, fwmark: 1, fwmask: ALL, table: 200 }], table100: 'throw', want: [] },
  { name: 'exact duplicate', rules: [{ priority: 100, fwmark: 2, fwmask: ALL, table: 100 }, { priority: 200, fwmark: 2, fwmask: ALL, table: 100 }], want: ['rule 200 < rule 100'] },
  { name: 'mark bits tested by a narrower mask', rules: [{ priority: 100, fwmark: 1, fwmask: 1, table: 100 }, { priority: 200, fwmark: 3, fwmask: 0xff, table: 200 }], want: ['rule 200 < rule 100'] },
  { name: 'mark bit differs', rules: [{ priority: 100, fwmark: 1, fwmask: 1, table: 100 }, { priority: 200, fwmark: 2, fwmask: 0xff, table: 200 }], want: [] },
  { name: 'wider mask does not cover', rules: [{ priority: 100, fwmark: 1, fwmask: 0xff, table: 100 }, { priority: 200, fwmark: 1, fwmask: 1, table: 200 }], want: [] },
  {
    name: 'blackhole on the same iif',
    rules: [{ priority: 100, iif: { name: 'lan', detached: false }, action: 'blackhole', table: 0 }, { priority: 200, iif: { name: 'lan', detached: false }, ipProto: 6, dport: { start: 22, end: 22 }, table: 100 }],
    table100: 'none',
    want: ['rule 200 < rule 100'],
  },
  {
    name: 'blackhole on another iif',
    rules: [{ priority: 100, iif: { name: 'wan1', detached: false }, action: 'blackhole', table: 0 }, { priority: 200, iif: { name: 'lan', detached: false }, ipProto: 6, dport: { start: 22, end: 22 }, table: 100 }],
    want: [],
  },
  { name: 'detached iif never matches', rules: [{ priority: 100, iif: { name: 'gone', detached: true }, action: 'prohibit', table: 0 }, { priority: 200, iif: { name: 'gone', detached: true }, table: 100 }], want: [] },
  { name: 'suppress_prefixlength lets the default route through', rules: [{ priority: 100, table: 254, suppressPrefixlen: 0 }, { priority: 200, fwmark: 1, fwmask: ALL, table: 100 }], want: [] },
  { name: 'main without suppress_prefixlength', rules: [{ priority: 100, table: 254 }, { priority: 200, fwmark: 1, fwmask: ALL, table: 100 }], want: ['rule 200 < rule 100'] },
  { name: 'uid range inside', rules: [{ priority: 100, uidRange: { start: 1000, end: 2000 }, table: 100 }, { priority: 200, uidRange: { start: 1500, end: 1500 }, table: 200 }], want: ['rule 200 < rule 100'] },
  { name: 'uid range overlapping', rules: [{ priority: 100, uidRange: { start: 1000, end: 2000 }, table: 100 }, { priority: 200, uidRange: { start: 1500, end: 2500 }, table: 200 }], want: [] },
  { name: 'port range inside', rules: [{ priority: 100, ipProto: 6, dport: { start: 1000, end: 2000 }, table: 100 }, { priority: 200, ipProto: 6, dport: { start: 1500, end: 1500 }, table: 200 }], want: ['rule 200 < rule 100'] },
  { name: 'port outside', rules: [{ priority: 100, ipProto: 6, dport: { start: 1000, end: 2000 }, table: 100 }, { priority: 200, ipProto: 6, dport: { start: 999, end: 999 }, table: 200 }], want: [] },
  { name: 'other protocol', rules: [{ priority: 100, ipProto: 17, table: 100 }, { priority: 200, ipProto: 6, dport: { start: 22, end: 22 }, table: 200 }], want: [] },
  { name: 'tos vs none', rules: [{ priority: 100, tos: 0x10, table: 100 }, { priority: 200, tos: 0x10, fwmark: 1, fwmask: ALL, table: 200 }], want: ['rule 200 < rule 100'] },
  { name: 'tos on the later rule only', rules: [{ priority: 100, tos: 0x10, table: 100 }, { priority: 200, fwmark: 1, fwmask: ALL, table: 200 }], want: [] },
  { name: 'not rules identical', rules: [{ priority: 100, invert: true, from: '10.0.0.0/8', table: 100 }, { priority: 200, invert: true, from: '10.0.0.0/8', table: 200 }], want: ['rule 200 < rule 100'] },
  { name: 'not rule against a plain one', rules: [{ priority: 100, invert: true, from: '10.0.0.0/8', table: 100 }, { priority: 200, from: '192.168.0.0/16', table: 200 }], want: [] },
  {
    name: 'goto jumps past the rule',
    rules: [{ priority: 100, fwmark: 1, fwmask: ALL, action: 'goto', gotoTarget: 300, table: 0 }, { priority: 200, fwmark: 1, fwmask: ALL, table: 100 }, { priority: 300, table: 200, ipProto: 17 }],
    want: ['rule 200 < rule 100'],
  },
  {
    name: 'goto lands on the rule',
    rules: [{ priority: 100, fwmark: 1, fwmask: ALL, action: 'goto', gotoTarget: 200, table: 0 }, { priority: 200, fwmark: 1, fwmask: ALL, table: 100 }],
    want: [],
  },
  { name: 'unresolved goto', rules: [{ priority: 100, action: 'goto', gotoTarget: 300, table: 0 }, { priority: 200, fwmark: 1, fwmask: ALL, table: 100 }], want: [] },
  {
    name: 'an earlier goto skips the shadowing rule',
    rules: [{ priority: 50, fwmark: 1, fwmask: ALL, action: 'goto', gotoTarget: 150, table: 0 }, { priority: 100, fwmark: 1, fwmask: ALL, table: 100 }, { priority: 150, fwmark: 1, fwmask: ALL, ipProto: 6, table: 200 }],
    want: ['rule 100 < rule 50'],
  },
  { name: 'nop takes nothing', rules: [{ priority: 100, action: 'nop', table: 0 }, { priority: 200, fwmark: 1, fwmask: ALL, table: 100 }], want: [] },
  { name: 'rule after main', rules: [{ priority: 40000, fwmark: 1, fwmask: ALL, table: 100 }], want: ['rule 40000 < rule 32766'] },
  { name: 'only the default rules', rules: [], want: [] },
  { name: 'equal prefs: the first in the list wins', rules: [{ priority: 100, table: 100 }, { priority: 100, fwmark: 1, fwmask: ALL, table: 200 }], want: ['rule 100 < rule 100'] },
];

for (const c of cases) {
  test(`rule-shadowed: ${c.name}`, () => {
    assert.deepEqual(pairs(check.run({ state: router(c.rules, c.table100).build() })), c.want);
  });
}

test('rule-shadowed: the message names both rules as ip rule show prints them, the hint the command', () => {
  const [f] = check.run({ state: router([{ priority: 100, from: '10.0.0.0/8', table: 100 }, { priority: 200, from: '10.1.0.0/16', table: 200 }]).build() });
  assert.ok(f);
  assert.equal(f.id, 'rule-shadowed');
  assert.equal(f.severity, 'warning');
  assert.match(f.message, /^rule "200: from 10\.1\.0\.0\/16 lookup 200" can never match: rule "100: from 10\.0\.0\.0\/8 lookup 100" comes first/);
  assert.match(f.message, /table 100 has a default route/);
  assert.match(f.hint, /`ip rule del pref 200`/);
});

test('rule-shadowed: with a shared pref, the delete command names the rule fully', () => {
  const [f] = check.run({ state: router([{ priority: 100, table: 100 }, { priority: 100, fwmark: 1, fwmask: ALL, table: 200 }]).build() });
  assert.match(f?.hint ?? '', /`ip rule del pref 100 from all fwmark 0x1 lookup 200`/);
});

test('rule-shadowed: IPv6 rules are checked on their own', () => {
  const build = (later: string) =>
    new Ipv6StateBuilder()
      .device('wan2', 'fe80::2')
      .address('wan2', '2001:db8:2::2/64')
      .route({ dst: 'default', via: '2001:db8:2::1', dev: 'wan2', table: 100 })
      .rule({ priority: 100, from: '2001:db8:a::/48', table: 100 })
      .rule({ priority: 200, from: later, table: 200 })
      .build();
  const shadowed = check.run({ state: build('2001:db8:a:1::/64') });
  assert.deepEqual(pairs(shadowed), ['IPv6 rule 200 < IPv6 rule 100']);
  assert.match(shadowed[0]?.message ?? '', /^IPv6 rule "200: from 2001:db8:a:1::\/64 lookup 200" can never match: IPv6 rule "100: from 2001:db8:a::\/48 lookup 100"/);
  assert.match(shadowed[0]?.hint ?? '', /`ip -6 rule del pref 200`/);
  assert.deepEqual(pairs(check.run({ state: build('2001:db8:b::/64') })), []);
});
