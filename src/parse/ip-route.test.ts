import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatIp, formatPrefix } from '../addr/ip.ts';
import type { Route } from '../model/network-state.ts';
import { parseIpRouteJson } from './ip-route-json.ts';
import { parseIpRouteText } from './ip-route-text.ts';
import { parseRtTablesFiles } from './rt-tables-files.ts';

const rtTables = parseRtTablesFiles([{ path: 'rt_tables', content: '100 isp1\n' }]).value;

/** The same route as text and as JSON; both parse to one equal model, checked with `check`. */
const cases: readonly [string, string, Record<string, unknown>, (r: Route) => void][] = [
  ['defaults when -d is not given: unicast, main, boot, universe, metric 0', 'default via 10.0.0.2 dev a0',
    { dst: 'default', gateway: '10.0.0.2', dev: 'a0', flags: [] },
    (r) => {
      assert.deepEqual([r.type, r.table, r.protocol, r.scope, r.metric, r.tos], ['unicast', 254, 'boot', 0, 0, 0]);
      assert.equal(formatPrefix(r.dst), '0.0.0.0/0');
      assert.deepEqual(r.nexthops, [{ gateway: { family: 4, value: 0x0a000002 }, dev: 'a0', weight: 1, onlink: false, dead: false, linkdown: false, flags: [] }]);
    }],
  ['host route without /32, table name, proto, scope, src, metric', '10.89.0.1 dev b0 table isp1 proto static scope link src 10.1.0.1 metric 5',
    { dst: '10.89.0.1', dev: 'b0', table: 'isp1', protocol: 'static', scope: 'link', prefsrc: '10.1.0.1', metric: 5, flags: [] },
    (r) => {
      assert.deepEqual([formatPrefix(r.dst), r.table, r.protocol, r.scope, formatIp(r.prefsrc!), r.metric], ['10.89.0.1/32', 100, 'static', 253, '10.1.0.1', 5]);
    }],
  ['error types have no next hop (IPv4)', 'unreachable 10.91.0.0/16 metric 7', { type: 'unreachable', dst: '10.91.0.0/16', metric: 7, flags: [] },
    (r) => assert.deepEqual([r.type, r.nexthops, r.metric], ['unreachable', [], 7])],
  ['tos by name (rt_dsfield)', '198.51.100.0/25 tos CS1 via 10.1.0.4 dev b0', { dst: '198.51.100.0/25', tos: 'CS1', gateway: '10.1.0.4', dev: 'b0', flags: [] },
    (r) => assert.equal(r.tos, 0x20)],
  ['onlink and linkdown flags go to the single next hop', '203.0.113.0/24 via 198.18.0.1 dev a0 onlink linkdown',
    { dst: '203.0.113.0/24', gateway: '198.18.0.1', dev: 'a0', flags: ['onlink', 'linkdown'] },
    (r) => assert.deepEqual([r.flags, r.nexthops[0]?.onlink, r.nexthops[0]?.linkdown, r.nexthops[0]?.dead], [['onlink', 'linkdown'], true, true, false])],
  ['multipath with weights and per-hop flags', '198.51.100.0/24 proto static\n\tnexthop via 10.0.0.2 dev a0 weight 2 \n\tnexthop via 10.3.0.2 dev d0 weight 1 dead linkdown ',
    { dst: '198.51.100.0/24', protocol: 'static', flags: [], nexthops: [
      { gateway: '10.0.0.2', dev: 'a0', weight: 2, flags: [] },
      { gateway: '10.3.0.2', dev: 'd0', weight: 1, flags: ['dead', 'linkdown'] },
    ] },
    (r) => assert.deepEqual(r.nexthops.map((n) => [n.dev, n.weight, n.dead, n.linkdown]), [['a0', 2, false, false], ['d0', 1, true, true]])],
  ['IPv4 route via an IPv6 gateway', '10.78.0.0/16 via inet6 2001:db8:a::2 dev a0', { dst: '10.78.0.0/16', via: { family: 'inet6', host: '2001:db8:a::2' }, dev: 'a0', flags: [] },
    (r) => assert.equal(formatIp(r.nexthops[0]!.gateway!), '2001:db8:a::2')],
  ['nhid routes keep no next hops (the nexthop objects have them)', '10.44.0.0/16 nhid 3\n\tnexthop via 10.0.0.2 dev a0 weight 1',
    { dst: '10.44.0.0/16', nhid: 3, flags: [], nexthops: [{ gateway: '10.0.0.2', dev: 'a0', weight: 1, flags: [] }] },
    (r) => assert.deepEqual([r.nhid, r.nexthops], [3, []])],
  ['metrics, realms and expires are kept', '10.77.0.0/16 dev b0 metric 5 realms 3/cosmos mtu 1400 rtt 1.5s rttvar 30ms features ecn congctl cubic expires 10sec',
    { dst: '10.77.0.0/16', dev: 'b0', metric: 5, flags: [], flow: { from: '3', to: 'cosmos' }, metrics: [{ mtu: 1400, rtt: 1500, rttvar: 30, ecn: null, congestion: 'cubic' }], expires: 10 },
    (r) => {
      assert.equal(r.metric, 5);
      assert.deepEqual(r.metrics?.map((m) => [m.name, m.value, m.lock]), [['mtu', 1400, false], ['rtt', 1500, false], ['rttvar', 30, false], ['ecn', 1, false], ['congestion', 'cubic', false]]);
      assert.equal(r.realms, 3 << 16);
      assert.equal(r.expires, 10);
    }],
  ['one realm', '10.78.0.0/16 dev b0 realm 16', { dst: '10.78.0.0/16', dev: 'b0', flags: [], flow: { to: '16' } }, (r) => assert.equal(r.realms, 16)],
];
for (const [name, text, json, check] of cases) {
  test(`route: ${name}`, () => {
    const fromJson = parseIpRouteJson(JSON.stringify([json]), { family: 4, rtTables });
    const fromText = parseIpRouteText(text, { family: 4, rtTables });
    assert.deepEqual(fromJson.diagnostics, []);
    assert.deepEqual(fromText.diagnostics, []);
    assert.equal(fromJson.value.length, 1);
    check(fromJson.value[0]!);
    assert.deepEqual(fromText.value, fromJson.value);
  });
}

