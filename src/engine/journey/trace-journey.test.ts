import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JourneyResult } from '../../model/journey.ts';
import type { NfChain, NfStatement } from '../../model/netfilter.ts';
import type { NetworkState } from '../../model/network-state.ts';
import { createEngine } from '../engine.ts';
import { ip4, Ipv4StateBuilder } from '../ipv4/test-support.ts';
import { Ipv6StateBuilder } from '../ipv6/test-support.ts';
import { baseChain, ctExpr, drop, konst, match, meta, payload, rule, rulesetOf, table, value } from '../netfilter/nf-test-support.ts';
import { fate, fates, labRouter, markSet, restoreMark, routeSteps, saveMark, traceRequest, withRuleset } from './test-support.ts';
import { traceJourney } from './trace-journey.ts';

const sshMark = rule('tcp dport 22 meta mark set 0x2', match(payload('tcp', 'dport'), value(22n)), markSet(2));
const masqueradeWan2 = rule('oifname "wan2" masquerade', match(meta('oifname'), value('wan2')), { kind: 'nat', type: 'masquerade' });
const masqueradeAll = rule('oifname != "lan" masquerade', match(meta('oifname'), value('lan'), '!='), { kind: 'nat', type: 'masquerade' });
const natPostrouting = (...rules: ReturnType<typeof rule>[]): NfChain => baseChain('postrouting', rules, { hook: 'postrouting', type: 'nat', priority: 100 });
const prerouting = (...rules: ReturnType<typeof rule>[]): NfChain => baseChain('prerouting', rules, { hook: 'prerouting', priority: -150 });

function lab(chains: NfChain[], tune: (b: ReturnType<typeof labRouter>) => void = () => {}): NetworkState {
  const b = labRouter();
  tune(b);
  return withRuleset(b.build(), rulesetOf(table(chains, { family: 'inet', name: 'pbr' })));
}

function trace(state: NetworkState, request: string): JourneyResult {
  return traceJourney(state, traceRequest(request));
}

test('forwarded traffic: a prerouting mark selects the table; masquerade takes the egress address', () => {
  const state = lab([prerouting(sshMark), natPostrouting(masqueradeWan2)]);
  const cases = [
    { name: 'ssh is marked and leaves by wan2, masqueraded', q: 'tcp dport 22', want: 'forwarded wan2 via 203.0.113.1 src 203.0.113.2 dst 192.0.2.10', pref: 100, table: 102 },
    { name: 'http is not marked and leaves by wan1 unchanged', q: 'tcp dport 80', want: 'forwarded wan1 via 198.51.100.1 src 192.168.1.10 dst 192.0.2.10', pref: 32766, table: 254 },
  ];
  for (const c of cases) {
    const r = trace(state, `192.0.2.10 from 192.168.1.10 iif lan sport 40000 ${c.q}`);
    assert.deepEqual(fates(r), [`p=1 ${c.want}`], c.name);
    const [o] = r.outcomes;
    const [route] = routeSteps(o!);
    assert.equal(route?.phase, 'input', c.name);
    assert.deepEqual([route?.rulePref, route?.table], [c.pref, c.table], c.name);
  }
  const ssh = trace(state, '192.0.2.10 from 192.168.1.10 iif lan tcp sport 40000 dport 22').outcomes[0]!;
  assert.match(ssh.disposition.why, /forwarded via wan2 \(gateway 203\.0\.113\.1\), source 203\.0\.113\.2 after NAT because ip rule 100 chose table isp2 for fwmark 0x2 set by inet pbr prerouting rule `tcp dport 22 meta mark set 0x2`/);
  assert.deepEqual(
    ssh.steps.map((s) => s.kind),
    ['hook', 'conntrack', 'chain', 'rule', 'policy', 'route', 'hook', 'chain', 'rule', 'nat'],
  );
  assert.equal(ssh.packet.ct.status & 16n, 16n, 'the entry is marked SNAT');
});

