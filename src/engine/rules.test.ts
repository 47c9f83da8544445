import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RULE_DEFAULTS, type Rule } from '../model/network-state.ts';
import { EngineContext } from './context.ts';
import { ExplainSink } from './explain.ts';
import { Ipv4StateBuilder } from './ipv4/test-support.ts';
import { walkRules, type RuleFlowCommon, type RuleWalkHooks } from './rules.ts';

function rule(priority: number, extra: Partial<Rule> = {}): Rule {
  return {
    family: 4,
    priority,
    ...RULE_DEFAULTS,
    table: priority,
    order: 0,
    ...extra,
  };
}

const flow: RuleFlowCommon = { iif: 1, oif: 0, mark: 0, uid: 0, proto: 17, sport: 0, dport: 0, l3mdev: 0, l3mdevFromOif: false };

/** Tables in `answers` give that result, others continue (EAGAIN); rules whose pref is in `familyNo` fail the family selectors, in `suppressed` are suppressed. */
function hooks(answers: Record<number, string>, familyNo: readonly number[] = [], suppressed: readonly number[] = []): RuleWalkHooks<string> {
  return {
    matchFamily: (r) => ({ ok: !familyNo.includes(r.priority), why: 'family' }),
    action: (r) => {
      if (r.action === 'unreachable') return { kind: 'error', errno: 'ENETUNREACH' };
      const res = answers[r.table];
      return res === undefined ? { kind: 'continue', why: 'no route' } : { kind: 'result', result: res };
    },
    suppress: (r) => (suppressed.includes(r.priority) ? 'suppressed' : undefined),
  };
}

function walk(rules: readonly Rule[], h: RuleWalkHooks<string>, f: RuleFlowCommon = flow, release = '6.18.44'): string {
  const ctx = new EngineContext(new Ipv4StateBuilder().kernel(release).device('eth0').device('l3', { group: 0 }).build());
  const out = walkRules(rules, f, h, ctx, new ExplainSink());
  if (out.kind === 'result') return `${out.result}@${out.rule.priority}`;
  if (out.kind === 'error') return `${out.errno}@${out.rule.priority}`;
  return 'none';
}

test('walkRules: first answering rule wins; continue, suppress and family mismatch go on; errors stop', () => {
  const cases: readonly (readonly [string, readonly Rule[], RuleWalkHooks<string>, string])[] = [
    ['first answer', [rule(10), rule(20)], hooks({ 10: 'a', 20: 'b' }), 'a@10'],
    ['missing table continues', [rule(10), rule(20)], hooks({ 20: 'b' }), 'b@20'],
    ['no answer at all', [rule(10)], hooks({}), 'none'],
    ['suppressed result continues', [rule(10), rule(20)], hooks({ 10: 'a', 20: 'b' }, [], [10]), 'b@20'],
    ['family selectors', [rule(10), rule(20)], hooks({ 10: 'a', 20: 'b' }, [10]), 'b@20'],
    ['error stops', [rule(10, { action: 'unreachable' }), rule(20)], hooks({ 20: 'b' }), 'ENETUNREACH@10'],
    ['nop goes on', [rule(10, { action: 'nop' }), rule(20)], hooks({ 10: 'a', 20: 'b' }), 'b@20'],
    ['not inverts everything', [rule(10, { invert: true }), rule(20)], hooks({ 10: 'a', 20: 'b' }), 'b@20'],
    ['not with failing family selector matches', [rule(10, { invert: true })], hooks({ 10: 'a' }, [10]), 'a@10'],
  ];
  for (const [name, rules, h, want] of cases) assert.equal(walk(rules, h), want, name);
});

