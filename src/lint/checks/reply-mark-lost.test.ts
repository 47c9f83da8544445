import { test } from 'node:test';
import assert from 'node:assert/strict';
import { baseChain, chain, ctExpr, goto, konst, match, meta, rule, rulesetOf, setCtMark, setMark, table, value } from '../../engine/netfilter/nf-test-support.ts';
import type { NfChain } from '../../model/netfilter.ts';
import type { NetworkState } from '../../model/network-state.ts';
import { baseRouter } from '../lint-test-support.ts';
import { check } from './reply-mark-lost.ts';

const CT = ctExpr('mark');
const fromWan2 = match(meta('iifname'), value('wan2'));
const RESTORE_OUT = baseChain('out', [rule('meta mark set ct mark', setMark(CT))], { hook: 'output', type: 'route' });

/** fwmark 0x2 → table 100 (default via wan2); an `inet t` table of `chains`; `sourceRule`: from 198.51.100.2 lookup 100 */
function state(chains: NfChain[], sourceRule = false): NetworkState {
  const b = baseRouter()
    .rule({ priority: 100, fwmark: 2, fwmask: 0xffffffff, table: 100 })
    .route({ dst: '0.0.0.0/0', via: '198.51.100.1', dev: 'wan2', table: 100 });
  if (sourceRule) b.rule({ priority: 90, from: '198.51.100.2/32', table: 100 });
  return { ...b.build(), netfilter: rulesetOf(table(chains, { family: 'inet', name: 't' })) };
}

const sticky = (): NfChain => baseChain('pre', [
  { ...rule('iifname "wan2" ct mark set 0x2', fromWan2, setCtMark(konst(2n))), handle: 3 },
  { ...rule('meta mark set ct mark', setMark(CT)), handle: 4 },
]);

const cases: readonly { name: string; state: () => NetworkState; want: readonly string[] }[] = [
  { name: 'connections from wan2 get ct mark 0x2, no restore on output', state: () => state([sticky()]), want: ['nft inet t pre handle 3, dev wan2'] },
  { name: 'the same with `meta mark set ct mark` in a route output chain', state: () => state([sticky(), RESTORE_OUT]), want: [] },
  { name: 'the restore in a filter output chain does not count', state: () => state([sticky(), { ...RESTORE_OUT, base: { hook: 'output', type: 'filter', priority: 0, policy: 'accept' } }]), want: ['nft inet t pre handle 3, dev wan2'] },
  { name: 'a source rule already sends replies from 198.51.100.2 out of wan2', state: () => state([sticky()], true), want: [] },
  {
    name: 'pbr-style: the uplink rule goes to a chain that sets the marks',
    state: () => state([
      baseChain('pre', [{ ...rule('iifname "wan2" goto mark_wan2', fromWan2, goto('mark_wan2')), handle: 5 }]),
      chain('mark_wan2', [rule('meta mark set 0x2', setMark(konst(2n))), rule('ct mark set 0x2', setCtMark(konst(2n)))]),
    ]),
    want: ['nft inet t pre handle 5, dev wan2'],
  },
  {
    name: 'pbr-style with a restore chain the output route chain jumps to',
    state: () => state([
      baseChain('pre', [{ ...rule('iifname "wan2" goto mark_wan2', fromWan2, goto('mark_wan2')), handle: 5 }]),
      chain('mark_wan2', [rule('meta mark set 0x2', setMark(konst(2n))), rule('ct mark set 0x2', setCtMark(konst(2n)))]),
      baseChain('output', [rule('goto restore', goto('restore'))], { hook: 'output', type: 'route' }),
      chain('restore', [rule('ct mark 0x2 meta mark set 0x2', match(CT, value(2n)), setMark(konst(2n)))]),
    ]),
    want: [],
  },
  {
    name: 'marks for traffic from the LAN only',
    state: () => state([baseChain('pre', [rule('iifname "lan0" meta mark set 0x2', match(meta('iifname'), value('lan0')), setMark(konst(2n)))])]),
    want: [],
  },
];

for (const c of cases) {
  test(`reply-mark-lost: ${c.name}`, () => {
    const findings = check.run({ state: c.state() });
    assert.deepEqual(findings.map((f) => f.objects.join(', ')), c.want);
    for (const f of findings) assert.deepEqual([f.id, f.severity], ['reply-mark-lost', 'warning']);
  });
}

test('reply-mark-lost: the message gives a traced example, the hint the restore', () => {
  const [f] = check.run({ state: state([sticky()]) });
  assert.equal(f?.message, 'nft inet t pre handle 3 ("iifname "wan2" ct mark set 0x2") marks connections arriving on wan2, but no output route chain gives this host\'s own replies the connection\'s mark again, ' +
    'so a local process answers by the unmarked route: a TCP connection from 203.0.113.77 to 198.51.100.2:443 arriving on wan2 is answered out of wan1');
  assert.match(f?.hint ?? '', /`meta mark set ct mark` in a `type route hook output` chain/);
});

test('reply-mark-lost: no netfilter rule set, nothing to say', () => {
  assert.deepEqual(check.run({ state: baseRouter().build() }), []);
});