test('masquerade takes the egress address in the gateway\'s subnet, not the route\'s src (6.18: inet_select_addr)', () => {
  const tune = (b: ReturnType<typeof labRouter>) => b.address('wan1', '100.64.0.2/24').route({ dst: '192.0.2.0/24', via: '100.64.0.1', dev: 'wan1', src: '198.51.100.2' });
  const cases = [
    { name: 'forwarded, masqueraded', chains: [natPostrouting(masqueradeAll)], q: '192.0.2.10 from 192.168.1.10 iif lan udp sport 5000 dport 53', want: 'forwarded wan1 via 100.64.0.1 src 100.64.0.2' },
    { name: 'local, masqueraded', chains: [natPostrouting(masqueradeAll)], q: '192.0.2.10 local udp sport 5000 dport 53', want: 'sent wan1 via 100.64.0.1 src 100.64.0.2' },
    { name: 'local, no NAT: the route\'s src', chains: [], q: '192.0.2.10 local udp sport 5000 dport 53', want: 'sent wan1 via 100.64.0.1 src 198.51.100.2' },
  ];
  for (const c of cases) assert.deepEqual(fates(trace(lab(c.chains, tune), c.q)), [`p=1 ${c.want} dst 192.0.2.10`], c.name);
});

test('after a reroute, later OUTPUT chains still see the old oifname; POSTROUTING sees the new one (6.18)', () => {
  const markRoute = baseChain('output', [rule('meta mark set 0x2', markSet(2))], { hook: 'output', type: 'route', priority: -150 });
  const dropWan2 = rule('oifname "wan2" drop', match(meta('oifname'), value('wan2')), drop);
  const cases = [
    { name: 'OUTPUT filter chain', chain: baseChain('out', [dropWan2], { hook: 'output', priority: 0 }), want: 'sent' },
    { name: 'POSTROUTING filter chain', chain: baseChain('post', [dropWan2], { hook: 'postrouting', priority: 0 }), want: 'dropped' },
  ];
  for (const c of cases) {
    const r = trace(lab([markRoute, c.chain]), '192.0.2.10 local udp sport 5000 dport 53');
    assert.deepEqual(r.outcomes.map((o) => o.disposition.kind), [c.want], c.name);
  }
});

test('locally generated: only route chains reroute, with the source kept and uid 0 (IPv4)', () => {
  const outputChain = (type: 'filter' | 'route'): NfChain => baseChain('output', [sshMark], { hook: 'output', type, priority: -150 });
  const cases = [
    { name: 'filter-type output chain: no reroute', type: 'filter' as const, want: 'sent wan1 via 198.51.100.1 src 198.51.100.2 dst 192.0.2.10', phases: ['output', 'output'] },
    { name: 'route-type output chain: reroute to wan2, source kept', type: 'route' as const, want: 'sent wan2 via 203.0.113.1 src 198.51.100.2 dst 192.0.2.10', phases: ['output', 'output', 'reroute'] },
  ];
  for (const c of cases) {
    const r = traceJourney(lab([outputChain(c.type)]), traceRequest('192.0.2.10 local tcp sport 40000 dport 22 uid 1000'));
    assert.deepEqual(fates(r), [`p=1 ${c.want}`], c.name);
    const o = r.outcomes[0]!;
    assert.deepEqual(routeSteps(o).map((s) => s.phase), c.phases, c.name);
    if (c.type === 'filter') assert.match(o.disposition.why, /mark 0x2 set by .* came after routing and did not reroute/, c.name);
    else {
      const re = routeSteps(o).at(-1)!;
      assert.deepEqual([re.rulePref, re.table, re.query.uid, re.query.mark], [100, 102, 0, 2], c.name);
      assert.equal(re.query.from && ip4('198.51.100.2').value === re.query.from.value, true, c.name);
    }
  }
});

test('a reroute follows uidrange rules with uid 0: the socket uid no longer matches after the reroute', () => {
  const state = lab([baseChain('output', [rule('meta mark set 0x5', markSet(5))], { hook: 'output', type: 'route', priority: -150 })], (b) =>
    b.route({ dst: 'default', via: '203.0.113.1', dev: 'wan2', table: 103 }).rule({ priority: 90, uidRange: { start: 1000, end: 1000 }, table: 103 }),
  );
  const r = traceJourney(state, traceRequest('192.0.2.10 local udp sport 5000 dport 53 uid 1000'));
  assert.deepEqual(routeSteps(r.outcomes[0]!).map((s) => `${s.phase} ${s.rulePref}`), ['output 90', 'reroute 32766']);
  assert.deepEqual(fates(r), ['p=1 sent wan1 via 198.51.100.1 src 203.0.113.2 dst 192.0.2.10']);
});

