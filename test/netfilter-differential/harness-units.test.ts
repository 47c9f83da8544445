// The pure parts of the netfilter differential harness: generator, renderers, observer parsing, shrinker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareProbe } from './compare-outcomes.ts';
import { generateRuleset, syntaxForIndex } from './generate-ruleset.ts';
import { kernelOutcomes, parseObserver, parseSinks } from './kernel-outcome.ts';
import type { Probe } from './probes.ts';
import { renderIptablesRule, renderNftRule, renderRuleset } from './render-ruleset.ts';
import { countRules, withoutIdleChains, type GenRule, type GenRuleset } from './ruleset-types.ts';
import { shrinkRuleset } from './shrink-ruleset.ts';

test('the same seed gives the same rule set; nearby seeds differ', () => {
  for (const seed of [1, 2, 99]) {
    assert.equal(renderRuleset(generateRuleset(seed, 'nft')), renderRuleset(generateRuleset(seed, 'nft')));
  }
  assert.notEqual(renderRuleset(generateRuleset(1, 'iptables')), renderRuleset(generateRuleset(2, 'iptables')));
  assert.deepEqual([0, 1, 2, 3].map(syntaxForIndex), ['nft', 'iptables', 'nft', 'iptables']);
});

test('generated iptables rules have one target and valid interface words', () => {
  for (let seed = 0; seed < 300; seed++) {
    const rs = generateRuleset(seed, 'iptables');
    for (const chain of rs.tables[0]?.chains ?? []) {
      for (const rule of chain.rules) {
        assert.ok(rule.actions.length + (rule.verdict ? 1 : 0) <= 1, `seed ${seed}: ${JSON.stringify(rule)}`);
        const hook = chain.base?.hook;
        const words = rule.matches.map((m) => m.kind);
        if (hook === 'output' || hook === 'postrouting') assert.ok(!words.includes('iifname'), `seed ${seed}`);
        if (hook === 'prerouting' || hook === 'input') assert.ok(!words.includes('oifname'), `seed ${seed}`);
        if (words.includes('dport')) assert.ok(words.indexOf('proto') === words.indexOf('dport') - 1, `seed ${seed}: -p before --dport`);
      }
    }
  }
});

test('generated rule sets cover the constructs the issue asks for', () => {
  const text = Array.from({ length: 60 }, (_, i) => renderRuleset(generateRuleset(i, syntaxForIndex(i)))).join('\n');
  for (const needle of [
    'type route hook output', 'type filter hook output', 'meta mark and', 'ct mark and', 'ct mark set meta mark', 'meta mark set ct mark',
    ' xor ', ' or ', 'jump u', 'goto u', ' return', ' drop', ' accept', 'iifname "up*"', 'oifname', 'ct state', 'ct direction', 'dport {',
    '-j MARK --set-xmark', '-j MARK --set-mark', '-j MARK --or-mark', '-j CONNMARK --save-mark', '-j CONNMARK --restore-mark', '--nfmask',
    '-m connmark --mark', '-m mark ! --mark', '-i up+', '-g u', '-j RETURN', '-m multiport', '--ctstate', '--ctdir', 'table inet pbrm2',
  ]) {
    assert.ok(text.includes(needle), `no generated rule set contains "${needle}"`);
  }
});

test('rules render in both syntaxes', () => {
  const cases: [GenRule, string, string][] = [
    [
      { matches: [{ kind: 'mark', values: [0x1], mask: 0x3, negate: false }, { kind: 'iifname', names: ['up*'], negate: true }], actions: [], verdict: { kind: 'jump', chain: 'u0' } },
      'meta mark and 0x3 == 0x1 iifname != "up*" jump u0',
      ' -m mark --mark 0x1/0x3 ! -i up+ -j u0',
    ],
    [
      { matches: [{ kind: 'proto', proto: 'tcp', form: 'l4proto' }, { kind: 'dport', proto: 'tcp', ranges: [[22, 22], [1000, 2000]], negate: false }], actions: [], verdict: { kind: 'goto', chain: 'u1' } },
      'meta l4proto tcp tcp dport { 22, 1000-2000 } goto u1',
      ' -p tcp -m multiport --dports 22,1000:2000 -g u1',
    ],
    [
      { matches: [{ kind: 'ctstate', states: ['established', 'related'], negate: false, form: 'conntrack' }, { kind: 'ctmark', values: [0x2], mask: 0xffffffff, negate: true }], actions: [], verdict: { kind: 'return' } },
      'ct state established,related ct mark != 0x2 return',
      ' -m conntrack --ctstate ESTABLISHED,RELATED -m connmark ! --mark 0x2 -j RETURN',
    ],
  ];
  for (const [rule, nft, ipt] of cases) {
    assert.equal(renderNftRule(rule), nft);
    assert.equal(renderIptablesRule(rule), ipt);
  }
  assert.equal(renderNftRule({ matches: [], actions: [{ kind: 'nft-set', target: 'ctmark', source: 'mark', value: 0, ops: [{ op: 'and', value: 0xff }, { op: 'xor', value: 0x100 }] }] }),
    'ct mark set meta mark and 0xff xor 0x100');
  assert.equal(renderIptablesRule({ matches: [], actions: [{ kind: 'CONNMARK-restore', nfmask: 0xf, ctmask: 0x3 }] }), ' -j CONNMARK --restore-mark --nfmask 0xf --ctmask 0x3');
  assert.equal(renderIptablesRule({ matches: [], actions: [{ kind: 'MARK', option: 'set-xmark', value: 0x5, mask: 0xf0 }] }), ' -j MARK --set-xmark 0x5/0xf0');
});

