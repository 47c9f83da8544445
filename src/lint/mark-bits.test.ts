import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  baseChain, binop, chain, ctExpr, goto, jump, konst, match, meta, payload, rule, rulesetOf, setCtMark, setMark, table, value,
} from '../engine/netfilter/nf-test-support.ts';
import type { NfExpr } from '../model/netfilter.ts';
import {
  canProduce, changedBitsOf, collectMarkUses, evalMarkExpr, possibleMarkBits, reachingBaseChains, readBitsOf, ruleMarkSelector, setBitsOf, type MarkKey, type MarkWrite,
} from './mark-bits.ts';
import { baseRouter } from './lint-test-support.ts';

const k = (v: number): NfExpr => konst(BigInt(v));
const MARK = meta('mark');
const CT = ctExpr('mark');

const evalCases: readonly { name: string; expr: NfExpr; want: unknown }[] = [
  { name: 'a constant', expr: k(0x1), want: [{ xor: 1n, terms: [] }] },
  { name: 'meta mark', expr: MARK, want: [{ xor: 0n, terms: [{ from: 'meta', mask: 0xffffffffn, shift: 0 }] }] },
  { name: '(mark & 0xffff00ff) ^ 0x100', expr: binop('^', binop('&', MARK, k(0xffff00ff)), k(0x100)), want: [{ xor: 0x100n, terms: [{ from: 'meta', mask: 0xffff00ffn, shift: 0 }] }] },
  { name: 'mark & 0xf0ffffff | 0x01000000 (pbr)', expr: binop('|', binop('&', MARK, k(0xf0ffffff)), k(0x01000000)), want: [{ xor: 0x01000000n, terms: [{ from: 'meta', mask: 0xf0ffffffn, shift: 0 }] }] },
  { name: 'ct mark & 0xff (restore with a mask)', expr: binop('&', CT, k(0xff)), want: [{ xor: 0n, terms: [{ from: 'ct', mask: 0xffn, shift: 0 }] }] },
  { name: '(ct mark & 0xff) << 8', expr: binop('<<', binop('&', CT, k(0xff)), k(8)), want: [{ xor: 0n, terms: [{ from: 'ct', mask: 0xffn, shift: 8 }] }] },
  { name: 'ct mark >> 28', expr: binop('>>', CT, k(28)), want: [{ xor: 0n, terms: [{ from: 'ct', mask: 0xf0000000n, shift: -28 }] }] },
  { name: 'numgen mod 2 offset 1', expr: { kind: 'numgen', mode: 'random', mod: 2, offset: 1 }, want: [{ xor: 1n, terms: [] }, { xor: 2n, terms: [] }] },
  { name: 'a map of marks', expr: { kind: 'map', key: payload('ip', 'saddr'), map: { kind: 'anonymous', entries: [{ key: value(1n), data: 0x10n }, { key: value(2n), data: 0x20n }] } }, want: [{ xor: 0x10n, terms: [] }, { xor: 0x20n, terms: [] }] },
  { name: 'a header field', expr: payload('ip', 'dscp'), want: 'any' },
  { name: 'mark & ct mark', expr: binop('&', MARK, CT), want: 'any' },
  { name: 'mark ^ ct mark', expr: binop('^', MARK, CT), want: [{ xor: 0n, terms: [{ from: 'meta', mask: 0xffffffffn, shift: 0 }, { from: 'ct', mask: 0xffffffffn, shift: 0 }] }] },
];

for (const c of evalCases) {
  test(`evalMarkExpr: ${c.name}`, () => {
    assert.deepEqual(evalMarkExpr(c.expr), c.want);
  });
}

const write = (target: MarkKey, expr: NfExpr): MarkWrite => {
  const t = table([chain('c', [rule('x')])]);
  const place = { table: t, chain: t.chains[0] ?? chain('c', []), rule: rule('x') };
  return { target, value: evalMarkExpr(expr), place, exact: true };
};

test('changedBitsOf: kept bits are not changed, a plain set changes every bit', () => {
  assert.equal(changedBitsOf('meta', evalMarkExpr(binop('|', binop('&', MARK, k(0xf0ffffff)), k(0x01000000)))), 0x0f000000n);
  assert.equal(changedBitsOf('meta', evalMarkExpr(k(1))), 0xffffffffn);
  assert.equal(changedBitsOf('meta', evalMarkExpr(binop('^', MARK, k(0x40000)))), 0x40000n);
  assert.equal(changedBitsOf('ct', evalMarkExpr(binop('^', binop('&', CT, k(0xffffff00)), binop('&', MARK, k(0xff))))), 0xffn);
});

test('setBitsOf: a copy sets only what its source may hold', () => {
  const possible = new Map<MarkKey, bigint>([['meta', 0n], ['ct', 0x3n]]);
  assert.equal(setBitsOf(evalMarkExpr(CT), possible), 0x3n);
  assert.equal(setBitsOf(evalMarkExpr(binop('<<', CT, k(4))), possible), 0x30n);
  assert.equal(setBitsOf(evalMarkExpr(k(0)), possible), 0n);
  assert.equal(setBitsOf('any', possible), 0xffffffffn);
});