test('DNAT in OUTPUT reroutes toward the new destination', () => {
  const dnat = rule('ip daddr 192.0.2.10 dnat to 192.168.1.20', match(payload('ip', 'daddr'), value(BigInt(ip4('192.0.2.10').value))), { kind: 'nat', type: 'dnat', addr: konst(BigInt(ip4('192.168.1.20').value)) });
  const r = traceJourney(lab([baseChain('output', [dnat], { hook: 'output', type: 'nat', priority: -100 })]), traceRequest('192.0.2.10 local tcp sport 40000 dport 80'));
  assert.deepEqual(fates(r), ['p=1 sent lan src 198.51.100.2 dst 192.168.1.20']);
  assert.deepEqual(routeSteps(r.outcomes[0]!).map((s) => s.phase), ['output', 'output', 'reroute']);
});

test('inbound on wan2 to a local service: the reply leaves wan1 without a restore, wan2 with one', () => {
  const saveOnWan2 = rule('iifname "wan2" ct state new ct mark set 0x2', match(meta('iifname'), value('wan2')), { kind: 'set', target: ctExpr('mark'), value: konst(2n) });
  const restoreRoute = baseChain('output', [rule('meta mark set ct mark', restoreMark)], { hook: 'output', type: 'route', priority: -150 });
  const restoreFilter = baseChain('output', [rule('meta mark set ct mark', restoreMark)], { hook: 'output', type: 'filter', priority: -150 });
  const cases = [
    { name: 'no restore', chains: [prerouting(saveOnWan2)], want: 'sent wan1 via 198.51.100.1 src 203.0.113.2 dst 192.0.2.10' },
    { name: 'restore in a route chain', chains: [prerouting(saveOnWan2), restoreRoute], want: 'sent wan2 via 203.0.113.1 src 203.0.113.2 dst 192.0.2.10' },
    { name: 'restore in a filter chain does not reroute', chains: [prerouting(saveOnWan2), restoreFilter], want: 'sent wan1 via 198.51.100.1 src 203.0.113.2 dst 192.0.2.10' },
  ];
  for (const c of cases) {
    const r = traceJourney(lab(c.chains), traceRequest('203.0.113.2 from 192.0.2.10 iif wan2 tcp sport 50000 dport 22 reply'));
    assert.deepEqual(fates(r), ['p=1 delivered wan2 src 192.0.2.10 dst 203.0.113.2'], c.name);
    const o = r.outcomes[0]!;
    assert.equal(o.packet.ct.mark, 2, c.name);
    const reply = o.reply!;
    assert.equal(reply.request.fromLocal, true, c.name);
    assert.deepEqual(fates(reply), [`p=1 ${c.want}`], c.name);
    const ro = reply.outcomes[0]!;
    const ct = ro.steps.find((s) => s.kind === 'conntrack');
    assert.deepEqual(ct && ct.kind === 'conntrack' ? [ct.action, ct.mark] : [], ['found', 2], c.name);
    assert.equal(ro.packet.ct.direction, 'reply', c.name);
    // the socket replies from the address the request was sent to, so the first lookup carries `from`
    assert.equal(routeSteps(ro)[0]?.query.from?.value, ip4('203.0.113.2').value, c.name);
  }
});

