import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JourneyStep, NfPacketState } from '../../model/journey.ts';
import type { NfExpr, NfStatement, NfTable, NfVerdict } from '../../model/netfilter.ts';
import type { ChainBranch } from './chain-branch.ts';
import { runBaseChain } from './run-chain.ts';
import {
  accept, baseChain, binop, chain, ctExpr, drop, goto, hookedOf, jump, konst, match, meta, packet4, packet6, payload, prefix4, range,
  ret, rule, rulesetOf, setCtMark, setMark, table, value,
} from './nf-test-support.ts';

function run(t: NfTable, packet: NfPacketState = packet4(), maxBranches?: number): ChainBranch[] {
  return runBaseChain(rulesetOf(t), hookedOf(t), packet, maxBranches !== undefined ? { maxBranches } : {});
}

function only(branches: ChainBranch[]): ChainBranch {
  assert.equal(branches.length, 1, `expected one branch, got ${branches.length}`);
  return branches[0] as ChainBranch;
}

function ruleSteps(branch: ChainBranch): Array<JourneyStep & { kind: 'rule' }> {
  return branch.steps.filter((s): s is JourneyStep & { kind: 'rule' } => s.kind === 'rule');
}

function total(branches: readonly ChainBranch[]): number {
  return branches.reduce((sum, b) => sum + b.probability, 0);
}

/** iptables MARK/CONNMARK --set-xmark value/mask: target = (target AND NOT mask) XOR value (spec §9.2) */
function xmark(target: NfExpr, v: number, mask: number, source: NfExpr = konst(BigInt(v))): NfStatement {
  const kept = binop('&', target, konst(BigInt(~mask >>> 0)));
  return { kind: 'set', target, value: binop('^', kept, source) };
}

test('mark arithmetic of spec §9.2', () => {
  const markOf = (stmt: NfStatement, mark: number, ctMark = 0) => {
    const branch = only(run(table([baseChain('pre', [rule('r', stmt)])]), packet4({ mark, ct: { state: 'established', direction: 'original', mark: ctMark, status: 0n } })));
    return { mark: branch.packet.mark, ctMark: branch.packet.ct.mark, step: ruleSteps(branch)[0] };
  };
  const cases: Array<{ name: string; stmt: NfStatement; mark: number; ctMark?: number; want: { mark: number; ctMark: number }; effect?: string }> = [
    { name: '--set-xmark 0x5/0xf0 on 0x123', stmt: xmark(meta('mark'), 0x5, 0xf0), mark: 0x123, want: { mark: 0x106, ctMark: 0 }, effect: 'mark 0x123 → 0x106' },
    { name: '--set-mark 0x10/0x3 = --set-xmark 0x10/0x13', stmt: xmark(meta('mark'), 0x10, 0x13), mark: 0xff, want: { mark: 0xfc, ctMark: 0 } },
    { name: '--and-mark 0xff = 0x0/0xffffff00', stmt: xmark(meta('mark'), 0, 0xffffff00), mark: 0x1234, want: { mark: 0x34, ctMark: 0 } },
    { name: '--or-mark 0x100 = 0x100/0x100', stmt: xmark(meta('mark'), 0x100, 0x100), mark: 0x1, want: { mark: 0x101, ctMark: 0 } },
    { name: '--xor-mark 0x7 = 0x7/0x0', stmt: xmark(meta('mark'), 0x7, 0), mark: 0x5, want: { mark: 0x2, ctMark: 0 } },
    { name: '--set-mark 0xffffffff on 0', stmt: xmark(meta('mark'), 0xffffffff, 0xffffffff), mark: 0, want: { mark: 0xffffffff, ctMark: 0 } },
    {
      name: 'CONNMARK --save-mark --mask 0xff',
      stmt: xmark(ctExpr('mark'), 0, 0xff, binop('&', meta('mark'), konst(0xffn))),
      mark: 0x1234, ctMark: 0xab00, want: { mark: 0x1234, ctMark: 0xab34 }, effect: 'ct mark 0xab00 → 0xab34',
    },
    {
      name: 'CONNMARK --restore-mark --mask 0xff',
      stmt: xmark(meta('mark'), 0, 0xff, binop('&', ctExpr('mark'), konst(0xffn))),
      mark: 0x1200, ctMark: 0x3c5a, want: { mark: 0x125a, ctMark: 0x3c5a },
    },
    { name: 'CONNMARK --set-xmark 0x2/0xf', stmt: xmark(ctExpr('mark'), 0x2, 0xf), mark: 0, ctMark: 0x1f, want: { mark: 0, ctMark: 0x12 } },
    { name: 'nft meta mark set mark and 0xff00 xor 0x1', stmt: setMark(binop('^', binop('&', meta('mark'), konst(0xff00n)), konst(1n))), mark: 0x1234, want: { mark: 0x1201, ctMark: 0 } },
    { name: 'nft ct mark set mark', stmt: setCtMark(meta('mark')), mark: 0x7, ctMark: 0x1, want: { mark: 0x7, ctMark: 0x7 } },
    { name: 'nft meta mark set ct mark << 8 stays 32 bits', stmt: setMark(binop('<<', ctExpr('mark'), konst(8n))), mark: 0, ctMark: 0x12345678, want: { mark: 0x34567800, ctMark: 0x12345678 } },
    { name: 'nft meta mark set ct mark >> 4', stmt: setMark(binop('>>', ctExpr('mark'), konst(4n))), mark: 0, ctMark: 0xf0, want: { mark: 0xf, ctMark: 0xf0 } },
    { name: 'nft meta mark set mark or 0x80000000', stmt: setMark(binop('|', meta('mark'), konst(0x80000000n))), mark: 1, want: { mark: 0x80000001, ctMark: 0 } },
  ];
  for (const c of cases) {
    const got = markOf(c.stmt, c.mark, c.ctMark);
    assert.deepEqual({ mark: got.mark, ctMark: got.ctMark }, c.want, c.name);
    assert.equal(got.step?.markBefore, c.mark, c.name);
    assert.equal(got.step?.markAfter, c.want.mark, c.name);
    assert.equal(got.step?.ctMarkAfter, c.want.ctMark, c.name);
    if (c.effect) assert.equal(got.step?.effect, c.effect, c.name);
  }
});

