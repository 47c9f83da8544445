import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseNftRuleset } from './nft-json.ts';

const META = { metainfo: { version: '1.0.6', release_name: 'Lester Gooch #5', json_schema_version: 1 } };
const doc = (...items: unknown[]): string => JSON.stringify({ nftables: [META, ...items] });
const table = (family: string, name: string, extra: object = {}): unknown => ({ table: { family, name, handle: 1, ...extra } });
const chain = (family: string, tableName: string, name: string, extra: object = {}): unknown => ({ chain: { family, table: tableName, name, handle: 1, ...extra } });
const rule = (family: string, tableName: string, chainName: string, handle: number, expr: unknown[], extra: object = {}): unknown => ({
  rule: { family, table: tableName, chain: chainName, handle, expr, ...extra },
});
const codes = (r: ReturnType<typeof parseNftRuleset>): string[] => r.diagnostics.map((d) => `${d.severity}:${d.code}`);

test('parseNftRuleset: input that is not nft JSON is an error diagnostic and no tables', () => {
  for (const [input, code] of [
    ['', 'json-empty'],
    ['{"nftables": [', 'json-syntax'],
    ['[1, 2]', 'nft-json-shape'],
    ['{"other": []}', 'nft-json-shape'],
  ] as const) {
    const r = parseNftRuleset(input, 'nft.json');
    assert.deepEqual(r.value, [], input);
    assert.deepEqual(codes(r), [`error:${code}`], input);
  }
  const located = parseNftRuleset('{"nftables": [\n  {"table": }]}', 'nft.json');
  assert.deepEqual(located.diagnostics[0]?.source, { file: 'nft.json', line: 2, column: 13 });
});

test('parseNftRuleset: an empty ruleset is no tables and no diagnostics', () => {
  assert.deepEqual(parseNftRuleset(doc(), 'x'), { value: [], diagnostics: [] });
});

test('parseNftRuleset: tables of every family, base and regular chains, origin nft', () => {
  const r = parseNftRuleset(
    doc(
      table('inet', 'pbr'),
      chain('inet', 'pbr', 'pre', { type: 'filter', hook: 'prerouting', prio: -150, policy: 'accept' }),
      chain('inet', 'pbr', 'out', { type: 'route', hook: 'output', prio: -150, policy: 'accept' }),
      chain('inet', 'pbr', 'fwd', { type: 'filter', hook: 'forward', prio: 0, policy: 'drop' }),
      chain('inet', 'pbr', 'sub'),
      table('ip', 'legacy'),
      chain('ip', 'legacy', 'post', { type: 'nat', hook: 'postrouting', prio: 100, policy: 'accept' }),
      table('ip6', 'v6'),
      table('netdev', 'nd'),
      chain('netdev', 'nd', 'in', { type: 'filter', hook: 'ingress', prio: -500, policy: 'accept', dev: 'eth0' }),
      table('bridge', 'br'),
      table('arp', 'a'),
    ),
    'x',
  );
  assert.deepEqual(r.diagnostics, []);
  assert.deepEqual(r.value.map((t) => [t.family, t.name, t.origin]), [
    ['inet', 'pbr', 'nft'], ['ip', 'legacy', 'nft'], ['ip6', 'v6', 'nft'], ['netdev', 'nd', 'nft'], ['bridge', 'br', 'nft'], ['arp', 'a', 'nft'],
  ]);
  assert.deepEqual(r.value[0]?.chains.map((c) => [c.name, c.base]), [
    ['pre', { hook: 'prerouting', type: 'filter', priority: -150, policy: 'accept' }],
    ['out', { hook: 'output', type: 'route', priority: -150, policy: 'accept' }],
    ['fwd', { hook: 'forward', type: 'filter', priority: 0, policy: 'drop' }],
    ['sub', undefined],
  ]);
  assert.deepEqual(r.value[3]?.chains[0]?.base, { hook: 'ingress', type: 'filter', priority: -500, policy: 'accept', device: 'eth0' });
});