test('tcp_fwmark_accept gives the accepted socket the SYN\'s mark; ICMP echo replies follow fwmark_reflect', () => {
  const markWan2 = rule('iifname "wan2" meta mark set 0x2', match(meta('iifname'), value('wan2')), markSet(2));
  const cases = [
    { name: 'tcp, tcp_fwmark_accept=0', q: 'tcp sport 50000 dport 22', sysctl: ['net.ipv4.tcp_fwmark_accept', 0] as const, want: 'sent wan1' },
    { name: 'tcp, tcp_fwmark_accept=1', q: 'tcp sport 50000 dport 22', sysctl: ['net.ipv4.tcp_fwmark_accept', 1] as const, want: 'sent wan2' },
    { name: 'echo, fwmark_reflect=0', q: 'icmp icmp-type 8', sysctl: ['net.ipv4.fwmark_reflect', 0] as const, want: 'sent wan1' },
    { name: 'echo, fwmark_reflect=1', q: 'icmp icmp-type 8', sysctl: ['net.ipv4.fwmark_reflect', 1] as const, want: 'sent wan2' },
  ];
  for (const c of cases) {
    const state = lab([prerouting(markWan2)], (b) => b.sysctl(c.sysctl[0], c.sysctl[1]));
    const r = traceJourney(state, traceRequest(`203.0.113.2 from 192.0.2.10 iif wan2 ${c.q} reply`));
    const reply = r.outcomes[0]?.reply;
    assert.equal(reply && fate(reply.outcomes[0]!).split(' ').slice(0, 2).join(' '), c.want, c.name);
  }
  const echo = traceJourney(lab([]), traceRequest('203.0.113.2 from 192.0.2.10 iif wan2 icmp icmp-type 8 reply')).outcomes[0]?.reply;
  assert.equal(echo?.request.icmpType, 0);
});

test('reply of a masqueraded forward: strict rp_filter drops it on the other uplink, loose accepts, src_valid_mark with a restore passes', () => {
  const saveMarkRule = rule('ct mark set meta mark', saveMark);
  const restore = rule('meta mark set ct mark', restoreMark);
  const cases = [
    { name: 'strict', rpf: 1, chains: [prerouting(sshMark, saveMarkRule), natPostrouting(masqueradeWan2)], want: 'dropped EINVAL by rp_filter' },
    { name: 'loose', rpf: 2, chains: [prerouting(sshMark, saveMarkRule), natPostrouting(masqueradeWan2)], want: 'forwarded lan src 192.0.2.10 dst 192.168.1.10' },
    { name: 'strict + restore + src_valid_mark', rpf: 1, validMark: true, chains: [prerouting(restore, sshMark, saveMarkRule), natPostrouting(masqueradeWan2)], want: 'forwarded lan src 192.0.2.10 dst 192.168.1.10' },
  ];
  for (const c of cases) {
    const state = lab(c.chains, (b) => {
      // table isp2 also reaches the LAN, as a restored mark sends the reply through it
      b.route({ dst: '192.168.1.0/24', dev: 'lan', table: 102 }).sysctl('net.ipv4.conf.wan2.rp_filter', c.rpf);
      if (c.validMark) b.sysctl('net.ipv4.conf.all.src_valid_mark', 1);
    });
    const r = trace(state, '192.0.2.10 from 192.168.1.10 iif lan tcp sport 40000 dport 22 reply');
    assert.deepEqual(fates(r), ['p=1 forwarded wan2 via 203.0.113.1 src 203.0.113.2 dst 192.0.2.10'], c.name);
    const reply = r.outcomes[0]!.reply!;
    assert.deepEqual(reply.request.iif, 'wan2', c.name);
    assert.deepEqual(fates(reply), [`p=1 ${c.want}`], c.name);
    const ro = reply.outcomes[0]!;
    // de-masquerading happens at PREROUTING, before input routing
    assert.equal(routeSteps(ro)[0]?.query.dst.value, ip4('192.168.1.10').value, c.name);
    if (c.rpf === 1 && !c.validMark) {
      assert.match(ro.disposition.why, /rp_filter on wan2/, c.name);
      assert.ok(ro.steps.some((s) => s.kind === 'note' && s.text.includes('martian source 192.168.1.10 from 192.0.2.10, on dev wan2')), c.name);
    }
  }
});

