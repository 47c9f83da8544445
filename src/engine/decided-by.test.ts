import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RouteAnswer } from '../model/route-query.ts';
import { createEngine } from './engine.ts';
import { query4, topologyB } from './ipv4/test-support.ts';
import { Ipv6StateBuilder, query6 } from './ipv6/test-support.ts';

function decided(a: RouteAnswer): string {
  const d = a.decidedBy;
  return `${a.ok ? 'ok' : a.errno} ${d ? `${d.pref}/${d.table}` : '-'}`;
}

test('IPv4 answers name the rule and table that decided', () => {
  const merged = createEngine(topologyB().route({ dst: '198.51.100.0/24', type: 'prohibit' }).build());
  const split = createEngine(
    topologyB()
      .route({ dst: 'default', via: '10.1.0.2', dev: 'b0', table: 100 })
      .rule({ priority: 50, to: '192.0.2.0/24', action: 'unreachable' })
      .rule({ priority: 100, fwmark: 7, fwmask: 0xff, table: 100 })
      .sysctl('net.ipv4.conf.a0.forwarding', 1)
      .build(),
  );
  const cases: Array<[string, ReturnType<typeof createEngine>, string, string]> = [
    ['merged trie, local route: rule 0 table local', merged, '10.0.0.1', 'ok 0/255'],
    ['merged trie, main route: rule 32766 table main', merged, '10.2.0.5', 'ok 32766/254'],
    ['merged trie, prohibit route in main', merged, '198.51.100.1', 'EACCES 32766/254'],
    ['no route at all: nobody decided', merged, '8.8.8.8', 'ENETUNREACH -'],
    ['fwmark rule', split, '8.8.8.8 mark 7', 'ok 100/100'],
    ['fwmark rule on the input path', split, '8.8.8.8 from 10.0.0.2 iif a0 mark 7', 'ok 100/100'],
    ['input path, forwarding off: the lookup still names its rule', split, '8.8.8.8 from 10.1.0.5 iif b0 mark 7', 'EHOSTUNREACH 100/100'],
    ['unreachable rule action: table 0', split, '192.0.2.1', 'ENETUNREACH 50/0'],
    ['oif on-link fallback: no lookup decided', split, '8.8.8.8 oif c0', 'ok -'],
  ];
  for (const [name, engine, q, want] of cases) assert.equal(decided(engine.routeGet(query4(q))), want, name);
});

test('IPv6 answers name the rule and table that decided', () => {
  const engine = createEngine(
    new Ipv6StateBuilder()
      .device('a0', 'fe80::1')
      .address('a0', '2001:db8::1/64')
      .route({ dst: 'default', via: '2001:db8::2', dev: 'a0', table: 100 })
      .rule({ priority: 10, fwmark: 1, fwmask: 0xffffffff, table: 100 })
      .rule({ priority: 20, to: '2001:db8:dead::/48', action: 'prohibit' })
      .build(),
  );
  const cases: Array<[string, ReturnType<typeof query6>, string]> = [
    ['fwmark rule', query6('2001:db8:ff::1', { mark: 1 }), 'ok 10/100'],
    ['main', query6('2001:db8::5'), 'ok 32766/254'],
    ['prohibit rule', query6('2001:db8:dead::1'), 'EACCES 20/0'],
  ];
  for (const [name, q, want] of cases) assert.equal(decided(engine.routeGet(q)), want, name);
});