test('jumps, returns and gotos', () => {
  const tag = (n: number): NfStatement => setMark(binop('|', meta('mark'), konst(BigInt(n))));
  const cases: Array<{ name: string; chains: ReturnType<typeof chain>[]; mark: number; verdict: ChainBranch['verdict']; path: string[] }> = [
    {
      name: 'jump returns at chain end, the caller goes on',
      chains: [baseChain('base', [rule('jump a', jump('a')), rule('tag 4', tag(4))]), chain('a', [rule('tag 1', tag(1)), rule('tag 2', tag(2))])],
      mark: 7, verdict: 'accept', path: ['base:jump a', 'a:tag 1', 'a:tag 2', 'base:tag 4'],
    },
    {
      name: 'return leaves the subchain early',
      chains: [baseChain('base', [rule('jump a', jump('a')), rule('tag 4', tag(4))]), chain('a', [rule('tag 1', tag(1)), rule('return', ret), rule('tag 2', tag(2))])],
      mark: 5, verdict: 'accept', path: ['base:jump a', 'a:tag 1', 'a:return', 'base:tag 4'],
    },
    {
      name: 'goto does not come back to its caller, but to the last jump',
      chains: [
        baseChain('base', [rule('jump a', jump('a')), rule('tag 8', tag(8))]),
        chain('a', [rule('goto b', goto('b')), rule('tag 1', tag(1))]),
        chain('b', [rule('tag 2', tag(2))]),
      ],
      mark: 10, verdict: 'accept', path: ['base:jump a', 'a:goto b', 'b:tag 2', 'base:tag 8'],
    },
    {
      // the same rule set on kernel 6.18 left mark 0x10b
      name: 'return in a goto target goes back past the goto to the last jump',
      chains: [
        baseChain('base', [rule('tag 1', tag(1)), rule('jump a', jump('a')), rule('tag 256', tag(0x100))]),
        chain('a', [rule('tag 2', tag(2)), rule('goto b', goto('b')), rule('tag 4', tag(4))]),
        chain('b', [rule('tag 8', tag(8)), rule('return', ret), rule('tag 16', tag(16))]),
      ],
      mark: 0x10b, verdict: 'accept', path: ['base:tag 1', 'base:jump a', 'a:tag 2', 'a:goto b', 'b:tag 8', 'b:return', 'base:tag 256'],
    },
    {
      name: 'goto from the base chain: the end of the target applies the policy',
      chains: [baseChain('base', [rule('goto a', goto('a')), rule('tag 8', tag(8))], { policy: 'drop' }), chain('a', [rule('tag 1', tag(1))])],
      mark: 1, verdict: 'drop', path: ['base:goto a', 'a:tag 1'],
    },
    {
      name: 'return in the base chain applies the policy',
      chains: [baseChain('base', [rule('tag 1', tag(1)), rule('return', ret), rule('tag 2', tag(2))], { policy: 'drop' })],
      mark: 1, verdict: 'drop', path: ['base:tag 1', 'base:return'],
    },
    {
      name: 'nested jumps unwind one level at a time',
      chains: [
        baseChain('base', [rule('jump a', jump('a')), rule('tag 16', tag(16))]),
        chain('a', [rule('jump b', jump('b')), rule('tag 2', tag(2))]),
        chain('b', [rule('tag 1', tag(1)), rule('return', ret), rule('tag 4', tag(4))]),
      ],
      mark: 19, verdict: 'accept', path: ['base:jump a', 'a:jump b', 'b:tag 1', 'b:return', 'a:tag 2', 'base:tag 16'],
    },
    {
      name: 'accept in a jumped-to chain ends the base chain',
      chains: [baseChain('base', [rule('jump a', jump('a')), rule('drop', drop)], { policy: 'drop' }), chain('a', [rule('accept', accept), rule('tag 1', tag(1))])],
      mark: 0, verdict: 'accept', path: ['base:jump a', 'a:accept'],
    },
    {
      name: 'drop two levels down ends the base chain',
      chains: [
        baseChain('base', [rule('jump a', jump('a')), rule('accept', accept)]),
        chain('a', [rule('jump b', jump('b'))]),
        chain('b', [rule('tag 1', tag(1)), rule('drop', drop)]),
      ],
      mark: 1, verdict: 'drop', path: ['base:jump a', 'a:jump b', 'b:tag 1', 'b:drop'],
    },
    {
      name: 'continue goes on with the next rule',
      chains: [baseChain('base', [rule('continue', { kind: 'verdict', verdict: { kind: 'continue' } }), rule('tag 1', tag(1))])],
      mark: 1, verdict: 'accept', path: ['base:continue', 'base:tag 1'],
    },
  ];
  for (const c of cases) {
    const t = table(c.chains);
    const branch = only(run(t));
    assert.equal(branch.packet.mark, c.mark, c.name);
    assert.equal(branch.verdict, c.verdict, c.name);
    assert.deepEqual(ruleSteps(branch).map((s) => `${s.chain.chain}:${s.rule.text}`), c.path, c.name);
    const last = branch.steps[branch.steps.length - 1];
    const endsInPolicy = last?.kind === 'policy';
    assert.equal(endsInPolicy, !c.path.some((p) => /:(accept|drop)$/.test(p)), `${c.name}: policy step`);
  }
});