test('possibleMarkBits: ct mark set 0x2, then restored into the meta mark', () => {
  const possible = possibleMarkBits([write('meta', CT), write('ct', k(2))]);
  assert.deepEqual([...possible], [['meta', 2n], ['ct', 2n]]);
});

const produceCases: readonly { name: string; writes: readonly MarkWrite[]; value: number; mask: number; want: boolean }[] = [
  { name: 'set 0x1 gives 0x1', writes: [write('meta', k(1))], value: 1, mask: 0xffffffff, want: true },
  { name: 'set 0x2 does not give 0x1', writes: [write('meta', k(2))], value: 1, mask: 0xffffffff, want: false },
  { name: 'set 0x101 gives 0x1/0xff', writes: [write('meta', k(0x101))], value: 1, mask: 0xff, want: true },
  { name: 'xor 0x100 on kept bits gives 0x100/0xff00', writes: [write('meta', binop('^', binop('&', MARK, k(0xffff00ff)), k(0x100)))], value: 0x100, mask: 0xff00, want: true },
  { name: 'restore of a ct mark set to 0x2 gives 0x2', writes: [write('meta', CT), write('ct', k(2))], value: 2, mask: 0xffffffff, want: true },
  { name: 'restore of a ct mark set to 0x2 does not give 0x1', writes: [write('meta', CT), write('ct', k(2))], value: 1, mask: 0xffffffff, want: false },
  { name: 'a restore alone, nothing sets the ct mark', writes: [write('meta', CT)], value: 1, mask: 0xffffffff, want: false },
  { name: 'a statement that only keeps the bits', writes: [write('meta', binop('&', MARK, k(0xff)))], value: 1, mask: 0xff, want: false },
  { name: 'an unknown value may be anything', writes: [write('meta', payload('ip', 'dscp'))], value: 7, mask: 0xff, want: true },
];

for (const c of produceCases) {
  test(`canProduce: ${c.name}`, () => {
    const possible = possibleMarkBits(c.writes);
    const got = c.writes.filter((w) => w.target === 'meta').some((w) => canProduce(w, BigInt(c.value), BigInt(c.mask), possible));
    assert.equal(got, c.want);
  });
}

test('readBitsOf: a masked match reads its mask; a set does not read the bits it keeps', () => {
  assert.deepEqual([...readBitsOf(binop('&', MARK, k(0xff00)))], [['meta', 0xff00n]]);
  assert.deepEqual([...readBitsOf(binop('|', binop('&', MARK, k(0xffffff00)), k(1)), undefined, 'meta')], []);
  assert.deepEqual([...readBitsOf(binop('&', CT, k(0xff)), undefined, 'meta')], [['ct', 0xffn]]);
  assert.deepEqual([...readBitsOf(payload('ip', 'saddr'))], []);
});

test('collectMarkUses: writes and reads of a rule set, unknown statements that mention a mark count as both', () => {
  const t = table([baseChain('pre', [
    rule('meta mark 0x1 meta mark set 0x2', match(MARK, value(1n)), setMark(k(2))),
    rule('ct mark set meta mark', setCtMark(MARK)),
    rule('xt MARK weird', { kind: 'unknown', text: 'xt target MARK' }),
  ])]);
  const uses = collectMarkUses(rulesetOf(t));
  assert.deepEqual(uses.writes.map((w) => [w.target, w.place.rule.text, w.exact]), [
    ['meta', 'meta mark 0x1 meta mark set 0x2', true], ['ct', 'ct mark set meta mark', true], ['meta', 'xt MARK weird', false], ['ct', 'xt MARK weird', false],
  ]);
  assert.deepEqual(uses.reads.map((r) => [r.from, r.bits, r.place.rule.text]), [
    ['meta', 0xffffffffn, 'meta mark 0x1 meta mark set 0x2'], ['meta', 0xffffffffn, 'ct mark set meta mark'], ['meta', 0xffffffffn, 'xt MARK weird'], ['ct', 0xffffffffn, 'xt MARK weird'],
  ]);
});

test('reachingBaseChains: regular chains know the base chains that jump or go to them', () => {
  const t = table([
    baseChain('pre', [rule('jump a', jump('a'))]),
    baseChain('out', [rule('goto b', goto('b'))], { hook: 'output', type: 'route' }),
    chain('a', [rule('jump b', jump('b'))]),
    chain('b', []),
    chain('orphan', []),
  ]);
  const reaching = reachingBaseChains(t);
  const names = (c: string) => (reaching.get(c) ?? []).map((b) => b.name);
  assert.deepEqual([names('pre'), names('a'), names('b'), names('orphan')], [['pre'], ['pre'], ['pre', 'out'], []]);
});

test('ruleMarkSelector: no fwmark, fwmark 0x1 (full mask), fwmark 0x0/0xff', () => {
  const state = baseRouter().rule({ priority: 10, table: 100 }).rule({ priority: 11, fwmark: 1, fwmask: 0xffffffff, table: 100 }).rule({ priority: 12, fwmark: 0, fwmask: 0xff, table: 100 }).build();
  const got = state.rules4.filter((r) => r.priority >= 10 && r.priority <= 12).map(ruleMarkSelector);
  assert.deepEqual(got, [undefined, { value: 1n, mask: 0xffffffffn }, { value: 0n, mask: 0xffn }]);
});