test('DNAT port forward: the reply gets its source rewritten back at POSTROUTING', () => {
  const dnat = rule('iifname "wan2" tcp dport 2222 dnat to 192.168.1.10:22', match(meta('iifname'), value('wan2')), match(payload('tcp', 'dport'), value(2222n)), {
    kind: 'nat',
    type: 'dnat',
    addr: konst(BigInt(ip4('192.168.1.10').value)),
    port: konst(22n),
  });
  const state = lab([baseChain('prerouting', [dnat], { hook: 'prerouting', type: 'nat', priority: -100 })]);
  const r = trace(state, '203.0.113.2 from 192.0.2.10 iif wan2 tcp sport 50000 dport 2222 reply');
  assert.deepEqual(fates(r), ['p=1 forwarded lan src 192.0.2.10 dst 192.168.1.10']);
  assert.equal(r.outcomes[0]!.packet.dport, 22);
  const reply = r.outcomes[0]!.reply!;
  assert.deepEqual([reply.request.iif, reply.request.sport, reply.request.dport], ['lan', 22, 50000]);
  // the reply goes by the main table (wan1) with the original destination as its source: asymmetric
  assert.deepEqual(fates(reply), ['p=1 forwarded wan1 via 198.51.100.1 src 203.0.113.2 dst 192.0.2.10']);
  assert.equal(reply.outcomes[0]!.packet.sport, 2222);
});

test('verdicts end the journey and name who decided', () => {
  const forward = (...statements: NfStatement[]): NfChain => baseChain('forward', [rule('tcp dport 23 drop', match(payload('tcp', 'dport'), value(23n)), ...statements)], { hook: 'forward', priority: 0 });
  const cases = [
    { name: 'drop', chain: forward(drop), want: 'dropped by rule "tcp dport 23 drop" (inet pbr forward)' },
    { name: 'reject', chain: forward({ kind: 'reject', with: 'tcp reset' }), want: 'rejected by rule "tcp dport 23 drop" (inet pbr forward)' },
    { name: 'queue', chain: forward({ kind: 'verdict', verdict: { kind: 'queue' } }), want: 'unknown by rule "tcp dport 23 drop" (inet pbr forward)' },
    { name: 'policy drop', chain: baseChain('forward', [], { hook: 'forward', priority: 0, policy: 'drop' }), want: 'dropped by policy drop of inet pbr forward' },
  ];
  for (const c of cases) {
    const r = trace(lab([c.chain]), '192.0.2.10 from 192.168.1.10 iif lan tcp sport 40000 dport 23');
    assert.deepEqual(r.outcomes.map((o) => `${o.disposition.kind} by ${o.disposition.by ?? ''}`), [c.want], c.name);
    assert.match(r.outcomes[0]!.disposition.why, / at forward\b/, c.name);
  }
});

test('numgen splits the journey with probabilities', () => {
  const numgen = rule('numgen random mod 4 < 1 meta mark set 0x2', match({ kind: 'numgen', mode: 'random', mod: 4, offset: 0 }, value(0n)), markSet(2));
  const r = trace(lab([prerouting(numgen)]), '192.0.2.10 from 192.168.1.10 iif lan udp sport 5000 dport 53');
  assert.deepEqual(fates(r).sort(), ['p=0.25 forwarded wan2 via 203.0.113.1 src 192.168.1.10 dst 192.0.2.10', 'p=0.75 forwarded wan1 via 198.51.100.1 src 192.168.1.10 dst 192.0.2.10']);
});

test('an unknown rule: every outcome is listed with its assumption', () => {
  const unknown = rule('ip ttl 5 meta mark set 0x2', { kind: 'unknown', text: 'ip ttl 5' }, markSet(2));
  const r = trace(lab([prerouting(unknown)]), '192.0.2.10 from 192.168.1.10 iif lan udp sport 5000 dport 53');
  assert.equal(r.outcomes.length, 2);
  assert.deepEqual(r.outcomes.map((o) => o.disposition.dev).sort(), ['wan1', 'wan2']);
  for (const o of r.outcomes) {
    assert.equal(o.probability, 0.5);
    assert.ok(o.assumptions.some((a) => a.includes('ip ttl 5')), o.assumptions.join('; '));
  }
});

