import { test } from 'node:test';
import assert from 'node:assert/strict';
import { baseChain, binop, konst, meta, rule, rulesetOf, setMark, table } from '../engine/netfilter/nf-test-support.ts';
import type { NetworkState } from '../model/network-state.ts';
import { appliedState } from './applied-state.ts';
import { compileIntent } from './compile-intent.ts';
import { desiredNftTable, restoreNftScript } from './nft-table.ts';
import { planChanges } from './plan-changes.ts';
import { exampleIntent, exampleRouter } from './test-support.ts';

const router = (): NetworkState => exampleRouter().build();
const compiled = (state: NetworkState) => compileIntent(exampleIntent(), state).value;

test('a plan: files, routes, rules, nft, sysctls in that order; each change has an exact inverse', () => {
  const live = router();
  const plan = planChanges(live, compiled(live));
  assert.deepEqual(plan.conflicts, []);
  const objects = plan.changes.map((c) => c.object).filter((o, i, all) => o !== all[i - 1]);
  assert.deepEqual(objects, ['file', 'route', 'rule', 'nft', 'sysctl']);
  const route = plan.changes.find((c) => c.summary === 'add IPv4 route default via 198.51.100.1 dev wan2 table isp2 metric 0');
  assert.deepEqual(route?.apply, [{ kind: 'run', argv: ['ip', '-4', 'route', 'add', 'unicast', '0.0.0.0/0', 'via', '198.51.100.1', 'dev', 'wan2', 'table', '101', 'proto', '117', 'metric', '0', 'scope', '0'] }]);
  assert.deepEqual(route?.revert, [{ kind: 'run', argv: ['ip', '-4', 'route', 'del', 'unicast', '0.0.0.0/0', 'via', '198.51.100.1', 'dev', 'wan2', 'table', '101', 'proto', '117', 'metric', '0', 'scope', '0'] }]);
  const nft = plan.changes.find((c) => c.object === 'nft');
  assert.equal(nft?.apply[0]?.kind === 'run' && nft.apply[0].argv.join(' '), 'nft -f -');
  assert.deepEqual(nft?.revert, [{ kind: 'run', argv: ['nft', 'delete', 'table', 'inet', 'pbr'] }], 'no table before: the revert deletes it');
  const forward = plan.changes.find((c) => c.summary.startsWith('set net.ipv4.ip_forward'));
  // writing ip_forward writes every device's forwarding too: the revert puts each one back
  assert.deepEqual(forward?.revert.map((a) => (a.kind === 'sysctl' ? `${a.path}=${a.value}` : '')), [
    'net/ipv4/ip_forward=0',
    'net/ipv4/conf/all/forwarding=0',
    'net/ipv4/conf/default/forwarding=0',
    'net/ipv4/conf/lan/forwarding=0',
    'net/ipv4/conf/wan1/forwarding=0',
    'net/ipv4/conf/wan2/forwarding=0',
  ]);
  const file = plan.changes.find((c) => c.object === 'file');
  assert.deepEqual(file?.revert, [{ kind: 'delete-file', path: '/etc/iproute2/rt_tables.d/pbr.conf' }]);
});

test('planning against the applied state gives no changes (idempotence)', () => {
  const live = router();
  const after = appliedState(live, compiled(live));
  const again = planChanges(after, compiled(after));
  assert.deepEqual(again.changes.map((c) => c.summary), []);
  assert.deepEqual(again.conflicts, []);
});

test('stale pbr objects are deleted after the rest; changed ones replaced; foreign ones never touched', () => {
  const live = exampleRouter()
    .rule({ priority: 1500, fwmark: 0x900, fwmask: 0xff00, table: 150, protocol: '117' })
    .rule({ priority: 1003, from: '192.0.2.99/32', table: 100, protocol: '117' })
    .rule({ priority: 600, from: '10.9.0.0/16', table: 200 })
    .route({ dst: 'default', via: '198.51.100.1', dev: 'wan2', table: 150, protocol: '117' })
    .route({ dst: 'default', via: '192.0.2.254', dev: 'wan1', table: 100, protocol: '117' })
    .route({ dst: '10.9.0.0/16', via: '10.0.0.254', dev: 'lan', table: 200 })
    .build();
  const plan = planChanges(live, compiled(live));
  assert.deepEqual(plan.conflicts, []);
  const summaries = plan.changes.map((c) => `${c.action} ${c.object}: ${c.summary}`);
  assert.ok(summaries.includes('replace route: replace IPv4 route default via 192.0.2.254 dev wan1 table isp1 metric 0 by IPv4 route default via 192.0.2.1 dev wan1 table isp1 metric 0'), summaries.join('\n'));
  assert.ok(summaries.includes('replace rule: replace IPv4 rule 1003: from 192.0.2.99/32 lookup isp1 by from 192.0.2.2/32 lookup isp1'), summaries.join('\n'));
  assert.deepEqual(summaries.slice(-2), ['delete rule: delete IPv4 rule 1500: from all fwmark 0x900/0xff00 lookup 150', 'delete route: delete IPv4 route default via 198.51.100.1 dev wan2 table 150 metric 0']);
  const argvs = plan.changes.flatMap((c) => [...c.apply, ...c.revert]).map((a) => (a.kind === 'run' ? a.argv.join(' ') : ''));
  assert.equal(argvs.some((a) => a.includes('10.9.0.0/16')), false, 'foreign rule and route untouched');
  const deleted = plan.changes.at(-2);
  assert.deepEqual(deleted?.revert, [{ kind: 'run', argv: ['ip', '-4', 'rule', 'add', 'pref', '1500', 'fwmark', '0x900/0xff00', 'lookup', '150', 'protocol', '117'] }]);
});

