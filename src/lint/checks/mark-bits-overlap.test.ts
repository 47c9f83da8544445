import { test } from 'node:test';
import assert from 'node:assert/strict';
import { baseChain, binop, konst, match, meta, rule, rulesetOf, setMark, table, value } from '../../engine/netfilter/nf-test-support.ts';
import { DEFAULT_INTENT_OPTIONS } from '../../intent/parse-options.ts';
import type { Intent } from '../../model/intent.ts';
import type { NfTable } from '../../model/netfilter.ts';
import type { NetworkState, Rule } from '../../model/network-state.ts';
import { baseRouter } from '../lint-test-support.ts';
import { check } from './mark-bits-overlap.ts';

const intent = (markMask = DEFAULT_INTENT_OPTIONS.markMask): Intent => ({ uplinks: [], policies: [], options: { ...DEFAULT_INTENT_OPTIONS, markMask }, file: 'pbr.yaml' });

const k = (v: number) => konst(BigInt(v));
const MARK = meta('mark');
/** pbr's own `meta mark set meta mark & 0xf0ffffff | 0x1000000` in `inet pbr` */
const pbrTable = (keep = 0xf0ffffff, mark = 0x01000000): NfTable =>
  table([baseChain('prerouting', [rule('pbr mark', setMark(binop('|', binop('&', MARK, k(keep)), k(mark))))])], { family: 'inet', name: 'pbr' });
const foreign = (...rules: ReturnType<typeof rule>[]): NfTable => table([baseChain('prerouting', rules.map((r, i) => ({ ...r, handle: i + 1 })))], { family: 'inet', name: 'other' });

function state(rules: readonly (Partial<Rule> & { priority: number })[], tables?: readonly NfTable[]): NetworkState {
  const b = baseRouter().route({ dst: '0.0.0.0/0', via: '198.51.100.1', dev: 'wan2', table: 100 });
  for (const r of rules) b.rule({ table: 100, ...r });
  const s = b.build();
  return tables ? { ...s, netfilter: rulesetOf(...tables) } : s;
}

const cases: readonly { name: string; state: () => NetworkState; intent?: Intent; want: readonly string[] }[] = [
  { name: 'a foreign rule matches fwmark 0x1000000 inside pbr\'s 0xf000000', state: () => state([{ priority: 100, fwmark: 0x01000000, fwmask: 0xffffffff }]), intent: intent(), want: ['rule 100'] },
  { name: 'a foreign rule matches fwmark 0x1', state: () => state([{ priority: 100, fwmark: 1, fwmask: 0xffffffff }]), intent: intent(), want: [] },
  { name: 'a foreign rule masks 0xff000000', state: () => state([{ priority: 100, fwmark: 0x10000000, fwmask: 0xff000000 }]), intent: intent(), want: ['rule 100'] },
  { name: 'pbr\'s own rule (protocol 117) is not foreign', state: () => state([{ priority: 10000, fwmark: 0x01000000, fwmask: 0x0f000000, protocol: '117' }]), intent: intent(), want: [] },
  { name: 'no intent and no pbr table: nothing to compare with', state: () => state([{ priority: 100, fwmark: 0x01000000, fwmask: 0xffffffff }]), want: [] },
  {
    name: 'no intent, pbr\'s table present: its mask, from what it changes',
    state: () => state([{ priority: 100, fwmark: 0x01000000, fwmask: 0xffffffff }], [pbrTable()]),
    want: ['rule 100'],
  },
  {
    name: 'pbr\'s table uses 0xf0 and a foreign rule 0x01000000',
    state: () => state([{ priority: 100, fwmark: 0x01000000, fwmask: 0xffffffff }], [pbrTable(0xffffff0f, 0x10)]),
    want: [],
  },
  {
    name: 'a foreign table keeps all but 0xff000000 and sets 0x2000000 in them',
    state: () => state([], [pbrTable(), foreign(rule('meta mark set meta mark & 0x00ffffff | 0x2000000', setMark(binop('|', binop('&', MARK, k(0x00ffffff)), k(0x02000000)))))]),
    want: ['nft inet other prerouting handle 1'],
  },
  {
    name: 'a foreign table keeps all but 0xff0000 (Tailscale-like)',
    state: () => state([], [pbrTable(), foreign(rule('meta mark set meta mark & 0xff00ffff ^ 0x40000', setMark(binop('^', binop('&', MARK, k(0xff00ffff)), k(0x40000)))))]),
    want: [],
  },
  { name: 'a foreign table matches meta mark 0x4000000', state: () => state([], [pbrTable(), foreign(rule('meta mark 0x4000000', match(MARK, value(0x04000000n))))]), want: ['nft inet other prerouting handle 1'] },
  { name: 'a foreign table matches meta mark 0x4000', state: () => state([], [pbrTable(), foreign(rule('meta mark 0x4000', match(MARK, value(0x4000n))))]), want: [] },
];

for (const c of cases) {
  test(`mark-bits-overlap: ${c.name}`, () => {
    const findings = check.run({ state: c.state(), ...(c.intent ? { intent: c.intent } : {}) });
    assert.deepEqual(findings.map((f) => f.objects.join(', ')), c.want);
    for (const f of findings) assert.deepEqual([f.id, f.severity], ['mark-bits-overlap', 'error']);
  });
}

test('mark-bits-overlap: the message names both masks, the hint a free mask', () => {
  const [f] = check.run({ state: state([{ priority: 100, fwmark: 0x01000000, fwmask: 0xff000000 }]), intent: intent() });
  assert.equal(f?.message, 'rule "100: from all fwmark 0x1000000/0xff000000 lookup 100" matches fwmark bits 0xff000000, which overlap pbr\'s mark bits 0xf000000 in 0xf000000: one side\'s marks change or defeat the other\'s routing');
  assert.match(f?.hint ?? '', /`mark_mask: 0xf00000`/);
});
