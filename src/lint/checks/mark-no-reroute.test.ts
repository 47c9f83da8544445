import { test } from 'node:test';
import assert from 'node:assert/strict';
import { baseChain, chain, ctExpr, jump, konst, meta, rule, rulesetOf, setCtMark, setMark, table } from '../../engine/netfilter/nf-test-support.ts';
import type { NfBaseChain, NfChain, NfTable } from '../../model/netfilter.ts';
import type { NetworkState } from '../../model/network-state.ts';
import { baseRouter } from '../lint-test-support.ts';
import { check } from './mark-no-reroute.ts';

const MARK_1 = setMark(konst(1n));

function state(t: NfTable, fwmark = 1): NetworkState {
  const s = baseRouter()
    .rule({ priority: 100, fwmark, fwmask: 0xffffffff, table: 100 })
    .route({ dst: '0.0.0.0/0', via: '198.51.100.1', dev: 'wan2', table: 100 })
    .build();
  return { ...s, netfilter: rulesetOf(t) };
}

function nft(base: Partial<NfBaseChain>, chains: NfChain[] = []): NfTable {
  return table([baseChain('c', [{ ...rule('meta mark set 0x1', MARK_1), handle: 4 }], base), ...chains], { family: 'inet', name: 't' });
}

function iptables(name: string, chainName: string, base: Partial<NfBaseChain>): NfTable {
  const r = { ...rule('-A OUTPUT -j MARK --set-xmark 0x1/0xffffffff', MARK_1), source: { file: 'iptables-save', line: 7 } };
  return table([baseChain(chainName, [r], base)], { family: 'ip', name, origin: 'iptables' });
}

const cases: readonly { name: string; state: () => NetworkState; want: readonly string[] }[] = [
  { name: 'type filter hook output', state: () => state(nft({ hook: 'output', type: 'filter' })), want: ['nft inet t c handle 4, chain c'] },
  { name: 'type route hook output', state: () => state(nft({ hook: 'output', type: 'route' })), want: [] },
  { name: 'hook forward', state: () => state(nft({ hook: 'forward' })), want: ['nft inet t c handle 4, chain c'] },
  { name: 'hook postrouting', state: () => state(nft({ hook: 'postrouting', type: 'nat' })), want: ['nft inet t c handle 4, chain c'] },
  { name: 'hook input', state: () => state(nft({ hook: 'input' })), want: ['nft inet t c handle 4, chain c'] },
  { name: 'hook prerouting', state: () => state(nft({ hook: 'prerouting' })), want: [] },
  { name: 'no ip rule reads the mark', state: () => state(nft({ hook: 'output', type: 'filter' }), 2), want: [] },
  { name: 'iptables filter OUTPUT', state: () => state(iptables('filter', 'OUTPUT', { hook: 'output', type: 'filter' })), want: ['iptables filter OUTPUT line 7, chain OUTPUT'] },
  { name: 'iptables mangle OUTPUT', state: () => state(iptables('mangle', 'OUTPUT', { hook: 'output', type: 'route' })), want: [] },
  {
    name: 'a regular chain a filter output chain jumps to',
    state: () => state(table([baseChain('out', [rule('jump marks', jump('marks'))], { hook: 'output', type: 'filter' }), chain('marks', [{ ...rule('meta mark set 0x1', MARK_1), handle: 9 }])], { family: 'inet', name: 't' })),
    want: ['nft inet t marks handle 9, chain out'],
  },
  {
    name: 'the mark is saved to conntrack after it is set',
    state: () => state(table([baseChain('c', [rule('meta mark set 0x1', MARK_1), rule('ct mark set meta mark', setCtMark(meta('mark')))], { hook: 'input' })], { family: 'inet', name: 't' })),
    want: [],
  },
  {
    name: 'restoring the mark from conntrack in postrouting',
    state: () => state(table([
      baseChain('pre', [rule('ct mark set 0x1', setCtMark(konst(1n)))]),
      baseChain('c', [{ ...rule('meta mark set ct mark', setMark(ctExpr('mark'))), handle: 2 }], { hook: 'postrouting' }),
    ], { family: 'inet', name: 't' })),
    want: ['nft inet t c handle 2, chain c'],
  },
  {
    name: 'restoring in postrouting a ct mark nothing sets',
    state: () => state(table([baseChain('c', [{ ...rule('meta mark set ct mark', setMark(ctExpr('mark'))), handle: 2 }], { hook: 'postrouting' })], { family: 'inet', name: 't' })),
    want: [],
  },
];

for (const c of cases) {
  test(`mark-no-reroute: ${c.name}`, () => {
    const findings = check.run({ state: c.state() });
    assert.deepEqual(findings.map((f) => f.objects.join(', ')), c.want);
    for (const f of findings) assert.deepEqual([f.id, f.severity], ['mark-no-reroute', 'warning']);
  });
}

test('mark-no-reroute: the message names the chain type and hook, the hint the route chain', () => {
  const [f] = check.run({ state: state(nft({ hook: 'output', type: 'filter' })) });
  assert.equal(f?.message, 'nft inet t c handle 4 ("meta mark set 0x1") sets a meta mark that rule "100: from all fwmark 0x1 lookup 100" routes by, in a type filter hook output chain: only a `type route` output chain (iptables: the mangle table) makes the kernel look the route up again when the mark changes, so the mark cannot change the route');
  assert.match(f?.hint ?? '', /type route hook output/);
  const [g] = check.run({ state: state(iptables('filter', 'OUTPUT', { hook: 'output', type: 'filter' })) });
  assert.match(g?.hint ?? '', /iptables -t mangle -A OUTPUT/);
});