test('route text: "lock" marks a metric locked, which the JSON form does not show', () => {
  const parsed = parseIpRouteText('10.77.0.0/16 dev b0 mtu lock 1400 advmss 1300 congctl lock cubic\n', { family: 4, rtTables });
  assert.deepEqual(parsed.diagnostics, []);
  assert.deepEqual(parsed.value[0]?.metrics, [
    { name: 'mtu', value: 1400, lock: true },
    { name: 'advmss', value: 1300, lock: false },
    { name: 'congestion', value: 'cubic', lock: true },
  ]);
});

test('route JSON: a realm name outside the shipped rt_realms is a warning, the route stays', () => {
  const parsed = parseIpRouteJson(JSON.stringify([{ dst: '10.0.0.0/8', dev: 'b0', flags: [], flow: { to: 'inr.ac' } }]), { family: 4, rtTables });
  assert.equal(parsed.value.length, 1);
  assert.equal(parsed.value[0]?.realms, undefined);
  assert.deepEqual(parsed.diagnostics.map((d) => [d.severity, d.code]), [['warning', 'route-unknown-realm']]);
});

test('IPv6: source-specific route, pref, error route printed with "dev lo"', () => {
  const text = '2001:db8:c::/64 from 2001:db8:a::/64 via 2001:db8:a::2 dev a0 metric 1024 pref high\nunreachable 2001:db8:dead::/48 dev lo metric 1024 pref medium\n';
  const parsed = parseIpRouteText(text, { family: 6 });
  assert.deepEqual(parsed.diagnostics, []);
  const [sourceRoute, unreachable] = parsed.value;
  assert.equal(formatPrefix(sourceRoute!.src!), '2001:db8:a::/64');
  assert.equal(sourceRoute?.pref, 'high');
  assert.deepEqual([unreachable?.type, unreachable?.nexthops], ['unreachable', []]);
});

