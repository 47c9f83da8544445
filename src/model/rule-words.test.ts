import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prefix, rule } from '../../test/render/test-state.ts';
import { builtinRtTables } from './rt-tables.ts';
import { formatRule, ruleWords } from './rule-words.ts';

const ctx = { tables: builtinRtTables(), hasPref: (pref: number) => pref === 32766 };

test('formatRule: one ip rule show line, the tab after the pref a space', () => {
  const rows: readonly (readonly [ReturnType<typeof rule>, string])[] = [
    [rule(1200, { table: 102, ipProto: 6, dport: { start: 22, end: 22 } }), '1200: from all ipproto tcp dport 22 lookup 102'],
    [rule(1300, { table: 102, ipProto: 17, sport: { start: 1000, end: 2000 } }), '1300: from all ipproto udp sport 1000-2000 lookup 102'],
    [rule(10, { action: 'goto', table: 0, gotoTarget: 32766 }), '10: from all goto 32766'],
    [rule(11, { action: 'goto', table: 0, gotoTarget: 500 }), '11: from all goto 500 [unresolved]'],
    [rule(12, { invert: true, src: prefix('10.0.0.0/8'), table: 255, protocol: 'kernel' }), '12: not from 10.0.0.0/8 lookup local'],
    [rule(13, { table: 254, protocol: 'static', tos: 0xb8 }), '13: from all tos EF lookup main proto static'],
  ];
  for (const [r, line] of rows) assert.equal(formatRule(r, ctx), line);
});

test('ruleWords: every JSON member with its text, addresses and devices marked for colour', () => {
  const words = ruleWords(rule(5, { src: prefix('192.0.2.0/24'), iif: { name: 'a0', detached: false } }), { ...ctx, details: false });
  assert.deepEqual(words, [
    { text: 'from ' },
    { text: '192.0.2.0', json: { key: 'src', value: '192.0.2.0' }, color: 'inet' },
    { text: '/24', json: { key: 'srclen', value: 24 } },
    { text: ' iif ' },
    { text: 'a0', json: { key: 'iif', value: 'a0' }, color: 'ifname' },
    { text: ' lookup main', json: { key: 'table', value: 'main' } },
  ]);
});