test('the observer listing becomes probe outcomes', () => {
  const listing = { nftables: [
    { set: { name: 'post', elem: [{ concat: [20000, 22, 1, 0x11, 'up2'] }, { concat: [22, 20000, 1, 0x11, 'up2'] }] } },
    { set: { name: 'in', elem: [{ concat: [20001, 80, 0, 0, 'lan'] }] } },
  ] };
  const sinks = [{ nftables: [{ set: { name: 'got' } }] }, { nftables: [{ set: { name: 'got', elem: [{ concat: [20000, 22] }] } }] }, { nftables: [{ set: { name: 'got' } }] }];
  const probes: Probe[] = [
    { kind: 'forward', proto: 'tcp', sport: 20000, dport: 22 },
    { kind: 'inbound', proto: 'udp', sport: 20001, dport: 80 },
    { kind: 'forward', proto: 'tcp', sport: 20002, dport: 80 },
  ];
  const k = kernelOutcomes(probes, parseObserver(listing), parseSinks(sinks));
  assert.deepEqual(k.anomalies, []);
  assert.deepEqual(k.outcomes, [
    { request: { fate: 'out', dev: 'up2', mark: 1, ctmark: 0x11 }, reply: { fate: 'out', dev: 'up2', mark: 1, ctmark: 0x11 } },
    { request: { fate: 'in', dev: 'lan', mark: 0, ctmark: 0 } },
    { request: { fate: 'gone' } },
  ]);
  const lost = kernelOutcomes(probes.slice(0, 1), parseObserver(listing), parseSinks([sinks[0], sinks[0], sinks[0]]));
  assert.equal(lost.anomalies.length, 1, 'a packet the router sent that no sink received is a harness fault');
});

test('outcomes compare field by field, the reply only after the request agrees', () => {
  const out = { fate: 'out', dev: 'up2', mark: 1, ctmark: 0 } as const;
  assert.deepEqual(compareProbe(0, { request: out, reply: { fate: 'gone' } }, { outcome: { request: out, reply: { fate: 'gone' } } }), []);
  assert.equal(compareProbe(0, { request: out }, { outcome: { request: { ...out, ctmark: 2 } } })[0]?.direction, 'request');
  assert.equal(compareProbe(0, { request: out, reply: { fate: 'gone' } }, { outcome: { request: out, reply: out } })[0]?.direction, 'reply');
  assert.equal(compareProbe(0, { request: out }, { problem: '2 outcomes' })[0]?.direction, 'model');
});

test('the shrinker keeps only the rules the disagreement needs', async () => {
  const rs = generateRuleset(12345, 'nft');
  assert.ok(countRules(rs) >= 4, 'seed 12345 should give a few rules');
  // a rule of a base chain: the shrinker drops unreferenced regular chains, which no packet sees
  const needed = renderNftRule(rs.tables[0]?.chains.find((c) => c.base && c.rules.length > 0)?.rules[0] as GenRule);
  const has = (r: GenRuleset): boolean => r.tables.some((t) => t.chains.some((c) => c.rules.some((x) => renderNftRule(x) === needed)));
  const shrunk = await shrinkRuleset(rs, async (candidate) => has(candidate), 500);
  assert.equal(countRules(shrunk.ruleset), 1);
  assert.ok(has(shrunk.ruleset));
});

test('idle chains go: unreferenced regular chains and empty accept-policy base chains', () => {
  const rs: GenRuleset = { syntax: 'nft', seed: 0, tables: [{ family: 'ip', name: 't', chains: [
    { name: 'pre', base: { hook: 'prerouting', type: 'filter', priority: -150, policy: 'accept' }, rules: [] },
    { name: 'out', base: { hook: 'output', type: 'route', priority: -150, policy: 'accept' }, rules: [{ matches: [], actions: [], verdict: { kind: 'jump', chain: 'u0' } }] },
    { name: 'u0', rules: [{ matches: [], actions: [], verdict: { kind: 'jump', chain: 'u1' } }] },
    { name: 'u1', rules: [] },
    { name: 'u2', rules: [{ matches: [], actions: [], verdict: { kind: 'jump', chain: 'u3' } }] },
    { name: 'u3', rules: [] },
  ] }] };
  assert.deepEqual(withoutIdleChains(rs).tables[0]?.chains.map((c) => c.name), ['out', 'u0', 'u1']);
});