test('routing errors: unreachable with the deciding rule, forwarding off drops, and the local errno', () => {
  const cases = [
    { name: 'unreachable rule', tune: (b: ReturnType<typeof labRouter>) => b.rule({ priority: 50, to: '192.0.2.0/24', action: 'unreachable' }), q: '192.0.2.10 from 192.168.1.10 iif lan udp', want: 'unreachable ENETUNREACH by ip rule 50' },
    { name: 'forwarding off', tune: (b: ReturnType<typeof labRouter>) => b.sysctl('net.ipv4.conf.lan.forwarding', 0), q: '192.0.2.10 from 192.168.1.10 iif lan udp', want: 'dropped EHOSTUNREACH by forwarding off on lan' },
    { name: 'local, prohibit route', tune: (b: ReturnType<typeof labRouter>) => b.route({ dst: '192.0.2.0/24', type: 'prohibit' }), q: '192.0.2.10 local udp', want: 'unreachable EACCES by ip rule 32766 (table main)' },
  ];
  for (const c of cases) {
    const r = trace(lab([], c.tune), c.q);
    assert.deepEqual(r.outcomes.map(fate), [c.want], c.name);
  }
});

test('without a netfilter rule set: routing only, said once', () => {
  const state = labRouter().build();
  const r = trace(state, '192.0.2.10 from 192.168.1.10 iif lan tcp sport 40000 dport 22 reply');
  assert.deepEqual(r.diagnostics.map((d) => d.code), ['trace-no-netfilter']);
  assert.deepEqual(fates(r), ['p=1 forwarded wan1 via 198.51.100.1 src 192.168.1.10 dst 192.0.2.10']);
  assert.deepEqual(r.outcomes[0]!.steps.map((s) => s.kind), ['note', 'route']);
  assert.deepEqual(fates(r.outcomes[0]!.reply!), ['p=1 forwarded lan src 192.0.2.10 dst 192.168.1.10']);
});

test('a local packet to a local address loops through lo and is delivered', () => {
  const r = traceJourney(lab([]), traceRequest('192.168.1.1 local tcp sport 40000 dport 22'), { engine: createEngine(labRouter().build()) });
  assert.deepEqual(fates(r), ['p=1 delivered lo src 192.168.1.1 dst 192.168.1.1']);
  assert.deepEqual(r.outcomes[0]!.steps.filter((s) => s.kind === 'hook').map((s) => (s.kind === 'hook' ? s.hook : '')), ['output']);
});

test('bad requests give diagnostics and no outcomes', () => {
  const state = lab([]);
  const cases = [
    { q: '192.0.2.10 from 192.168.1.10 udp', code: 'trace-no-iif' },
    { q: '192.0.2.10 iif lan udp', code: 'trace-no-source' },
    { q: '192.0.2.10 local iif lan udp', code: 'trace-local-with-iif' },
  ];
  for (const c of cases) {
    const r = trace(state, c.q);
    assert.deepEqual([r.outcomes.length, r.diagnostics.map((d) => d.code)], [0, [c.code]], c.q);
  }
});

function lab6(): Ipv6StateBuilder {
  return new Ipv6StateBuilder()
    .device('lan', 'fe80::1')
    .device('wan1', 'fe80::2')
    .device('wan2', 'fe80::3')
    .address('lan', '2001:db8:1::1/64')
    .address('wan1', '2001:db8:a::2/64')
    .address('wan2', '2001:db8:b::2/64')
    .route({ dst: 'default', via: '2001:db8:a::1', dev: 'wan1' })
    .route({ dst: 'default', via: '2001:db8:b::1', dev: 'wan2', table: 102 })
    .rule({ priority: 100, fwmark: 2, fwmask: 0xffffffff, table: 102 })
    .sysctl('net/ipv6/conf/all/forwarding', 1);
}

test('IPv6: a prerouting mark selects the table, and the reply comes back by conntrack', () => {
  const b = lab6();
  const ruleset = rulesetOf(table([prerouting(sshMark)], { family: 'inet', name: 'pbr' }));
  const state = { ...b.build(), netfilter: ruleset };
  const cases = [
    { q: 'tcp sport 40000 dport 22', want: 'forwarded wan2 via 2001:db8:b::1 src 2001:db8:1::10 dst 2001:db8:ff::1', pref: 100 },
    { q: 'tcp sport 40000 dport 80', want: 'forwarded wan1 via 2001:db8:a::1 src 2001:db8:1::10 dst 2001:db8:ff::1', pref: 32766 },
  ];
  for (const c of cases) {
    const r = trace(state, `2001:db8:ff::1 from 2001:db8:1::10 iif lan ${c.q} reply`);
    assert.deepEqual(fates(r), [`p=1 ${c.want}`], c.q);
    assert.equal(routeSteps(r.outcomes[0]!)[0]?.rulePref, c.pref, c.q);
    assert.deepEqual(fates(r.outcomes[0]!.reply!), ['p=1 forwarded lan src 2001:db8:ff::1 dst 2001:db8:1::10'], c.q);
  }
  const off = trace({ ...state, sysctls: new Map() }, '2001:db8:ff::1 from 2001:db8:1::10 iif lan udp');
  assert.deepEqual(off.outcomes.map(fate), ['dropped by net.ipv6.conf.all.forwarding=0']);
});