test('the verdict text and effect of jump, drop and policy steps', () => {
  const t = table([
    baseChain('base', [rule('jump a', jump('a'))], { policy: 'drop' }),
    chain('a', [rule('counter', { kind: 'counter' }), rule('mark 1 drop', setMark(konst(1n)), drop)]),
  ]);
  const branch = only(run(t));
  const steps = ruleSteps(branch);
  assert.equal(steps[0]?.effect, 'jump a');
  assert.equal(steps[0]?.verdict, undefined);
  assert.equal(steps[1]?.effect, 'counter');
  assert.equal(steps[2]?.effect, 'mark 0x0 → 0x1');
  assert.equal(steps[2]?.verdict, 'drop');
  assert.deepEqual(steps[2]?.chain, { family: 'ip', table: 't', chain: 'a', origin: 'nft' });
  assert.equal(branch.verdictBy, 'rule "mark 1 drop" (ip t a)');

  const policy = only(run(table([baseChain('base', [rule('no match', match(meta('mark'), value(9n)), accept)], { policy: 'drop' })])));
  assert.equal(policy.verdict, 'drop');
  assert.deepEqual(policy.steps.map((s) => s.kind), ['rule', 'policy']);
  assert.equal((policy.steps[0] as JourneyStep & { kind: 'rule' }).result, 'not-matched');
  assert.deepEqual(policy.steps[1], { kind: 'policy', chain: { family: 'ip', table: 't', chain: 'base', origin: 'nft' }, verdict: 'drop' });
  assert.equal(policy.verdictBy, 'policy drop of ip t base');
});

