import { test } from 'node:test';
import assert from 'node:assert/strict';
import { baseChain, binop, ctExpr, konst, meta, rule, rulesetOf, setCtMark, setMark, table } from '../../engine/netfilter/nf-test-support.ts';
import type { NfStatement } from '../../model/netfilter.ts';
import type { NetworkState } from '../../model/network-state.ts';
import { baseRouter } from '../lint-test-support.ts';
import { check } from './mark-unset.ts';

/** rule 100 fwmark VALUE/MASK lookup 100 (default via wan2), and a prerouting chain with `statements` */
function state(statements: readonly NfStatement[] | undefined, fwmark = 1, fwmask = 0xffffffff, invert = false): NetworkState {
  const s = baseRouter()
    .rule({ priority: 100, fwmark, fwmask, invert, table: 100 })
    .route({ dst: '0.0.0.0/0', via: '198.51.100.1', dev: 'wan2', table: 100 })
    .build();
  if (statements === undefined) return s;
  return { ...s, netfilter: rulesetOf(table([baseChain('pre', statements.map((st, i) => rule(`rule ${i}`, st)))], { family: 'inet', name: 'mangle' })) };
}

const k = (v: number) => konst(BigInt(v));
const CT = ctExpr('mark');

const cases: readonly { name: string; state: () => NetworkState; want: readonly string[] }[] = [
  { name: 'fwmark 0x1, only 0x2 is set', state: () => state([setMark(k(2))]), want: ['warning rule 100'] },
  { name: 'fwmark 0x1, 0x1 is set', state: () => state([setMark(k(1))]), want: [] },
  { name: 'fwmark 0x1, nothing sets a mark', state: () => state([]), want: ['warning rule 100'] },
  { name: 'fwmark 0x100/0xff00, a rule xors 0x100 into kept bits', state: () => state([setMark(binop('^', binop('&', meta('mark'), k(0xffff00ff)), k(0x100)))], 0x100, 0xff00), want: [] },
  { name: 'fwmark 0x200/0xff00, a rule xors 0x100 into kept bits', state: () => state([setMark(binop('^', binop('&', meta('mark'), k(0xffff00ff)), k(0x100)))], 0x200, 0xff00), want: ['warning rule 100'] },
  { name: 'restored from a ct mark set to 0x1', state: () => state([setCtMark(k(1)), setMark(CT)]), want: [] },
  { name: 'restored from a ct mark set to 0x2', state: () => state([setCtMark(k(2)), setMark(CT)]), want: ['warning rule 100'] },
  { name: 'a rule that matches unmarked packets (fwmark 0x0/0xff)', state: () => state([], 0, 0xff), want: [] },
  { name: 'an inverted rule (not fwmark 0x1)', state: () => state([], 1, 0xffffffff, true), want: [] },
  { name: 'no netfilter rule set in the snapshot', state: () => state(undefined), want: ['info rule 100'] },
];

for (const c of cases) {
  test(`mark-unset: ${c.name}`, () => {
    const findings = check.run({ state: c.state() });
    assert.deepEqual(findings.map((f) => `${f.severity} ${f.objects.join(', ')}`), c.want);
    for (const f of findings) assert.equal(f.id, 'mark-unset');
  });
}

test('mark-unset: the message names the rule and what is set; the hint gives the statement and mentions SO_MARK', () => {
  const [f] = check.run({ state: state([setMark(k(2))], 0x1, 0xff) });
  assert.equal(f?.message, 'rule "100: from all fwmark 0x1/0xff lookup 100" matches fwmark 0x1/0xff, but no netfilter rule sets the mark to such a value (the meta mark bits rules may set: 0x2), so the rule never takes a packet');
  assert.match(f?.hint ?? '', /`meta mark set meta mark & 0xffffff00 \| 0x1`/);
  assert.match(f?.hint ?? '', /SO_MARK/);
});
