import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIp } from '../addr/address.ts';
import type { IpAddress } from '../addr/types.ts';
import type { Errno, ResolvedRoute, RouteAnswer } from '../model/route-query.ts';
import { builtinRtTables } from '../model/rt-tables.ts';
import { RouteSummary } from './route-summary.ts';
import { renderRouteSummaryJson, renderRouteSummaryText } from './route-summary-render.ts';

function ip(text: string): IpAddress {
  const a = parseIp(text, 'iproute2', text.includes(':') ? 6 : 4);
  assert.ok(a, text);
  return a;
}

/** `rule`: the pref of the ip rule that decided */
function routed(dst: string, fields: Partial<ResolvedRoute> & { rule?: number }): RouteAnswer {
  const { rule: pref, ...route } = fields;
  const table = route.table ?? 254;
  return {
    ok: true,
    route: { type: 'unicast', dst: ip(dst), dev: 'eth0', table, flags: [], cache: [], ...route },
    ...(pref !== undefined ? { decidedBy: { pref, table } } : {}),
    explain: [],
  };
}

function failed(errno: Errno, decidedBy?: { pref: number; table: number }): RouteAnswer {
  return { ok: false, errno, ...(decidedBy ? { decidedBy } : {}), explain: [] };
}

const GW1 = ip('192.0.2.1');
const GW2 = ip('198.51.100.1');

test('answers are grouped by rule, table, route, dev and disposition, most first', () => {
  const rows: readonly (readonly [string, readonly RouteAnswer[], readonly (readonly [number | undefined, number | undefined, string, number])[]])[] = [
    ['one group: different destinations, same route', [routed('8.8.8.8', { rule: 32766, gateway: GW1 }), routed('1.1.1.1', { rule: 32766, gateway: GW1 })], [[32766, 254, 'unicast', 2]]],
    [
      'the deciding rule splits a group, the larger one first',
      [routed('8.8.8.8', { rule: 100, gateway: GW1 }), routed('8.8.8.8', { rule: 32766, gateway: GW1 }), routed('9.9.9.9', { rule: 32766, gateway: GW1 })],
      [[32766, 254, 'unicast', 2], [100, 254, 'unicast', 1]],
    ],
    [
      'gateway, dev and table split groups; equal counts keep the order first seen',
      [
        routed('8.8.8.8', { rule: 100, gateway: GW2, table: 102 }),
        routed('8.8.8.8', { rule: 100, gateway: GW1, table: 101 }),
        routed('8.8.8.8', { rule: 100, gateway: GW1, table: 101, dev: 'eth1' }),
      ],
      [[100, 102, 'unicast', 1], [100, 101, 'unicast', 1], [100, 101, 'unicast', 1]],
    ],
    [
      'errors are rows of their own, by errno and rule; a rule action has no table',
      [failed('ENETUNREACH', { pref: 32766, table: 254 }), failed('EINVAL', { pref: 304, table: 0 }), failed('EINVAL', { pref: 304, table: 0 }), failed('ENODEV')],
      [[304, undefined, 'EINVAL', 2], [32766, 254, 'ENETUNREACH', 1], [undefined, undefined, 'ENODEV', 1]],
    ],
    ['local and broadcast are dispositions', [routed('10.0.0.1', { rule: 0, table: 255, type: 'local', dev: 'lo' }), routed('10.0.0.255', { rule: 0, table: 255, type: 'broadcast' })], [[0, 255, 'local', 1], [0, 255, 'broadcast', 1]]],
    ['an answer no rule decided', [routed('10.0.0.9', { table: 254 })], [[undefined, 254, 'unicast', 1]]],
  ];
  for (const [name, answers, expected] of rows) {
    const summary = new RouteSummary();
    for (const a of answers) summary.add(a);
    const result = summary.result();
    assert.deepEqual(
      result.rows.map((r) => [r.pref, r.table, r.errno ?? r.type, r.count]),
      expected,
      name,
    );
    assert.equal(result.queries, answers.length, name);
    assert.equal(result.failed, 0, name);
  }
});

test('a fibmatch answer is grouped by its matched prefix, a plain one by the route taken', () => {
  const summary = new RouteSummary();
  // with fibmatch the engine answers the FIB entry: dst is the prefix, not the queried address
  summary.add(routed('10.0.0.0', { rule: 32766, gateway: GW1, prefixLength: 8 }));
  summary.add(routed('10.0.0.0', { rule: 32766, gateway: GW1, prefixLength: 8 }));
  summary.add(routed('10.1.0.0', { rule: 32766, gateway: GW1, prefixLength: 16 }));
  summary.add(routed('10.1.2.3', { rule: 32766, gateway: GW1 }));
  summary.addFailed();
  const result = summary.result();
  assert.deepEqual(result.rows.map((r) => [r.prefix?.length, r.count]), [[8, 2], [16, 1], [undefined, 1]]);
  assert.deepEqual({ queries: result.queries, failed: result.failed }, { queries: 4, failed: 1 });
});

test('text: aligned columns with a header and a total line; JSON: one object', () => {
  const summary = new RouteSummary();
  for (let i = 0; i < 3; i++) summary.add(routed('8.8.8.8', { rule: 32766, gateway: GW1 }));
  summary.add(routed('::', { rule: 100, table: 101, prefixLength: 0, gateway: ip('2001:db8::1') }));
  summary.add(failed('EINVAL', { pref: 304, table: 0 }));
  summary.addFailed();
  const tables = builtinRtTables();
  assert.equal(
    renderRouteSummaryText(summary.result(), tables),
    [
      'count  share   rule  table  route                    dev   disposition',
      '    3  60.0%  32766  main   via 192.0.2.1            eth0  unicast',
      '    1  20.0%    100  101    default via 2001:db8::1  eth0  unicast',
      '    1  20.0%    304  -      -                        -     EINVAL',
      'total: 5 queries, 1 line failed',
      '',
    ].join('\n'),
  );
  assert.deepEqual(JSON.parse(renderRouteSummaryJson(summary.result(), tables)), {
    rows: [
      { pref: 32766, table: 'main', route: null, dev: 'eth0', gateway: '192.0.2.1', type: 'unicast', count: 3, share: 0.6 },
      { pref: 100, table: '101', route: 'default', dev: 'eth0', gateway: '2001:db8::1', type: 'unicast', count: 1, share: 0.2 },
      { pref: 304, table: null, route: null, dev: null, gateway: null, errno: 'EINVAL', count: 1, share: 0.2 },
    ],
    total: 5,
    failed: 1,
  });
  const empty = new RouteSummary().result();
  assert.equal(renderRouteSummaryText(empty, tables), 'count  share  rule  table  route  dev  disposition\ntotal: 0 queries, 0 lines failed\n');
  assert.deepEqual(JSON.parse(renderRouteSummaryJson(empty, tables)), { rows: [], total: 0, failed: 0 });
});

test('the table is the one the deciding rule looked up, also where the answer reports main for a local route', () => {
  const summary = new RouteSummary();
  const local: RouteAnswer = {
    ok: true,
    route: { type: 'local', dst: ip('10.0.0.1'), dev: 'lo', table: 254, flags: [], cache: ['local'] },
    decidedBy: { pref: 0, table: 255 },
    explain: [],
  };
  summary.add(local);
  summary.add(routed('10.0.0.9', { rule: 32766, table: 254 }));
  assert.deepEqual(summary.result().rows.map((r) => [r.pref, r.table, r.type]), [[0, 255, 'local'], [32766, 254, 'unicast']]);
});