test('matches: payload, meta, ct, sets, flags and comparisons', () => {
  const ip = (text: string): bigint => BigInt(text.split('.').reduce((n, o) => n * 256 + Number(o), 0));
  const named: NfTable['sets'] = [
    { name: 'nets', keyType: ['ipv4_addr'], flags: ['interval'], entries: [{ key: prefix4(0x0a000000, 8) }, { key: range(ip('192.0.2.0'), ip('192.0.2.127')) }] },
    { name: 'svc', keyType: ['ipv4_addr', 'inet_service'], flags: [], entries: [{ key: { kind: 'concat', parts: [value(ip('10.0.0.2')), value(22n)] } }] },
    { name: 'ranges', keyType: ['ipv4_addr', 'inet_service'], flags: ['interval'], entries: [{ key: { kind: 'concat', parts: [prefix4(0x0a000000, 24), range(1000n, 2000n)] } }] },
  ];
  const named6 = (s: NfStatement) => table([baseChain('base', [rule('r', s)])], { family: 'inet', sets: named });
  const cases: Array<{ name: string; stmt: NfStatement; packet?: NfPacketState; matched: boolean }> = [
    { name: 'ip saddr 10.0.0.0/8', stmt: match(payload('ip', 'saddr'), prefix4(0x0a000000, 8)), matched: true },
    { name: 'ip saddr != 10.0.0.0/8', stmt: match(payload('ip', 'saddr'), prefix4(0x0a000000, 8), '!='), matched: false },
    { name: 'mark 0x0/30 (how nft lists mark and 0xfffffffc == 0)', stmt: match(meta('mark'), prefix4(0, 30)), packet: packet4({ mark: 3 }), matched: true },
    { name: 'mark 0x1/30: host bits in the value never match', stmt: match(meta('mark'), prefix4(1, 30)), packet: packet4({ mark: 1 }), matched: false },
    { name: 'ip daddr 0.0.0.0/0', stmt: match(payload('ip', 'daddr'), prefix4(0, 0)), matched: true },
    { name: 'ip saddr @nets (prefix element)', stmt: match(payload('ip', 'saddr'), { kind: 'set', set: { kind: 'named', name: 'nets' } }), matched: true },
    { name: 'ip saddr @nets (range element)', stmt: match(payload('ip', 'saddr'), { kind: 'set', set: { kind: 'named', name: 'nets' } }), packet: packet4({ saddr: { family: 4, value: Number(ip('192.0.2.100')) } }), matched: true },
    { name: 'ip saddr @nets (outside)', stmt: match(payload('ip', 'saddr'), { kind: 'set', set: { kind: 'named', name: 'nets' } }), packet: packet4({ saddr: { family: 4, value: Number(ip('192.0.2.200')) } }), matched: false },
    { name: 'ip saddr != @nets', stmt: match(payload('ip', 'saddr'), { kind: 'set', set: { kind: 'named', name: 'nets' } }, '!='), matched: false },
    { name: 'ip saddr . tcp dport @svc', stmt: match({ kind: 'concat', parts: [payload('ip', 'saddr'), payload('tcp', 'dport')] }, { kind: 'set', set: { kind: 'named', name: 'svc' } }), matched: true },
    { name: 'ip saddr . tcp dport @svc, other port', stmt: match({ kind: 'concat', parts: [payload('ip', 'saddr'), payload('tcp', 'dport')] }, { kind: 'set', set: { kind: 'named', name: 'svc' } }), packet: packet4({ dport: 23 }), matched: false },
    { name: 'ip saddr . th dport @ranges (interval concat)', stmt: match({ kind: 'concat', parts: [payload('ip', 'saddr'), payload('th', 'dport')] }, { kind: 'set', set: { kind: 'named', name: 'ranges' } }), packet: packet4({ l4proto: 17, dport: 1500 }), matched: true },
    { name: 'ip saddr . th dport @ranges, port out of range', stmt: match({ kind: 'concat', parts: [payload('ip', 'saddr'), payload('th', 'dport')] }, { kind: 'set', set: { kind: 'named', name: 'ranges' } }), packet: packet4({ l4proto: 17, dport: 999 }), matched: false },
    { name: 'tcp dport { 22, 80 }', stmt: match(payload('tcp', 'dport'), { kind: 'set', set: { kind: 'anonymous', entries: [{ key: value(22n) }, { key: value(80n) }] } }), matched: true },
    { name: 'tcp dport 22 on a udp packet', stmt: match(payload('tcp', 'dport'), value(22n)), packet: packet4({ l4proto: 17 }), matched: false },
    { name: 'tcp dport != 23 on a udp packet (the rule breaks)', stmt: match(payload('tcp', 'dport'), value(23n), '!='), packet: packet4({ l4proto: 17 }), matched: false },
    { name: 'udp dport 1000-2000', stmt: match(payload('udp', 'dport'), range(1000n, 2000n)), packet: packet4({ l4proto: 17, dport: 2000 }), matched: true },
    { name: 'tcp dport < 1024', stmt: match(payload('tcp', 'dport'), value(1024n), '<'), matched: true },
    { name: 'tcp sport >= 40000', stmt: match(payload('tcp', 'sport'), value(40000n), '>='), matched: true },
    { name: 'tcp sport > 40000', stmt: match(payload('tcp', 'sport'), value(40000n), '>'), matched: false },
    { name: 'icmp type 8', stmt: match(payload('icmp', 'type'), value(8n)), packet: packet4({ l4proto: 1, icmpType: 8 }), matched: true },
    { name: 'ip protocol tcp', stmt: match(payload('ip', 'protocol'), value(6n)), matched: true },
    { name: 'meta l4proto udp', stmt: match(meta('l4proto'), value(17n)), matched: false },
    { name: 'meta nfproto ipv4', stmt: match(meta('nfproto'), value(2n)), matched: true },
    { name: 'meta nfproto ipv6 on IPv6', stmt: match(meta('nfproto'), value(10n)), packet: packet6(), matched: true },
    { name: 'meta protocol ip6 on IPv6', stmt: match(meta('protocol'), value(0x86ddn)), packet: packet6(), matched: true },
    { name: 'ip saddr on IPv6 in an inet table', stmt: match(payload('ip', 'saddr'), prefix4(0, 0)), packet: packet6(), matched: false },
    { name: 'ip6 saddr 2001:db8::/32', stmt: match(payload('ip6', 'saddr'), { kind: 'prefix', value: 0x20010db8n << 96n, length: 32, width: 128 }), packet: packet6(), matched: true },
    { name: 'ip6 daddr on IPv4', stmt: match(payload('ip6', 'daddr'), { kind: 'prefix', value: 0n, length: 0, width: 128 }, '!='), matched: false },
    { name: 'ip dscp cs1', stmt: match(payload('ip', 'dscp'), value(8n)), packet: packet4({ dscp: 8 }), matched: true },
    { name: 'iifname "la*"', stmt: match(meta('iifname'), value('la*')), matched: true },
    { name: 'iifname "lan"', stmt: match(meta('iifname'), value('lan')), matched: true },
    { name: 'iifname "la"', stmt: match(meta('iifname'), value('la')), matched: false },
    { name: 'iifname "la\\*" is a literal star', stmt: match(meta('iifname'), value('la\\*')), matched: false },
    { name: 'iifname { "wan*", "lan" }', stmt: match(meta('iifname'), { kind: 'set', set: { kind: 'anonymous', entries: [{ key: value('wan*') }, { key: value('lan') }] } }), matched: true },
    { name: 'oifname "wan1" without an output device', stmt: match(meta('oifname'), value('wan1')), matched: false },
    { name: 'oifname != "wan1" without an output device', stmt: match(meta('oifname'), value('wan1'), '!='), matched: true },
    { name: 'iif "lan" (by name)', stmt: match(meta('iif'), value('lan')), matched: true },
    { name: 'meta skuid 0 on a received packet (no socket)', stmt: match(meta('skuid'), value(0n)), matched: false },
    { name: 'meta skuid != 0 on a received packet (no socket)', stmt: match(meta('skuid'), value(0n), '!='), matched: false },
    { name: 'xt_owner ! --uid-owner 0 on a received packet (no socket) matches', stmt: { kind: 'match', left: meta('skuid'), op: '!=', right: { kind: 'element', element: value(0n) }, ifAbsent: 'match' }, matched: true },
    { name: 'meta skuid 1000 on a local packet', stmt: match(meta('skuid'), value(1000n)), packet: packet4({ skuid: 1000 }), matched: true },
    { name: 'meta skgid 100 on a local packet', stmt: match(meta('skgid'), value(100n)), packet: packet4({ skuid: 1000, skgid: 100 }), matched: true },
    { name: 'ct state established,related', stmt: match(ctExpr('state'), { kind: 'flags', mask: 6n }), packet: packet4({ ct: { state: 'related', direction: 'reply', mark: 0, status: 0n } }), matched: true },
    { name: 'ct state established,related on new', stmt: match(ctExpr('state'), { kind: 'flags', mask: 6n }), matched: false },
    { name: 'ct state != established on new', stmt: match(ctExpr('state'), { kind: 'flags', mask: 2n }, '!='), matched: true },
    { name: 'ct state new (value)', stmt: match(ctExpr('state'), value(8n)), matched: true },
    { name: 'ct direction reply', stmt: match(ctExpr('direction'), value(1n)), packet: packet4({ ct: { state: 'established', direction: 'reply', mark: 0, status: 2n } }), matched: true },
    { name: 'ct status dnat', stmt: match(ctExpr('status'), { kind: 'flags', mask: 32n }), packet: packet4({ ct: { state: 'established', direction: 'reply', mark: 0, status: 32n | 8n } }), matched: true },
    { name: 'ct mark 0x2/0xf', stmt: match(binop('&', ctExpr('mark'), konst(0xfn)), value(2n)), packet: packet4({ ct: { state: 'established', direction: 'original', mark: 0x12, status: 0n } }), matched: true },
    { name: 'ct mark on an untracked packet', stmt: match(ctExpr('mark'), value(0n)), packet: packet4({ ct: { state: 'untracked', direction: 'original', mark: 0, status: 0n } }), matched: false },
    { name: 'ct state untracked', stmt: match(ctExpr('state'), { kind: 'flags', mask: 64n }), packet: packet4({ ct: { state: 'untracked', direction: 'original', mark: 0, status: 0n } }), matched: true },
    { name: 'ct original saddr of a reply', stmt: match(ctExpr('saddr'), value(BigInt(0xc6336401))), packet: packet4({ ct: { state: 'established', direction: 'reply', mark: 0, status: 0n } }), matched: true },
    { name: 'meta mark & 0xff == 0x10 (fwmark mask)', stmt: match(binop('&', meta('mark'), konst(0xffn)), value(0x10n)), packet: packet4({ mark: 0x110 }), matched: true },
    { name: 'meta mark ^ 0x1 == 0 (xor)', stmt: match(binop('^', meta('mark'), konst(1n)), value(0n)), packet: packet4({ mark: 1 }), matched: true },
  ];
  for (const c of cases) {
    const branch = only(run(named6(c.stmt), c.packet ?? packet4()));
    const step = ruleSteps(branch)[0];
    assert.equal(step?.result, c.matched ? 'matched' : 'not-matched', c.name);
  }
});