test('walkRules: goto jumps to the first rule with the target pref and tests its selectors', () => {
  const answers = { 20: 'b', 30: 'c', 31: 'd', 40: 'e' };
  const r31 = rule(30, { table: 31, order: 1 });
  const cases: readonly (readonly [string, readonly Rule[], readonly number[], string])[] = [
    ['skips the rules in between', [rule(10, { action: 'goto', gotoTarget: 30 }), rule(20), rule(30)], [], 'c@30'],
    ['unresolved goto is a no-op', [rule(10, { action: 'goto', gotoTarget: 25 }), rule(20), rule(30)], [], 'b@20'],
    ['target = first rule of equal pref', [rule(10, { action: 'goto', gotoTarget: 30 }), rule(20), { ...rule(30), table: 77 }, r31], [], 'd@30'],
    // the target's own selectors fail: the walk continues after the target, not after the goto
    ['failing target continues after it', [rule(10, { action: 'goto', gotoTarget: 30 }), rule(20), rule(30), rule(40)], [30], 'e@40'],
  ];
  for (const [name, rules, familyNo, want] of cases) assert.equal(walk(rules, hooks(answers, familyNo)), want, name);
});

test('walkRules: common selectors (iif/oif by name, detached, fwmark, uid, ipproto, ports)', () => {
  const h = hooks({ 10: 'hit', 99: 'miss' });
  const miss = rule(99);
  const cases: readonly (readonly [string, Partial<Rule>, Partial<RuleFlowCommon>, string])[] = [
    ['iif lo on output', { iif: { name: 'lo', detached: false } }, {}, 'hit@10'],
    ['iif eth0 on output', { iif: { name: 'eth0', detached: false } }, {}, 'miss@99'],
    ['iif eth0 on input from eth0', { iif: { name: 'eth0', detached: false } }, { iif: 2 }, 'hit@10'],
    ['detached iif never matches', { iif: { name: 'gone', detached: true } }, {}, 'miss@99'],
    ['iif naming a missing device never matches', { iif: { name: 'gone', detached: false } }, {}, 'miss@99'],
    ['not + detached matches', { iif: { name: 'gone', detached: true }, invert: true }, {}, 'hit@10'],
    ['oif without flow oif', { oif: { name: 'eth0', detached: false } }, {}, 'miss@99'],
    ['oif with flow oif', { oif: { name: 'eth0', detached: false } }, { oif: 2 }, 'hit@10'],
    ['fwmark/mask', { fwmark: 0x10, fwmask: 0xf0 }, { mark: 0x11f }, 'hit@10'],
    ['fwmark/mask mismatch', { fwmark: 0x10, fwmask: 0xf0 }, { mark: 0x20 }, 'miss@99'],
    ['fwmark 0/0xffffffff needs an unmarked flow', { fwmark: 0, fwmask: 0xffffffff }, { mark: 5 }, 'miss@99'],
    ['uidrange', { uidRange: { start: 1000, end: 2000 } }, { uid: 1500 }, 'hit@10'],
    ['uidrange miss', { uidRange: { start: 1000, end: 2000 } }, { uid: 0 }, 'miss@99'],
    ['ipproto', { ipProto: 6 }, { proto: 6 }, 'hit@10'],
    ['ipproto miss', { ipProto: 6 }, {}, 'miss@99'],
    ['dport range', { dport: { start: 1000, end: 2000 } }, { dport: 2000 }, 'hit@10'],
    ['dport range miss', { dport: { start: 1000, end: 2000 } }, { dport: 2001 }, 'miss@99'],
    ['sport 6.15 mask', { sport: { start: 0x100, end: 0x100, mask: 0xff00 } }, { sport: 0x1ab }, 'hit@10'],
    ['tun_id never matches a route lookup', { tunId: 5n }, {}, 'miss@99'],
    ['l3mdev needs an L3 domain', { l3mdev: true }, {}, 'miss@99'],
  ];
  for (const [name, sel, f, want] of cases) assert.equal(walk([rule(10, sel), miss], h, { ...flow, ...f }), want, name);
});

test('walkRules: port masks only from 6.15 on', () => {
  const h = hooks({ 10: 'hit', 99: 'miss' });
  const masked = rule(10, { sport: { start: 0x100, end: 0x100, mask: 0xff00 } });
  assert.equal(walk([masked, rule(99)], h, { ...flow, sport: 0x1ab }, '6.15.0'), 'hit@10');
  // 6.12 knows only the range 0x100-0x100
  assert.equal(walk([masked, rule(99)], h, { ...flow, sport: 0x1ab }, '6.12.57'), 'miss@99');
});
