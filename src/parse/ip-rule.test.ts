import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatIp } from '../addr/ip.ts';
import type { Rule } from '../model/network-state.ts';
import { parseIpRuleJson } from './ip-rule-json.ts';
import { parseIpRuleText } from './ip-rule-text.ts';
import { parseRtTablesFiles } from './rt-tables-files.ts';

const rtTables = parseRtTablesFiles([{ path: 'rt_tables', content: '100 isp1\n200 isp2\n' }]).value;

/** One rule given both ways (text line and JSON object) must give the same model, checked with `check`. */
const cases: readonly [string, string, Record<string, unknown>, (r: Rule) => void][] = [
  ['fwmark without mask means the full mask', '41:\tfrom all fwmark 0x7 lookup isp1', { priority: 41, src: 'all', fwmark: '0x7', table: 'isp1' },
    (r) => assert.deepEqual([r.fwmark, r.fwmask, r.table], [7, 0xffffffff, 100])],
  ['"fwmark 0" printed is fwmark 0/0xffffffff', '42:\tfrom all fwmark 0 lookup isp1', { priority: 42, src: 'all', fwmark: '0', table: 'isp1' },
    (r) => assert.deepEqual([r.fwmark, r.fwmask], [0, 0xffffffff])],
  ['no fwmark printed: mask 0 (matches all)', '43:\tfrom all lookup 300', { priority: 43, src: 'all', table: '300' },
    (r) => assert.deepEqual([r.fwmark, r.fwmask, r.table], [0, 0, 300])],
  ['fwmark with mask', '40:\tfrom all fwmark 0x10/0xf0 lookup isp2', { priority: 40, src: 'all', fwmark: '0x10', fwmask: '0xf0', table: 'isp2' },
    (r) => assert.deepEqual([r.fwmark, r.fwmask, r.table], [0x10, 0xf0, 200])],
  ['not, detached iif', '30:\tnot from all iif nosuch [detached] lookup main', { priority: 30, not: null, src: 'all', iif: 'nosuch', iif_detached: null, table: 'main' },
    (r) => assert.deepEqual([r.invert, r.iif, r.table], [true, { name: 'nosuch', detached: true }, 254])],
  ['oif detached', '31:\tfrom all oif x [detached] prohibit', { priority: 31, src: 'all', oif: 'x', oif_detached: null, action: 'prohibit' },
    (r) => assert.deepEqual([r.oif, r.action, r.table], [{ name: 'x', detached: true }, 'prohibit', 0])],
  ['prefixes; host bits kept as the kernel keeps them', '10:\tfrom 10.0.0.1/8 to 192.0.2.7 lookup isp1', { priority: 10, src: '10.0.0.1', srclen: 8, dst: '192.0.2.7', table: 'isp1' },
    (r) => assert.deepEqual([formatIp(r.src!.address), r.src?.length, formatIp(r.dst!.address), r.dst?.length], ['10.0.0.1', 8, '192.0.2.7', 32])],
  ['uidrange, ipproto name, ports', '55:\tfrom all uidrange 10-20 ipproto tcp sport 1024 dport 80-443 lookup isp2',
    { priority: 55, src: 'all', uid_start: 10, uid_end: 20, ipproto: 'tcp', sport: 1024, dport_start: 80, dport_end: 443, table: 'isp2' },
    (r) => assert.deepEqual([r.uidRange, r.ipProto, r.sport, r.dport], [{ start: 10, end: 20 }, 6, { start: 1024, end: 1024 }, { start: 80, end: 443 }])],
  ['ipproto as ip -N prints it', '57:\tfrom all ipproto ipproto-47 lookup isp1', { priority: 57, src: 'all', ipproto: 'ipproto-47', table: 'isp1' },
    (r) => assert.equal(r.ipProto, 47)],
  ['tos, suppressors, tun_id, proto', '70:\tfrom all tos 0x10 tun_id 18446744073709551615 lookup main suppress_prefixlength 0 suppress_ifgroup default proto static',
    { priority: 70, src: 'all', tos: '0x10', tun_id: '18446744073709551615', table: 'main', suppress_prefixlen: 0, suppress_ifgroup: 'default', protocol: 'static' },
    (r) => assert.deepEqual([r.tos, r.tunId, r.suppressPrefixlen, r.suppressIfgroup, r.protocol], [16, 18446744073709551615n, 0, 0, 'static'])],
  ['ip -d: the protocol also when it is kernel', '0:\tfrom all lookup local proto kernel', { priority: 0, src: 'all', table: 'local', protocol: 'kernel' },
    (r) => assert.equal(r.protocol, 'kernel')],
  ['without -d: no protocol printed, none known', '0:\tfrom all lookup local', { priority: 0, src: 'all', table: 'local' },
    (r) => assert.equal(r.protocol, undefined)],
  ['goto, unresolved', '96:\tfrom all goto 97 [unresolved]', { priority: 96, src: 'all', goto: 97, unresolved: null },
    (r) => assert.deepEqual([r.action, r.gotoTarget], ['goto', 97])],
  ['nop', '95:\tfrom all nop', { priority: 95, src: 'all', nop: null }, (r) => assert.equal(r.action, 'nop')],
  ['l3mdev', '110:\tfrom all lookup [l3mdev-table]', { priority: 110, src: 'all', l3mdev: null },
    (r) => assert.deepEqual([r.l3mdev, r.action, r.table], [true, 'lookup', 0])],
  ['6.15+ port and dscp masks, flowlabel', '5:\tfrom all sport 0x50/0xfff0 dscp 0x8/0x38 flowlabel 0x12345/0xfffff lookup main',
    { priority: 5, src: 'all', sport: 80, sport_mask: '0xfff0', dscp: '8', dscp_mask: '0x38', flowlabel: '0x12345', flowlabel_mask: '0xfffff', table: 'main' },
    (r) => assert.deepEqual([r.sport, r.dscp, r.flowlabel], [{ start: 80, end: 80, mask: 0xfff0 }, { value: 8, mask: 0x38 }, { value: 0x12345, mask: 0xfffff }])],
  ['dscp name (iproute2 6.12+)', '6:\tfrom all dscp CS1 lookup main', { priority: 6, src: 'all', dscp: 'CS1', table: 'main' },
    (r) => assert.deepEqual(r.dscp, { value: 8, mask: 0x3f })],
];
for (const [name, line, json, check] of cases) {
  test(`rule: ${name}`, () => {
    const fromJson = parseIpRuleJson(JSON.stringify([json]), { family: 4, rtTables });
    const fromText = parseIpRuleText(line, { family: 4, rtTables });
    assert.deepEqual(fromJson.diagnostics, []);
    assert.deepEqual(fromText.diagnostics, []);
    assert.equal(fromJson.value.length, 1);
    check(fromJson.value[0]!);
    assert.deepEqual(fromText.value, fromJson.value);
  });
}