test('interface wildcards: nft "*", iptables "+"', () => {
  const cases: Array<{ origin: NfTable['origin']; pattern: string; iifname: string; matched: boolean }> = [
    { origin: 'nft', pattern: 'wan*', iifname: 'wan2', matched: true },
    { origin: 'nft', pattern: 'wan+', iifname: 'wan2', matched: false },
    { origin: 'nft', pattern: 'wan*', iifname: 'wa', matched: false },
    { origin: 'nft', pattern: '*', iifname: 'anything', matched: true },
    { origin: 'iptables', pattern: 'wan+', iifname: 'wan2', matched: true },
    { origin: 'iptables', pattern: 'wan+', iifname: 'lan', matched: false },
    { origin: 'ip6tables', pattern: 'wan2', iifname: 'wan2', matched: true },
  ];
  for (const c of cases) {
    const t = table([baseChain('PREROUTING', [rule(`-i ${c.pattern}`, match(meta('iifname'), value(c.pattern)))])], { origin: c.origin });
    const branch = only(run(t, packet4({ iifname: c.iifname })));
    assert.equal(ruleSteps(branch)[0]?.result, c.matched ? 'matched' : 'not-matched', `${c.origin} ${c.pattern} ${c.iifname}`);
  }
});

test('ct match on an entry with a missing conntrack tuple reads it as unknown for NATed connections', () => {
  const t = table([baseChain('base', [rule('ct original daddr 10.0.0.9', match({ kind: 'ct', key: 'daddr', dir: 'original' }, value(0x0a000009n)))])]);
  const branches = run(t, packet4({ ct: { state: 'established', direction: 'reply', mark: 0, status: 32n } }));
  assert.deepEqual(branches.map((b) => ruleSteps(b)[0]?.result), ['unknown', 'unknown']);
});