test('parseNftRuleset: priorities written as names (newer nft) are read like nft reads them', () => {
  for (const [family, prio, expected] of [
    ['inet', 'mangle', -150], ['inet', 'filter - 1', -1], ['ip', 'dstnat', -100], ['ip', 'srcnat + 10', 110], ['ip', 'raw', -300],
    ['bridge', 'filter', -200], ['bridge', 'srcnat', 300], ['ip', '-5', -5],
  ] as const) {
    const r = parseNftRuleset(doc(table(family, 't'), chain(family, 't', 'c', { type: 'filter', hook: 'input', prio, policy: 'accept' })), 'x');
    assert.equal(r.value[0]?.chains[0]?.base?.priority, expected, `${family} ${prio}`);
  }
});

test('parseNftRuleset: a hook or priority pbr cannot read keeps the chain as a regular chain, with a warning', () => {
  for (const extra of [{ type: 'filter', hook: 'nosuch', prio: 0 }, { type: 'weird', hook: 'input', prio: 0 }, { type: 'filter', hook: 'input', prio: 'nosuch' }]) {
    const r = parseNftRuleset(doc(table('ip', 't'), chain('ip', 't', 'c', extra)), 'x');
    assert.equal(r.value[0]?.chains[0]?.base, undefined);
    assert.equal(r.diagnostics[0]?.severity, 'warning');
    assert.match(r.diagnostics[0]?.message ?? '', /nft ip t chain c/);
  }
});

test('parseNftRuleset: named sets and maps with their types, flags and elements', () => {
  const r = parseNftRuleset(
    doc(
      table('inet', 't'),
      { set: { family: 'inet', name: 'hp', table: 't', type: ['ipv4_addr', 'inet_service'], handle: 2, flags: ['interval'], elem: [{ concat: [{ prefix: { addr: '10.0.0.0', len: 8 } }, { range: [22, 25] }] }] } },
      { map: { family: 'inet', name: 'vm', table: 't', type: 'ifname', handle: 3, map: 'verdict', elem: [['lan0', { jump: { target: 'x' } }], ['wan*', { drop: null }]] } },
      { map: { family: 'inet', name: 'mk', table: 't', type: 'ipv4_addr', handle: 4, map: 'mark', flags: 'interval', elem: [[{ prefix: { addr: '10.1.0.0', len: 16 } }, 256]] } },
      { set: { family: 'inet', name: 'empty', table: 't', type: 'ipv4_addr', handle: 5, flags: ['dynamic', 'timeout'] } },
    ),
    'x',
  );
  assert.deepEqual(r.diagnostics, []);
  assert.deepEqual(r.value[0]?.sets, [
    {
      name: 'hp', keyType: ['ipv4_addr', 'inet_service'], flags: ['interval'],
      entries: [{ key: { kind: 'concat', parts: [{ kind: 'prefix', value: 0x0a000000n, length: 8, width: 32 }, { kind: 'range', low: 22n, high: 25n }] } }],
    },
    {
      name: 'vm', keyType: ['ifname'], flags: [], dataType: 'verdict',
      entries: [{ key: { kind: 'value', value: 'lan0' }, data: { kind: 'jump', chain: 'x' } }, { key: { kind: 'value', value: 'wan*' }, data: { kind: 'drop' } }],
    },
    { name: 'mk', keyType: ['ipv4_addr'], flags: ['interval'], dataType: 'mark', entries: [{ key: { kind: 'prefix', value: 0x0a010000n, length: 16, width: 32 }, data: 256n }] },
    { name: 'empty', keyType: ['ipv4_addr'], flags: ['dynamic', 'timeout'], entries: [] },
  ]);
});

test('parseNftRuleset: a set with elements pbr cannot read is reported, and rules using it become unknown', () => {
  const r = parseNftRuleset(
    doc(
      table('ip', 't'),
      { map: { family: 'ip', name: 'dn', table: 't', type: 'ipv4_addr', handle: 2, map: 'ipv4_addr . inet_service', elem: [['1.2.3.4', { concat: ['10.0.0.1', 80] }]] } },
      chain('ip', 't', 'c'),
      rule('ip', 't', 'c', 5, [{ dnat: { addr: { map: { key: { payload: { protocol: 'ip', field: 'daddr' } }, data: '@dn' } } } }]),
    ),
    'x',
  );
  assert.deepEqual(r.value[0]?.sets[0], { name: 'dn', keyType: ['ipv4_addr'], dataType: 'ipv4_addr . inet_service', flags: [], entries: [] });
  assert.deepEqual(r.value[0]?.chains[0]?.rules[0]?.statements, [{ kind: 'unknown', text: 'dnat to ip daddr map @dn' }]);
  assert.deepEqual(codes(r), ['warning:nft-set-element', 'warning:nft-rule-not-modelled']);
});