test('multipath without a hash seed: one outcome per next hop, by weight', () => {
  const state = withRuleset(
    new Ipv4StateBuilder()
      .device('lan')
      .device('wan1')
      .device('wan2')
      .address('lan', '192.168.1.1/24')
      .address('wan1', '198.51.100.2/24')
      .address('wan2', '203.0.113.2/24')
      .route({ dst: 'default', nexthops: [['198.51.100.1', 'wan1', 1], ['203.0.113.1', 'wan2', 3]] })
      .sysctl('net.ipv4.conf.lan.forwarding', 1)
      .build(),
    rulesetOf(table([natPostrouting(masqueradeAll)], { family: 'inet', name: 'pbr' })),
  );
  const r = trace(state, '192.0.2.10 from 192.168.1.10 iif lan tcp sport 40000 dport 443');
  assert.deepEqual(fates(r).sort(), ['p=0.25 forwarded wan1 via 198.51.100.1 src 198.51.100.2 dst 192.0.2.10', 'p=0.75 forwarded wan2 via 203.0.113.1 src 203.0.113.2 dst 192.0.2.10']);
  for (const o of r.outcomes) assert.ok(o.assumptions.some((a) => a.includes('fib_multipath_hash_seed')), o.assumptions.join('; '));
});

test('IPv6 reroute keeps the socket uid: a uidrange rule still matches after OUTPUT changed the mark', () => {
  const b = lab6()
    .route({ dst: 'default', via: '2001:db8:b::1', dev: 'wan2', table: 103 })
    .rule({ priority: 90, uidRange: { start: 1000, end: 1000 }, table: 103 });
  const markRoute = baseChain('output', [rule('meta mark set 0x5', markSet(5))], { hook: 'output', type: 'route', priority: -150 });
  const state = { ...b.build(), netfilter: rulesetOf(table([markRoute], { family: 'inet', name: 'pbr' })) };
  const r = traceJourney(state, traceRequest('2001:db8:ff::1 local udp sport 5000 dport 53 uid 1000'));
  assert.deepEqual(routeSteps(r.outcomes[0]!).map((s) => `${s.phase} ${s.rulePref} uid ${s.query.uid}`), ['output 90 uid 1000', 'reroute 90 uid 1000']);
  assert.deepEqual(fates(r), ['p=1 sent wan2 via 2001:db8:b::1 src 2001:db8:b::2 dst 2001:db8:ff::1']);
});

test('NAT chains run at the NAT core\'s priority, not their own (6.18: a dnat chain at -180 acts at -100)', () => {
  const target = BigInt(ip4('192.168.1.10').value);
  const dnat = baseChain('natpre', [rule('udp dport 9999 dnat to 192.168.1.10', match(payload('udp', 'dport'), value(9999n)), { kind: 'nat', type: 'dnat', addr: konst(target) })], {
    hook: 'prerouting',
    type: 'nat',
    priority: -180,
  });
  const dropNew = (priority: number): NfChain => baseChain(`f${priority}`, [rule('ip daddr 192.168.1.10 drop', match(payload('ip', 'daddr'), value(target)), drop)], { hook: 'prerouting', priority });
  const cases = [
    { name: 'a filter chain at -150 sees the original destination', priority: -150, want: 'forwarded' },
    { name: 'a filter chain at -50 sees the translated one', priority: -50, want: 'dropped' },
  ];
  for (const c of cases) {
    const r = trace(lab([dnat, dropNew(c.priority)]), '203.0.113.2 from 192.0.2.10 iif wan2 udp sport 5000 dport 9999');
    assert.deepEqual(r.outcomes.map((o) => o.disposition.kind), [c.want], c.name);
  }
});