test('conntrack is not attached before its hook: raw reads ct state invalid, notrack takes effect', () => {
  const rawRules = [
    rule('ct state invalid counter', match(ctExpr('state'), { kind: 'flags', mask: 1n }), { kind: 'counter' }),
    rule('notrack', { kind: 'notrack' }),
    rule('ct state untracked counter', match(ctExpr('state'), { kind: 'flags', mask: 64n }), { kind: 'counter' }),
  ];
  const raw = only(run(table([baseChain('raw', rawRules, { priority: -300 })])));
  assert.deepEqual(ruleSteps(raw).map((s) => s.result), ['matched', 'matched', 'matched']);
  assert.equal(raw.notrack, true);
  assert.equal(raw.packet.ct.state, 'untracked');

  const mangle = only(run(table([baseChain('mangle', rawRules, { priority: -150 })])));
  assert.deepEqual(ruleSteps(mangle).map((s) => s.result), ['not-matched', 'matched', 'not-matched']);
  assert.equal(mangle.notrack, false);
  assert.equal(ruleSteps(mangle)[1]?.effect, 'notrack (no effect: conntrack already ran)');

  const at200 = only(run(table([baseChain('ct', rawRules, { priority: -200 })])));
  assert.deepEqual(ruleSteps(at200).map((s) => s.result), ['not-matched', 'matched', 'not-matched'], 'priority -200 runs after conntrack');

  const ctSet = only(run(table([baseChain('raw', [rule('ct mark set 1', setCtMark(konst(1n)))], { priority: -300 })])));
  assert.equal(ctSet.packet.ct.mark, 0);
  assert.equal(ruleSteps(ctSet)[0]?.effect, 'ct mark unchanged (no conntrack entry)');
});

test('statements run in order: a failed match after a set keeps the set', () => {
  const t = table([baseChain('base', [rule('mark set 1 ip saddr 1.2.3.4 accept', setMark(konst(1n)), match(payload('ip', 'saddr'), value(0x01020304n)), accept)], { policy: 'drop' })]);
  const branch = only(run(t));
  assert.equal(branch.packet.mark, 1);
  assert.equal(branch.verdict, 'drop');
  assert.equal(ruleSteps(branch)[0]?.result, 'not-matched');
  assert.equal(ruleSteps(branch)[0]?.effect, 'mark 0x0 → 0x1');
});

test('verdict maps', () => {
  const vmapOf = (entries: Array<[bigint, NfVerdict]>): NfStatement => ({
    kind: 'vmap', key: payload('tcp', 'dport'), map: { kind: 'anonymous', entries: entries.map(([k, v]) => ({ key: value(k), data: v })) },
  });
  const cases: Array<{ name: string; stmt: NfStatement; verdict: ChainBranch['verdict']; mark: number; results: string[] }> = [
    { name: 'found: jump', stmt: vmapOf([[22n, { kind: 'jump', chain: 'ssh' }], [80n, { kind: 'drop' }]]), verdict: 'accept', mark: 2, results: ['matched', 'matched', 'matched'] },
    { name: 'found: drop', stmt: vmapOf([[22n, { kind: 'drop' }]]), verdict: 'drop', mark: 0, results: ['matched'] },
    { name: 'no element: the rule breaks, the chain goes on', stmt: vmapOf([[80n, { kind: 'drop' }]]), verdict: 'accept', mark: 1, results: ['not-matched', 'matched'] },
  ];
  for (const c of cases) {
    const t = table([
      baseChain('base', [rule('vmap', c.stmt), rule('mark set 1', setMark(konst(1n)))]),
      chain('ssh', [rule('mark set 2', setMark(konst(2n))), rule('accept', accept)]),
    ]);
    const branch = only(run(t));
    assert.equal(branch.verdict, c.verdict, c.name);
    assert.equal(branch.packet.mark, c.mark, c.name);
    assert.deepEqual(ruleSteps(branch).map((s) => s.result), c.results, c.name);
  }
});

test('map lookups in set statements: found, missing (rule breaks), named interval map', () => {
  const map = (name: string): NfExpr => ({ kind: 'map', key: payload('ip', 'saddr'), map: { kind: 'named', name } });
  const sets: NfTable['sets'] = [
    { name: 'marks', keyType: ['ipv4_addr'], dataType: 'mark', flags: ['interval'], entries: [{ key: prefix4(0x0a000000, 24), data: 0x10n }, { key: prefix4(0x0a000100, 24), data: 0x20n }] },
  ];
  const cases: Array<{ saddr: number; mark: number; result: string }> = [
    { saddr: 0x0a000002, mark: 0x10, result: 'matched' },
    { saddr: 0x0a000105, mark: 0x20, result: 'matched' },
    { saddr: 0x0a000205, mark: 0, result: 'not-matched' },
  ];
  for (const c of cases) {
    const branch = only(run(table([baseChain('base', [rule('meta mark set ip saddr map @marks', setMark(map('marks')))])], { sets }), packet4({ saddr: { family: 4, value: c.saddr } })));
    assert.equal(branch.packet.mark, c.mark);
    assert.equal(ruleSteps(branch)[0]?.result, c.result);
  }
});