test('conflicts: foreign rule at a pbr priority, foreign routes in a pbr table, foreign mark writers, foreign fwmark rules first, name clashes', () => {
  const mangle = (text: string, value: ReturnType<typeof konst>) => rulesetOf(table([baseChain('out', [rule(text, setMark(value))], { hook: 'output', type: 'route' })], { family: 'ip', name: 'mangle', origin: 'iptables' }));
  const cases: { name: string; live: NetworkState; want: string[] }[] = [
    { name: 'nothing in the way', live: router(), want: [] },
    { name: 'foreign rule at 1005', live: exampleRouter().rule({ priority: 1005, from: '10.9.0.0/16', table: 200 }).build(), want: ['rule: a rule pbr does not own sits at priority 1005 (IPv4), where pbr puts its own: IPv4 rule 1005: from 10.9.0.0/16 lookup 200'] },
    { name: 'a foreign route in table 101: pbr takes the next free id', live: exampleRouter().route({ dst: '10.9.0.0/16', via: '10.0.0.254', dev: 'lan', table: 101 }).build(), want: [] },
    { name: 'foreign fwmark rule before pbr on its bits', live: exampleRouter().rule({ priority: 900, fwmark: 0x100, fwmask: 0x100, table: 200 }).build(), want: ['mark: IPv4 rule 900: from all fwmark 0x100/0x100 lookup 200 (not pbr\'s) selects on mark bits pbr owns (0xff00) before pbr\'s rules'] },
    { name: 'foreign fwmark rule on other bits', live: exampleRouter().rule({ priority: 900, fwmark: 0x1, fwmask: 0xff, table: 200 }).build(), want: [] },
    { name: 'MARK --set-mark 0x1 clears pbr\'s bits', live: { ...router(), netfilter: mangle('-A OUTPUT -j MARK --set-xmark 0x1/0xffffffff', konst(1n)) }, want: ['mark: iptables table mangle chain out changes mark bits pbr owns (0xff00): -A OUTPUT -j MARK --set-xmark 0x1/0xffffffff'] },
    { name: 'MARK --or-mark 0x1 keeps them', live: { ...router(), netfilter: mangle('-A OUTPUT -j MARK --or-mark 0x1', binop('|', meta('mark'), konst(1n))) }, want: [] },
  ];
  for (const c of cases) {
    const plan = planChanges(c.live, compiled(c.live));
    assert.deepEqual(plan.conflicts.map((x) => `${x.object}: ${x.message}`), c.want, c.name);
    for (const x of plan.conflicts) assert.notEqual(x.hint, '', c.name);
  }
  // the table id was chosen on another state: its routes now collide, and so does a name
  const other = { ...exampleRouter().route({ dst: '10.9.0.0/16', via: '10.0.0.254', dev: 'lan', table: 101 }).build(), rtTablesFiles: [{ path: '/etc/iproute2/rt_tables', content: '180 isp2\n' }] };
  const plan = planChanges(other, compiled(router()));
  assert.deepEqual(plan.conflicts.map((x) => x.message), [
    'table 101 (isp2, for isp2) holds 1 route pbr does not own, e.g. IPv4 route 10.9.0.0/16 via 10.0.0.254 dev lan table isp2 metric 0',
    'rt_tables already names table 180 "isp2"; pbr wants that name for table 101',
  ]);
});

test('a changed inet pbr table is replaced in one nft transaction; the revert restores the old one', () => {
  const live = router();
  const old = compileIntent({ ...exampleIntent(), policies: exampleIntent().policies.slice(2, 3) }, live).value;
  const before = appliedState(live, old);
  const plan = planChanges(before, compiled(before));
  const nft = plan.changes.filter((c) => c.object === 'nft');
  assert.equal(nft.length, 1);
  const revert = nft[0]?.revert[0];
  assert.equal(revert?.kind === 'run' ? revert.argv.join(' ') : '', 'nft -f -');
  const script = revert?.kind === 'run' ? revert.stdin ?? '' : '';
  const oldTable = desiredNftTable(old.nft);
  assert.ok(oldTable);
  assert.equal(script, restoreNftScript(oldTable));
  assert.match(script, /^table inet pbr \{\n\}\ndelete table inet pbr\ntable inet pbr \{\n\tchain prerouting \{\n\t\ttype filter hook prerouting priority -150; policy accept;\n/);
  assert.match(script, /\t\tip saddr 10\.0\.0\.0\/24 numgen random mod 4 vmap \{ 0-2 : goto mark_isp1, 3 : goto mark_isp2 \}\n/);
});