test('IPv6 rule: tos name, host prefix without length', () => {
  const parsed = parseIpRuleText('40:\tfrom 2001:db8::1 tos EF lookup main', { family: 6 });
  assert.deepEqual(parsed.diagnostics, []);
  assert.equal(parsed.value[0]?.src?.length, 128);
  assert.equal(parsed.value[0]?.tos, 0xb8);
});

const malformed: readonly [string, string, string, number | undefined][] = [
  ['unknown table name', '[{"priority":1,"src":"all","table":"nope"}]', 'unknown-table-name', 1],
  ['wrong field type', '[{"priority":1,"src":"all","uid_start":"10","uid_end":20,"table":"main"}]', 'json-field-type', 1],
  ['missing priority', '[{"src":"all","table":"main"}]', 'rule-missing-priority', 1],
  ['unknown action', '[{"priority":1,"src":"all","action":"frobnicate"}]', 'rule-unknown-action', 1],
  ['nat action', '[{"priority":1,"src":"all","nat_gateway":"1.2.3.4"}]', 'rule-nat', 1],
  ['bad address', '[{"priority":1,"src":"10.0.0.300","table":"main"}]', 'rule-bad-address', 1],
  ['v6 address in a v4 dump', '[{"priority":1,"src":"2001:db8::","srclen":32,"table":"main"}]', 'rule-bad-address', 1],
  ['unknown ipproto', '[{"priority":1,"src":"all","ipproto":"nonsense","table":"main"}]', 'rule-bad-ipproto', 1],
  ['not an object', '[1]', 'json-item-type', 1],
  ['bad JSON', '[{"priority":1,}]', 'json-syntax', 1],
];
for (const [name, text, code, line] of malformed) {
  test(`malformed rule JSON: ${name}`, () => {
    const parsed = parseIpRuleJson(text, { family: 4, rtTables, file: 'rules.json' });
    assert.deepEqual(parsed.value, []);
    const d = parsed.diagnostics.find((x) => x.severity === 'error');
    assert.equal(d?.code, code);
    assert.equal(d?.source?.file, 'rules.json');
    assert.equal(d?.source?.line, line);
  });
}

test('malformed rule text: line numbers, the other lines still parsed', () => {
  const text = '0:\tfrom all lookup local\nbogus\n10:\tfrom all lookup nowhere\n20:\tfrom all frobnicate lookup main\n32766:\tfrom all lookup main\n';
  const parsed = parseIpRuleText(text, { family: 4, rtTables, file: 'rules.txt' });
  assert.deepEqual(parsed.value.map((r) => r.priority), [0, 32766]);
  assert.deepEqual(parsed.diagnostics.map((d) => [d.code, d.source?.line]), [
    ['rule-text-no-priority', 2],
    ['unknown-table-name', 3],
    ['rule-unknown-action', 4],
  ]);
});

test('unknown words in rule text are warnings; the rule is kept', () => {
  const parsed = parseIpRuleText('5:\tfrom all lookup main 42', { family: 4 });
  assert.equal(parsed.value.length, 1);
  assert.deepEqual(parsed.diagnostics.map((d) => [d.severity, d.code, d.source?.column]), [['warning', 'text-unknown-word', 25]]);
});