test('numgen map with weights 3:1 gives .75/.25; numgen inc carries an assumption', () => {
  const numgenMap = (mode: 'random' | 'inc'): NfStatement => setMark({
    kind: 'map',
    key: { kind: 'numgen', mode, mod: 4, offset: 0 },
    map: { kind: 'anonymous', entries: [{ key: range(0n, 2n), data: 1n }, { key: value(3n), data: 2n }] },
  });
  for (const mode of ['random', 'inc'] as const) {
    const branches = run(table([baseChain('base', [rule(`meta mark set numgen ${mode} mod 4 map { 0-2 : 1, 3 : 2 }`, numgenMap(mode))])]));
    assert.deepEqual(branches.map((b) => [b.packet.mark, b.probability]), [[1, 0.75], [2, 0.25]], mode);
    assert.equal(branches.every((b) => b.assumptions.length === (mode === 'inc' ? 1 : 0)), true, mode);
  }
  const bare = run(table([baseChain('base', [rule('numgen random mod 3 == 1 drop', match({ kind: 'numgen', mode: 'random', mod: 3, offset: 0 }, value(1n)), drop)])]));
  assert.deepEqual(bare.map((b) => [b.verdict, Math.round(b.probability * 3)]), [['accept', 2], ['drop', 1]]);
});

test('hash, chance and nth: every outcome with its probability', () => {
  const hash = run(table([baseChain('base', [rule('meta mark set jhash ip saddr mod 2 offset 10', setMark({ kind: 'hash', mode: 'jhash', mod: 2, offset: 10, text: 'jhash ip saddr mod 2 offset 10' }))])]));
  assert.deepEqual(hash.map((b) => [b.packet.mark, b.probability]).sort(), [[10, 0.5], [11, 0.5]]);
  assert.match(hash[0]?.assumptions[0] ?? '', /jhash ip saddr mod 2 offset 10 depends on a hash/);

  const chance = run(table([baseChain('base', [rule('-m statistic --mode random --probability 0.2 -j DROP', { kind: 'chance', probability: 0.2 }, drop)])]));
  assert.deepEqual(chance.map((b) => [b.verdict, b.probability, b.assumptions.length]), [['accept', 0.8, 0], ['drop', 0.2, 0]]);

  const nth = run(table([baseChain('base', [rule('-m statistic --mode nth --every 4 --packet 0 -j DROP', { kind: 'nth', every: 4, packet: 0 }, drop)])]));
  assert.deepEqual(nth.map((b) => [b.verdict, b.probability]), [['accept', 0.75], ['drop', 0.25]]);
  assert.equal(nth.every((b) => b.assumptions.some((a) => a.includes('packet counter'))), true);
});

test('unknown expressions and statements give both outcomes, named in assumptions', () => {
  const unknownStmt = run(table([baseChain('base', [rule('ip ttl 5 drop', { kind: 'unknown', text: 'ip ttl 5' }, drop)])]));
  assert.equal(unknownStmt.length, 2);
  assert.equal(total(unknownStmt), 1);
  assert.deepEqual(unknownStmt.map((b) => b.verdict).sort(), ['accept', 'drop']);
  for (const b of unknownStmt) {
    assert.equal(ruleSteps(b)[0]?.result, 'unknown');
    assert.match(b.assumptions.join('\n'), /rule "ip ttl 5 drop" \(ip t base\): pbr does not model ip ttl 5/);
  }
  const unknownExpr = run(table([baseChain('base', [rule('meta length > 1000 accept', match(meta('length'), value(1000n), '>'), accept)], { policy: 'drop' })]));
  assert.deepEqual(unknownExpr.map((b) => [b.verdict, b.probability]).sort(), [['accept', 0.5], ['drop', 0.5]]);
  const missingSet = run(table([baseChain('base', [rule('ip saddr @nope drop', match(payload('ip', 'saddr'), { kind: 'set', set: { kind: 'named', name: 'nope' } }), drop)])]));
  assert.equal(missingSet.length, 2);
  assert.match(missingSet[0]?.assumptions[0] ?? '', /set @nope/);
  const unknownMapKey = run(table([baseChain('base', [rule('meta mark set ip ttl map { 1 : 5 }', setMark({ kind: 'map', key: { kind: 'unknown', text: 'ip ttl' }, map: { kind: 'anonymous', entries: [{ key: value(1n), data: 5n }] } }))])]));
  assert.deepEqual(unknownMapKey.map((b) => [b.packet.mark, b.probability]).sort(), [[0, 0.5], [5, 0.5]]);
});

