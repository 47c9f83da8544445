import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prefix, rule, state } from '../../test/render/test-state.ts';
import { renderRuleShow } from './rule-show.ts';

// each row: a rule and the line iproute2 6.1 printed for it (kernel 6.18)
const ROWS: readonly (readonly [Parameters<typeof rule>[1] & { priority: number }, string, string])[] = [
  [{ priority: 0, table: 255, protocol: 'kernel' }, '0:\tfrom all lookup local', '{"priority":0,"src":"all","table":"local"}'],
  [{ priority: 200, table: 200, dst: prefix('198.51.100.0/24') }, '200:\tfrom all to 198.51.100.0/24 lookup 200', '{"priority":200,"src":"all","dst":"198.51.100.0","dstlen":24,"table":"200"}'],
  [
    { priority: 300, invert: true, src: prefix('10.0.0.0/8'), fwmark: 0x10, fwmask: 0xf0, iif: { name: 'a0', detached: false }, suppressPrefixlen: 0 },
    '300:\tnot from 10.0.0.0/8 fwmark 0x10/0xf0 iif a0 lookup main suppress_prefixlength 0',
    '{"priority":300,"not":null,"src":"10.0.0.0","srclen":8,"fwmark":"0x10","fwmask":"0xf0","iif":"a0","table":"main","suppress_prefixlen":0}',
  ],
  [
    { priority: 301, action: 'goto', table: 0, gotoTarget: 32766, fwmark: 5, fwmask: 0xffffffff, oif: { name: 'nosuch', detached: true } },
    '301:\tfrom all fwmark 0x5 oif nosuch [detached] goto 32766',
    '{"priority":301,"src":"all","fwmark":"0x5","oif":"nosuch","oif_detached":null,"goto":32766}',
  ],
  [{ priority: 302, action: 'goto', table: 0, gotoTarget: 500 }, '302:\tfrom all goto 500 [unresolved]', '{"priority":302,"src":"all","goto":500,"unresolved":null}'],
  [
    { priority: 303, action: 'prohibit', table: 0, tos: 0x10, uidRange: { start: 1000, end: 2000 }, ipProto: 6, sport: { start: 1000, end: 2000 }, dport: { start: 80, end: 80 } },
    '303:\tfrom all tos 0x10 uidrange 1000-2000 ipproto tcp sport 1000-2000 dport 80 prohibit',
    '{"priority":303,"src":"all","tos":"0x10","uid_start":1000,"uid_end":2000,"ipproto":"tcp","sport_start":1000,"sport_end":2000,"dport":80,"action":"prohibit"}',
  ],
  [{ priority: 305, action: 'unreachable', table: 0, fwmark: 0, fwmask: 0xffffffff, iif: { name: 'c0', detached: false } }, '305:\tfrom all fwmark 0 iif c0 unreachable', '{"priority":305,"src":"all","fwmark":"0","iif":"c0","action":"unreachable"}'],
  [{ priority: 306, action: 'nop', table: 0 }, '306:\tfrom all nop', '{"priority":306,"src":"all","nop":null}'],
  [{ priority: 307, suppressIfgroup: 5 }, '307:\tfrom all lookup main suppress_ifgroup 5', '{"priority":307,"src":"all","table":"main","suppress_ifgroup":"5"}'],
  [{ priority: 308, table: 100, protocol: 'static' }, '308:\tfrom all lookup 100 proto static', '{"priority":308,"src":"all","table":"100","protocol":"static"}'],
  [{ priority: 309, table: 1000, ipProto: 200 }, '309:\tfrom all ipproto ipproto-200 lookup 1000', '{"priority":309,"src":"all","ipproto":"ipproto-200","table":"1000"}'],
  [{ priority: 310, table: 7 }, '310:\tfrom all lookup 7', '{"priority":310,"src":"all","table":"7"}'],
  [{ priority: 314, action: 'unreachable', table: 0, l3mdev: true }, '314:\tfrom all lookup [l3mdev-table] unreachable', '{"priority":314,"src":"all","l3mdev":null,"action":"unreachable"}'],
  [{ priority: 315, table: 7, src: prefix('10.1.2.3/32'), dst: prefix('10.4.5.6/32') }, '315:\tfrom 10.1.2.3 to 10.4.5.6 lookup 7', '{"priority":315,"src":"10.1.2.3","dst":"10.4.5.6","table":"7"}'],
  [{ priority: 316, table: 7, tunId: 42n }, '316:\tfrom all tun_id 42 lookup 7', '{"priority":316,"src":"all","tun_id":42,"table":"7"}'],
  [{ priority: 317, action: 'goto', table: 0 }, '317:\tfrom all goto none [unresolved]', '{"priority":317,"src":"all","goto":"none","unresolved":null}'],
  [{ priority: 318, table: 7, dscp: { value: 10, mask: 0x3f } }, '318:\tfrom all lookup 7', '{"priority":318,"src":"all","table":"7"}'],
  [{ priority: 32766 }, '32766:\tfrom all lookup main', '{"priority":32766,"src":"all","table":"main"}'],
];

test('rules print as ip rule show prints them, text and JSON', () => {
  const rules = ROWS.map(([r]) => rule(r.priority, r));
  const s = state({ rules4: rules });
  assert.equal(renderRuleShow(s, { json: false }), ROWS.map(([, line]) => `${line}\n`).join(''));
  assert.equal(renderRuleShow(s, { json: true }), `[${ROWS.map(([, , json]) => json).join(',')}]\n`);
});

test('rule order: pref, then insertion; -6 lists the IPv6 rules', () => {
  const v6 = (priority: number, extra = {}) => rule(priority, { family: 6, ...extra });
  const s = state({
    rules4: [rule(32766), rule(0, { table: 255 })],
    rules6: [v6(32766), v6(101, { tos: 0xb8, table: 300 }), v6(100, { table: 200, src: prefix('2001:db8::/32') }), v6(0, { table: 255 })],
  });
  assert.equal(renderRuleShow(s, { json: false }), '0:\tfrom all lookup local\n32766:\tfrom all lookup main\n');
  assert.equal(
    renderRuleShow(s, { json: false, family: 6 }),
    '0:\tfrom all lookup local\n100:\tfrom 2001:db8::/32 lookup 200\n101:\tfrom all tos EF lookup 300\n32766:\tfrom all lookup main\n',
  );
});

test('-d shows a known rule protocol even when it is kernel', () => {
  const s = state({ rules4: [rule(0, { table: 255, protocol: 'kernel' })] });
  assert.equal(renderRuleShow(s, { json: false, details: true }), '0:\tfrom all lookup local proto kernel\n');
});