test('parseNftRuleset: rule texts come from the nft -a text; without it they are rendered from the JSON', () => {
  const json = doc(
    table('inet', 't'),
    chain('inet', 't', 'c'),
    rule('inet', 't', 'c', 7, [{ match: { op: '==', left: { payload: { protocol: 'tcp', field: 'dport' } }, right: 22 } }, { mangle: { key: { meta: { key: 'mark' } }, value: 2 } }], { comment: 'ssh via wan2' }),
    rule('inet', 't', 'c', 8, [{ counter: { packets: 1, bytes: 60 } }, { accept: null }]),
  );
  const text = 'table inet t { # handle 1\n\tchain c { # handle 1\n\t\ttcp dport 22 meta mark set 0x00000002 comment "ssh via wan2" # handle 7\n\t}\n}\n';
  const withText = parseNftRuleset(json, 'x', text);
  assert.deepEqual(withText.value[0]?.chains[0]?.rules.map((r) => [r.handle, r.text, r.comment]), [
    [7, 'tcp dport 22 meta mark set 0x00000002 comment "ssh via wan2"', 'ssh via wan2'],
    [8, 'counter accept', undefined],
  ]);
  assert.deepEqual(codes(withText), ['info:nft-rule-text-missing']);
  const withoutText = parseNftRuleset(json, 'x');
  assert.deepEqual(withoutText.value[0]?.chains[0]?.rules.map((r) => r.text), ['tcp dport 22 meta mark set 0x00000002 comment "ssh via wan2"', 'counter accept']);
  assert.deepEqual(withoutText.diagnostics, []);
});

test('parseNftRuleset: a rule pbr does not fully model is kept, with a warning naming family, table, chain, handle and text', () => {
  const r = parseNftRuleset(
    doc(table('inet', 'f'), chain('inet', 'f', 'c'), rule('inet', 'f', 'c', 14, [{ limit: { rate: 10, burst: 5, per: 'second' } }, { accept: null }])),
    'x',
    'table inet f {\n\tchain c {\n\t\tlimit rate 10/second accept # handle 14\n\t}\n}\n',
  );
  assert.deepEqual(r.value[0]?.chains[0]?.rules[0]?.statements, [{ kind: 'unknown', text: 'limit rate 10/second' }, { kind: 'verdict', verdict: { kind: 'accept' } }]);
  const d = r.diagnostics[0];
  assert.equal(d?.severity, 'warning');
  assert.equal(d?.message, 'nft inet f chain c rule handle 14 (limit rate 10/second accept): not modelled: limit rate 10/second (limit is not modelled)');
  assert.match(d?.hint ?? '', /every outcome/);
});

test('parseNftRuleset: xt expressions say the table is iptables-nft’s', () => {
  const r = parseNftRuleset(
    doc(table('ip', 'mangle'), chain('ip', 'mangle', 'PREROUTING', { type: 'filter', hook: 'prerouting', prio: -150, policy: 'accept' }), rule('ip', 'mangle', 'PREROUTING', 7, [{ counter: { packets: 0, bytes: 0 } }, { xt: { type: 'target', name: 'CONNMARK' } }])),
    'x',
  );
  assert.deepEqual(r.value[0]?.chains[0]?.rules[0]?.statements, [{ kind: 'counter' }, { kind: 'unknown', text: 'xt target CONNMARK' }]);
  assert.deepEqual(codes(r), ['warning:nft-rule-not-modelled', 'info:nft-table-iptables-nft']);
  assert.match(r.diagnostics[0]?.hint ?? '', /iptables-save/);
});

test('parseNftRuleset: named objects and flowtables are info diagnostics naming them', () => {
  const r = parseNftRuleset(
    doc(
      table('inet', 'o'),
      { counter: { family: 'inet', name: 'cnt1', table: 'o', handle: 3, packets: 0, bytes: 0 } },
      { flowtable: { family: 'inet', name: 'ft', table: 'o', handle: 4, hook: 'ingress', prio: 0, dev: ['lo'] } },
      { 'ct helper': { family: 'inet', name: 'ftp-std', table: 'o', handle: 5, type: 'ftp', protocol: 'tcp', l3proto: 'ip' } },
    ),
    'x',
  );
  assert.deepEqual(r.diagnostics.map((d) => [d.severity, d.message]), [
    ['info', 'nft inet o: counter cnt1 is not modelled'],
    ['info', 'nft inet o: flowtable ft is not modelled'],
    ['info', 'nft inet o: ct helper ftp-std is not modelled'],
  ]);
});