test('dump order survives in `order`, equal keys included', () => {
  const text = '10.88.0.0/16 via 10.2.0.2 dev c0\n10.88.0.0/16 via 10.0.0.2 dev a0\n10.88.0.0/16 via 10.1.0.2 dev b0\n';
  const parsed = parseIpRouteText(text, { family: 4 });
  assert.deepEqual(parsed.value.map((r) => [r.order, r.nexthops[0]?.dev]), [[0, 'c0'], [1, 'a0'], [2, 'b0']]);
});

test('unknown route type: error with the line number (text) and the element location (JSON)', () => {
  const text = parseIpRouteText('default via 10.0.0.2 dev a0\nfrobnicate 10.0.0.0/8 dev a0\n', { family: 4, file: 'r.txt' });
  assert.equal(text.value.length, 1);
  assert.deepEqual(text.diagnostics.map((d) => [d.code, d.source]), [['route-unknown-type', { file: 'r.txt', line: 2, column: 1 }]]);
  const json = parseIpRouteJson('[\n  {"dst": "default", "dev": "a0", "flags": []},\n  {"type": "frobnicate", "dst": "10.0.0.0/8", "flags": []}\n]', { family: 4, file: 'r.json' });
  assert.equal(json.value.length, 1);
  assert.deepEqual(json.diagnostics.map((d) => [d.code, d.source]), [['route-unknown-type', { file: 'r.json', line: 3, column: 3 }]]);
  const numbered = parseIpRouteJson('[{"type":"42","dst":"10.0.0.0/8","flags":[]}]', { family: 4 });
  assert.deepEqual(numbered.diagnostics.map((d) => d.code), ['route-unknown-type']);
});

const malformed: readonly [string, string, string][] = [
  ['bad prefix length', '[{"dst":"10.0.0.0/33","flags":[]}]', 'route-bad-prefix'],
  ['bad gateway', '[{"dst":"default","gateway":"10.0.0","dev":"a0","flags":[]}]', 'route-bad-gateway'],
  ['unknown table', '[{"dst":"default","dev":"a0","table":"nope","flags":[]}]', 'unknown-table-name'],
  ['unknown scope', '[{"dst":"default","dev":"a0","scope":"galaxy","flags":[]}]', 'route-bad-scope'],
  ['metric is not a number', '[{"dst":"default","dev":"a0","metric":"5","flags":[]}]', 'json-field-type'],
  ['missing dst', '[{"dev":"a0","flags":[]}]', 'route-missing-dst'],
  ['bad weight', '[{"dst":"default","flags":[],"nexthops":[{"dev":"a0","weight":-1,"flags":[]}]}]', 'json-field-type'],
];
for (const [name, text, code] of malformed) {
  test(`malformed route JSON: ${name}`, () => {
    const parsed = parseIpRouteJson(text, { family: 4 });
    assert.deepEqual(parsed.value, []);
    assert.deepEqual(parsed.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code), [code]);
  });
}

test('host bits in a route prefix: cleared with a warning', () => {
  const parsed = parseIpRouteJson('[{"dst":"10.0.0.1/8","dev":"a0","flags":[]}]', { family: 4 });
  assert.equal(formatPrefix(parsed.value[0]!.dst), '10.0.0.0/8');
  assert.deepEqual(parsed.diagnostics.map((d) => [d.severity, d.code]), [['warning', 'route-prefix-host-bits']]);
});

test('an indented line with no route before it', () => {
  const parsed = parseIpRouteText('\tnexthop via 10.0.0.2 dev a0\n', { family: 4 });
  assert.deepEqual(parsed.diagnostics.map((d) => [d.code, d.source?.line]), [['route-text-orphan-line', 1]]);
});
