import { test } from 'node:test';
import assert from 'node:assert/strict';
import { baseChain, binop, ctExpr, konst, match, meta, payload, rule, rulesetOf, setCtMark, setMark, table, value } from '../../engine/netfilter/nf-test-support.ts';
import type { NfRule } from '../../model/netfilter.ts';
import type { NetworkState } from '../../model/network-state.ts';
import { baseRouter } from '../lint-test-support.ts';
import { check } from './mark-unused.ts';

/** `inet mangle` with a prerouting chain of `rules` (handles 1, 2, …); rule 100 fwmark FWMARK/FWMASK when given */
function state(rules: readonly NfRule[], fwmark?: readonly [number, number]): NetworkState {
  const b = baseRouter().route({ dst: '0.0.0.0/0', via: '198.51.100.1', dev: 'wan2', table: 100 });
  if (fwmark) b.rule({ priority: 100, fwmark: fwmark[0], fwmask: fwmark[1], table: 100 });
  const handled = rules.map((r, i) => ({ ...r, handle: i + 1 }));
  return { ...b.build(), netfilter: rulesetOf(table([baseChain('prerouting', handled)], { family: 'inet', name: 'mangle' })) };
}

const k = (v: number) => konst(BigInt(v));
const CT = ctExpr('mark');

const cases: readonly { name: string; state: () => NetworkState; want: readonly string[] }[] = [
  { name: 'meta mark 0x1 set, no rule reads it', state: () => state([rule('meta mark set 0x1', setMark(k(1)))]), want: ['nft inet mangle prerouting handle 1'] },
  { name: 'meta mark 0x1 set, rule 100 reads fwmark 0x1', state: () => state([rule('meta mark set 0x1', setMark(k(1)))], [1, 0xffffffff]), want: [] },
  { name: 'meta mark 0x101 set, rule 100 reads only 0xff', state: () => state([rule('meta mark set 0x101', setMark(k(0x101)))], [1, 0xff]), want: ['nft inet mangle prerouting handle 1'] },
  { name: 'ct mark set, nothing restores or matches it', state: () => state([rule('ct mark set 0x1', setCtMark(k(1)))], [1, 0xffffffff]), want: ['nft inet mangle prerouting handle 1'] },
  {
    name: 'ct mark set and restored for rule 100',
    state: () => state([rule('ct mark set 0x1', setCtMark(k(1))), rule('meta mark set ct mark', setMark(CT))], [1, 0xffffffff]),
    want: [],
  },
  {
    name: 'a rule guarded by its own mark is not its own reader',
    state: () => state([rule('meta mark & 0xff == 0 meta mark set 0x1', match(binop('&', meta('mark'), k(0xff)), value(0n)), setMark(k(1)))]),
    want: ['nft inet mangle prerouting handle 1'],
  },
  {
    name: 'another netfilter rule matches the mark',
    state: () => state([rule('meta mark set 0x1', setMark(k(1))), rule('meta mark 0x1 accept', match(meta('mark'), value(1n)))]),
    want: [],
  },
  { name: 'a value pbr cannot follow (meta mark set ip dscp)', state: () => state([rule('meta mark set ip dscp', setMark(payload('ip', 'dscp')))]), want: [] },
  { name: 'clearing the mark sets nothing', state: () => state([rule('meta mark set 0x0', setMark(k(0)))]), want: [] },
];

for (const c of cases) {
  test(`mark-unused: ${c.name}`, () => {
    const findings = check.run({ state: c.state() });
    assert.deepEqual(findings.map((f) => f.objects.join(', ')), c.want);
    for (const f of findings) assert.deepEqual([f.id, f.severity], ['mark-unused', 'warning']);
  });
}

test('mark-unused: no netfilter rule set, nothing to say', () => {
  assert.deepEqual(check.run({ state: baseRouter().build() }), []);
});

test('mark-unused: the message names the rule and the unread bits', () => {
  const [f] = check.run({ state: state([rule('meta mark set 0x101', setMark(k(0x101)))], [1, 0xff]) });
  assert.equal(f?.message, 'nft inet mangle prerouting handle 1 ("meta mark set 0x101") sets meta mark bits 0x100 that no ip rule (fwmark) and no netfilter rule reads');
  assert.match(f?.hint ?? '', /ip rule add fwmark 0x100\/0x100 lookup <table>/);
});