test('parseNftRuleset: dormant tables keep their chains, but none is hooked', () => {
  const items = [table('ip', 's', { flags: ['dormant'] }), chain('ip', 's', 'c', { type: 'filter', hook: 'prerouting', prio: 0, policy: 'accept' })];
  const r = parseNftRuleset(doc(...items), 'x');
  assert.equal(r.value[0]?.chains[0]?.base, undefined);
  assert.deepEqual(codes(r), ['warning:nft-table-dormant']);
  // nft 1.0.6 prints another string in place of the flags: the text decides
  const buggy = [table('ip', 's', { flags: 's' }), items[1]];
  assert.deepEqual(codes(parseNftRuleset(doc(...buggy), 'x')), ['warning:nft-table-flags']);
  const fromText = parseNftRuleset(doc(...buggy), 'x', 'table ip s { # handle 1\n\tflags dormant\n\n\tchain c { # handle 1\n\t}\n}\n');
  assert.deepEqual(codes(fromText), ['warning:nft-table-dormant']);
  const awake = parseNftRuleset(doc(...buggy), 'x', 'table ip s { # handle 1\n\tchain c { # handle 1\n\t}\n}\n');
  assert.deepEqual(awake.diagnostics, []);
  assert.equal(awake.value[0]?.chains[0]?.base?.hook, 'prerouting');
});

test('parseNftRuleset: the netdev device from the text when the JSON leaves it out (nft 1.0.6)', () => {
  const json = doc(table('netdev', 'n'), chain('netdev', 'n', 'c', { type: 'filter', hook: 'ingress', prio: 0, policy: 'accept' }));
  const r = parseNftRuleset(json, 'x', 'table netdev n { # handle 1\n\tchain c { # handle 1\n\t\ttype filter hook ingress device "eth0" priority filter; policy accept;\n\t}\n}\n');
  assert.equal(r.value[0]?.chains[0]?.base?.device, 'eth0');
  assert.deepEqual(r.diagnostics, []);
  assert.deepEqual(codes(parseNftRuleset(json, 'x')), ['info:nft-chain-device']);
});

test('parseNftRuleset: rules of chains or tables not in the ruleset are errors; the rest is kept', () => {
  const r = parseNftRuleset(doc(table('ip', 't'), chain('ip', 't', 'c'), rule('ip', 't', 'nosuch', 1, [{ accept: null }]), rule('ip', 'gone', 'c', 2, []), rule('ip', 't', 'c', 3, [{ drop: null }])), 'x');
  assert.deepEqual(codes(r), ['error:nft-unknown-chain', 'error:nft-unknown-table']);
  assert.deepEqual(r.value[0]?.chains[0]?.rules.map((x) => x.handle), [3]);
});

test('parseNftRuleset: a newer JSON schema is a warning', () => {
  const r = parseNftRuleset(JSON.stringify({ nftables: [{ metainfo: { json_schema_version: 2 } }] }), 'x');
  assert.deepEqual(codes(r), ['warning:nft-json-schema']);
});

test('parseNftRuleset: no input makes it throw or trips its internal-error guard', () => {
  const element = fc.oneof(fc.jsonValue(), fc.constantFrom<unknown>(
    table('ip', 't'), chain('ip', 't', 'c', { hook: 'input', type: 'filter', prio: 0 }), { set: { family: 'ip', table: 't', name: 's', type: 'ipv4_addr' } },
  ));
  const items = fc.array(fc.oneof(element, fc.record({ rule: fc.record({ family: fc.constant('ip'), table: fc.constant('t'), chain: fc.constant('c'), handle: fc.nat(), expr: fc.array(fc.jsonValue()) }) })));
  fc.assert(
    fc.property(items, fc.string(), (list, text) => {
      const r = parseNftRuleset(JSON.stringify({ nftables: list }), 'x', text);
      assert.ok(Array.isArray(r.value));
      assert.deepEqual(r.diagnostics.filter((d) => d.code === 'nft-internal'), []);
    }),
    { numRuns: 300 },
  );
});