test('nat statements record the request and end the chain with accept', () => {
  const snat: NfStatement = { kind: 'nat', type: 'snat', addr: konst(0xc0000201n) };
  const t = table([baseChain('post', [rule('oifname "wan1" snat to 192.0.2.1', match(meta('oifname'), value('wan1')), snat), rule('drop', drop)], { hook: 'postrouting', type: 'nat', priority: 100 })]);
  const branch = only(run(t, packet4({ oifname: 'wan1' })));
  assert.equal(branch.verdict, 'accept');
  assert.deepEqual(branch.nat, { type: 'snat', addr: { family: 4, value: 0xc0000201 }, ruleText: 'oifname "wan1" snat to 192.0.2.1' });
  assert.equal(ruleSteps(branch)[0]?.effect, 'snat to 192.0.2.1');
  assert.equal(ruleSteps(branch)[0]?.verdict, 'accept');
  assert.equal(ruleSteps(branch).length, 1);

  const dnat: NfStatement = { kind: 'nat', type: 'dnat', addr: konst(0x0a000005n), port: konst(8080n) };
  const masq: NfStatement = { kind: 'nat', type: 'masquerade' };
  const d = only(run(table([baseChain('pre', [rule('dnat', dnat)], { type: 'nat', priority: -100 })])));
  assert.equal(ruleSteps(d)[0]?.effect, 'dnat to 10.0.0.5:8080');
  assert.equal(d.nat?.port, 8080);
  const m = only(run(table([baseChain('post', [rule('masquerade', masq)], { hook: 'postrouting', type: 'nat', priority: 100 })])));
  assert.deepEqual(m.nat, { type: 'masquerade', ruleText: 'masquerade' });
});

test('reject and queue verdicts', () => {
  const r = only(run(table([baseChain('base', [rule('reject with tcp reset', { kind: 'reject', with: 'tcp reset' })])])));
  assert.deepEqual([r.verdict, r.rejectWith, r.verdictBy], ['reject', 'tcp reset', 'rule "reject with tcp reset" (ip t base)']);
  const q = only(run(table([baseChain('base', [rule('queue', { kind: 'verdict', verdict: { kind: 'queue' } })])])));
  assert.equal(q.verdict, 'queue');
});

test('a rule set the kernel would refuse (loop, depth, missing chain) ends in an assumed drop', () => {
  const loop = only(run(table([baseChain('base', [rule('jump a', jump('a'))]), chain('a', [rule('goto b', goto('b'))]), chain('b', [rule('jump a', jump('a'))])])));
  assert.equal(loop.verdict, 'drop');
  assert.match(loop.assumptions[0] ?? '', /loops back/);
  const deep = Array.from({ length: 20 }, (_, i) => chain(`c${i}`, [rule(`jump c${i + 1}`, jump(`c${i + 1}`))]));
  const tooDeep = only(run(table([baseChain('base', [rule('jump c0', jump('c0'))]), ...deep, chain('c20', [])])));
  assert.equal(tooDeep.verdict, 'drop');
  assert.match(tooDeep.assumptions[0] ?? '', /nests deeper than the kernel's 16 levels/);
  assert.equal(ruleSteps(tooDeep).length, 16);
  const missing = only(run(table([baseChain('base', [rule('jump nowhere', jump('nowhere'))])])));
  assert.match(missing.assumptions[0] ?? '', /chain nowhere does not exist/);
});

test('identical endings merge; the branch cap keeps probabilities summing to 1', () => {
  const coin = (i: number) => rule(`coin ${i}`, { kind: 'chance', probability: 0.5 }, { kind: 'counter' });
  const merged = run(table([baseChain('base', [rule('numgen random mod 8 < 8', match({ kind: 'numgen', mode: 'random', mod: 8, offset: 0 }, value(8n), '<'), accept)])]));
  assert.deepEqual(merged.map((b) => b.probability), [1]);
  const many = run(table([baseChain('base', Array.from({ length: 10 }, (_, i) => coin(i)))]), packet4(), 64);
  assert.ok(many.length <= 64, `${many.length} branches`);
  assert.ok(Math.abs(total(many) - 1) < 1e-9);
  assert.ok(many.some((b) => b.assumptions.some((a) => a.startsWith('more than 64 branches'))));
  const uncapped = run(table([baseChain('base', Array.from({ length: 6 }, (_, i) => coin(i)))]));
  assert.equal(uncapped.length, 64);
  assert.ok(Math.abs(total(uncapped) - 1) < 1e-9);
});

test('dscp set on the packet family only', () => {
  const setDscp: NfStatement = { kind: 'set', target: payload('ip', 'dscp'), value: konst(0x2en) };
  const v4 = only(run(table([baseChain('base', [rule('ip dscp set ef', setDscp)])], { family: 'inet' })));
  assert.equal(v4.packet.dscp, 0x2e);
  assert.equal(ruleSteps(v4)[0]?.effect, 'dscp 0x0 → 0x2e');
  const v6 = only(run(table([baseChain('base', [rule('ip dscp set ef', setDscp)])], { family: 'inet' }), packet6()));
  assert.equal(v6.packet.dscp, 0);
  assert.equal(ruleSteps(v6)[0]?.result, 'not-matched');
});
