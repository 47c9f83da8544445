import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIp } from '../addr/address.ts';
import type { IpAddress } from '../addr/types.ts';
import type { ChainRef, JourneyOutcome, JourneyResult, JourneyStep, NfPacketState, TraceRequest } from '../model/journey.ts';
import type { RouteAnswer } from '../model/route-query.ts';
import { builtinRtTables, type RtTables } from '../model/rt-tables.ts';
import { renderTrace } from './trace.ts';
import { buildTraceDocument } from './trace-document.ts';
import type { Palette } from './palette.ts';
import { renderTraceText } from './trace-text.ts';

const a = (text: string): IpAddress => parseIp(text, 'strict')!;
const tables: RtTables = { names: new Map([...builtinRtTables().names, [200, 'isp2']]), ids: new Map([...builtinRtTables().ids, ['isp2', 200]]) };

const MANGLE: ChainRef = { family: 'ip', table: 'mangle', chain: 'PREROUTING', origin: 'iptables' };
const NAT: ChainRef = { family: 'ip', table: 'nat', chain: 'POSTROUTING', origin: 'iptables' };
const NFT: ChainRef = { family: 'inet', table: 'pbr', chain: 'pre', origin: 'nft' };

const request: TraceRequest = { family: 4, dst: a('203.0.113.10'), src: a('10.0.0.50'), iif: 'lan0', fromLocal: false, proto: 6, sport: 40000, dport: 22, reply: true };

function packet(over: Partial<NfPacketState> = {}): NfPacketState {
  return {
    family: 4, saddr: a('10.0.0.50'), daddr: a('203.0.113.10'), l4proto: 6, sport: 40000, dport: 22, dscp: 0, mark: 0, iifname: 'lan0',
    ct: { state: 'new', direction: 'original', mark: 0, status: 0n }, ...over,
  };
}

const marks = (m0: number, m1: number, c0 = 0, c1 = 0) => ({ markBefore: m0, markAfter: m1, ctMarkBefore: c0, ctMarkAfter: c1 });

const wan2Route: RouteAnswer = {
  ok: true,
  route: { type: 'unicast', dst: a('203.0.113.10'), from: a('10.0.0.50'), gateway: a('198.51.100.1'), dev: 'wan2', table: 200, prefsrc: a('198.51.100.2'), iif: 'lan0', flags: [], cache: [] },
  explain: [
    { kind: 'rule', text: 'rule 1000: fwmark 0x2 matches', depth: 0 },
    { kind: 'check', text: 'rp_filter on lan0 is 0: no reverse-path check', depth: 0 },
  ],
};

const forwardSteps: JourneyStep[] = [
  { kind: 'hook', hook: 'prerouting' },
  { kind: 'chain', chain: MANGLE, type: 'filter', priority: -150 },
  { kind: 'rule', chain: MANGLE, rule: { text: '-A PREROUTING -s 10.0.0.99/32 -j ACCEPT', source: { file: 'iptables-save', line: 11 } }, result: 'not-matched', ...marks(0, 0) },
  {
    kind: 'rule', chain: MANGLE, rule: { text: '-A PREROUTING -p tcp -m tcp --dport 22 -j MARK --set-xmark 0x2/0xffffffff', source: { file: 'iptables-save', line: 12 } },
    result: 'matched', effect: 'mark set 0x2', ...marks(0, 2),
  },
  { kind: 'policy', chain: MANGLE, verdict: 'accept' },
  { kind: 'route', phase: 'input', query: { family: 4, dst: a('203.0.113.10'), from: a('10.0.0.50'), iif: 'lan0', mark: 2, ipproto: 6, sport: 40000, dport: 22 }, answer: wan2Route, rulePref: 1000, table: 200 },
  { kind: 'hook', hook: 'postrouting' },
  { kind: 'chain', chain: NAT, type: 'nat', priority: 100 },
  { kind: 'rule', chain: NAT, rule: { text: '-A POSTROUTING -o wan2 -j MASQUERADE', source: { file: 'iptables-save', line: 30 } }, result: 'matched', verdict: 'accept', ...marks(2, 2) },
  { kind: 'conntrack', action: 'new', mark: 0, text: 'tcp 10.0.0.50:40000 → 203.0.113.10:22' },
  { kind: 'nat', type: 'masquerade', text: 'source 10.0.0.50:40000 → 198.51.100.2:40000' },
];

const replyResult: JourneyResult = {
  request: { family: 4, dst: a('198.51.100.2'), src: a('203.0.113.10'), iif: 'wan2', fromLocal: false, proto: 6, sport: 22, dport: 40000, reply: false },
  outcomes: [{
    probability: 1,
    assumptions: [],
    steps: [
      { kind: 'conntrack', action: 'found', mark: 0, text: 'reply of tcp 10.0.0.50:40000 → 203.0.113.10:22' },
      { kind: 'nat', type: 'reverse', text: 'destination 198.51.100.2:40000 → 10.0.0.50:40000' },
      {
        kind: 'route', phase: 'input', query: { family: 4, dst: a('10.0.0.50'), from: a('203.0.113.10'), iif: 'wan2', mark: 0 },
        answer: { ok: false, errno: 'EXDEV', explain: [{ kind: 'check', text: 'strict rp_filter on wan2: the reverse route leaves by wan1', depth: 0 }], logLine: 'IPv4: martian source 10.0.0.50 from 203.0.113.10, on dev wan2' },
        rulePref: 32766, table: 254,
      },
    ],
    packet: packet({ saddr: a('203.0.113.10'), daddr: a('10.0.0.50'), sport: 22, dport: 40000, iifname: 'wan2', ct: { state: 'established', direction: 'reply', mark: 0, status: 0x1an } }),
    disposition: { kind: 'dropped', by: 'rp_filter on wan2 (strict)', why: 'the reply arrives on wan2 but the route back to 203.0.113.10 leaves by wan1; restore the mark with CONNMARK so the reply is routed by wan2' },
  }],
  diagnostics: [],
};

const forwarded: JourneyOutcome = {
  probability: 1,
  assumptions: [],
  steps: forwardSteps,
  packet: packet({ saddr: a('198.51.100.2'), mark: 2, oifname: 'wan2', ct: { state: 'new', direction: 'original', mark: 0, status: 0x10n } }),
  disposition: { kind: 'forwarded', dev: 'wan2', gateway: a('198.51.100.1'), src: a('198.51.100.2'), dst: a('203.0.113.10'), why: 'mangle PREROUTING marks ssh 0x2 and rule 1000 sends mark 0x2 to table isp2' },
  reply: replyResult,
};

test('text: numbered steps, only mark changes, the route that decided, result, why, and the reply indented', () => {
  const out = renderTrace({ request, outcomes: [forwarded], diagnostics: [] }, { json: false, tables });
  assert.equal(out.stderr, '');
  assert.equal(
    out.stdout,
    [
      'trace 203.0.113.10 from 10.0.0.50 iif lan0 proto tcp sport 40000 dport 22',
      ' 1  hook prerouting',
      ' 2    chain ip mangle PREROUTING  (iptables, type filter, priority -150)',
      ' 3      rule iptables-save:11: -A PREROUTING -s 10.0.0.99/32 -j ACCEPT  — no match',
      ' 4      rule iptables-save:12: -A PREROUTING -p tcp -m tcp --dport 22 -j MARK --set-xmark 0x2/0xffffffff',
      '            matched: mark set 0x2, mark 0x0 → 0x2',
      ' 5      policy accept (ip mangle PREROUTING)',
      ' 6  route input (mark 0x2): rule 1000, table isp2 → 203.0.113.10 via 198.51.100.1 dev wan2 src 198.51.100.2',
      '        rp_filter on lan0 is 0: no reverse-path check',
      ' 7  hook postrouting',
      ' 8    chain ip nat POSTROUTING  (iptables, type nat, priority 100)',
      ' 9      rule iptables-save:30: -A POSTROUTING -o wan2 -j MASQUERADE',
      '            matched, verdict accept',
      '10  conntrack new: tcp 10.0.0.50:40000 → 203.0.113.10:22',
      '11  nat masquerade: source 10.0.0.50:40000 → 198.51.100.2:40000',
      'result: forwarded via wan2 gateway 198.51.100.1 from 198.51.100.2 to 203.0.113.10',
      'why: mangle PREROUTING marks ssh 0x2 and rule 1000 sends mark 0x2 to table isp2',
      '    reply 198.51.100.2 from 203.0.113.10 iif wan2 proto tcp sport 22 dport 40000',
      '    1  conntrack found: reply of tcp 10.0.0.50:40000 → 203.0.113.10:22',
      '    2  nat reverse: destination 198.51.100.2:40000 → 10.0.0.50:40000',
      '    3  route input: rule 32766, table main → Invalid cross-device link (EXDEV)',
      '           strict rp_filter on wan2: the reverse route leaves by wan1',
      '    result: dropped by rp_filter on wan2 (strict)',
      '    why: the reply arrives on wan2 but the route back to 203.0.113.10 leaves by wan1; restore the mark with CONNMARK so the reply is routed by wan2',
      '',
    ].join('\n'),
  );
});

test('text: several outcomes with probabilities or assumptions; shared steps printed once', () => {
  const rule = (text: string, result: 'matched' | 'not-matched' | 'unknown', m1: number, handle: number): JourneyStep => ({
    kind: 'rule', chain: NFT, rule: { text, handle }, result, ...marks(0, m1), ...(result === 'matched' ? { effect: `meta mark set 0x${m1}` } : {}),
  });
  const local = { kind: 'delivered' as const, dev: 'lan0', dst: a('203.0.113.10'), why: 'the destination is a local address' };
  const drop = { kind: 'dropped' as const, by: 'rule handle 9 (osf name "Linux" drop)', why: 'the rule pbr does not model dropped it' };
  const head: JourneyStep[] = [{ kind: 'hook', hook: 'prerouting' }, { kind: 'chain', chain: NFT, type: 'filter', priority: -150 }];
  const result: JourneyResult = {
    request: { ...request, reply: false },
    outcomes: [
      { probability: 0.5, assumptions: [], steps: [...head, rule('meta mark set numgen random mod 2', 'matched', 1, 7)], packet: packet({ mark: 1 }), disposition: local },
      { probability: 0.5, assumptions: [], steps: [...head, rule('meta mark set numgen random mod 2', 'matched', 0, 7)], packet: packet(), disposition: local },
      {
        probability: 0,
        assumptions: ['rule handle 9 (osf name "Linux" drop) matched'],
        steps: [...head, rule('osf name "Linux" drop', 'unknown', 0, 9)],
        packet: packet(),
        disposition: drop,
      },
    ],
    diagnostics: [{ severity: 'warning', code: 'nft-unknown-expr', message: 'osf is not modelled', source: { file: 'nft', line: 4 } }],
  };
  const out = renderTrace(result, { json: false, tables });
  assert.equal(out.stderr, 'pbr: nft:4: warning: osf is not modelled [nft-unknown-expr]\n');
  assert.equal(
    out.stdout,
    [
      'trace 203.0.113.10 from 10.0.0.50 iif lan0 proto tcp sport 40000 dport 22',
      'outcome 1 of 3: probability 50%',
      '1  hook prerouting',
      '2    chain inet pbr pre  (nft, type filter, priority -150)',
      '3      rule handle 7: meta mark set numgen random mod 2',
      '           matched: meta mark set 0x1, mark 0x0 → 0x1',
      'result: delivered locally to 203.0.113.10 (arrived on lan0)',
      'why: the destination is a local address',
      'outcome 2 of 3: probability 50%',
      '1–2  as in outcome 1',
      '3      rule handle 7: meta mark set numgen random mod 2',
      '           matched: meta mark set 0x0',
      'result: delivered locally to 203.0.113.10 (arrived on lan0)',
      'why: the destination is a local address',
      'outcome 3 of 3: possible, assuming:',
      '  - rule handle 9 (osf name "Linux" drop) matched',
      '1–2  as in outcome 1',
      '3      rule handle 9: osf name "Linux" drop',
      '           unknown (pbr does not model it)',
      'result: dropped by rule handle 9 (osf name "Linux" drop)',
      'why: the rule pbr does not model dropped it',
      '',
    ].join('\n'),
  );
});

test('JSON: one object with request, outcomes and diagnostics; addresses as strings, marks as hex strings', () => {
  const out = renderTrace({ request, outcomes: [forwarded], diagnostics: [] }, { json: true, tables });
  assert.equal(out.stderr, '');
  assert.ok(out.stdout.endsWith('}\n') && !out.stdout.slice(0, -1).includes('\n'), 'one line');
  const doc = JSON.parse(out.stdout) as Record<string, unknown>;
  assert.deepEqual(Object.keys(doc), ['request', 'outcomes', 'diagnostics']);
  assert.deepEqual(doc['request'], {
    family: 4, dst: '203.0.113.10', src: '10.0.0.50', iif: 'lan0', fromLocal: false, proto: 6, protoName: 'tcp', sport: 40000, dport: 22, reply: true,
  });
  const [o] = doc['outcomes'] as Record<string, unknown>[];
  assert.deepEqual(Object.keys(o!), ['probability', 'assumptions', 'steps', 'packet', 'disposition', 'reply']);
  const steps = o!['steps'] as Record<string, unknown>[];
  assert.deepEqual(steps[3], {
    kind: 'rule',
    chain: { family: 'ip', table: 'mangle', chain: 'PREROUTING', origin: 'iptables' },
    rule: { text: '-A PREROUTING -p tcp -m tcp --dport 22 -j MARK --set-xmark 0x2/0xffffffff', source: 'iptables-save:12' },
    result: 'matched', effect: 'mark set 0x2', markBefore: '0x0', markAfter: '0x2', ctMarkBefore: '0x0', ctMarkAfter: '0x0',
  });
  assert.deepEqual(steps[5], {
    kind: 'route', phase: 'input', rulePref: 1000, table: 'isp2',
    query: { dst: '203.0.113.10', from: '10.0.0.50', iif: 'lan0', mark: '0x2', ipproto: 6, sport: 40000, dport: 22 },
    result: { ok: true, type: 'unicast', dst: '203.0.113.10', gateway: '198.51.100.1', dev: 'wan2', src: '198.51.100.2', table: 'isp2' },
    explain: wan2Route.explain,
  });
  assert.deepEqual(o!['packet'], {
    family: 4, saddr: '198.51.100.2', daddr: '203.0.113.10', proto: 6, protoName: 'tcp', sport: 40000, dport: 22, dscp: 0, mark: '0x2',
    iifname: 'lan0', oifname: 'wan2', ct: { state: 'new', direction: 'original', mark: '0x0', status: '0x10' },
  });
  assert.deepEqual(o!['disposition'], {
    kind: 'forwarded', dev: 'wan2', gateway: '198.51.100.1', src: '198.51.100.2', dst: '203.0.113.10', why: forwarded.disposition.why,
  });
  const reply = o!['reply'] as { outcomes: { steps: Record<string, unknown>[]; disposition: unknown }[] };
  assert.deepEqual(reply.outcomes[0]!.steps[2]!['result'], {
    ok: false, errno: 'EXDEV', message: 'Invalid cross-device link', logLine: 'IPv4: martian source 10.0.0.50 from 203.0.113.10, on dev wan2',
  });
  assert.deepEqual(reply.outcomes[0]!.disposition, { kind: 'dropped', by: 'rp_filter on wan2 (strict)', why: replyResult.outcomes[0]!.disposition.why });
});

test('the text is read off the same document JSON prints', () => {
  const result: JourneyResult = { request, outcomes: [forwarded], diagnostics: [] };
  const doc = buildTraceDocument(result, tables);
  assert.deepEqual(JSON.parse(renderTrace(result, { json: true, tables }).stdout), JSON.parse(JSON.stringify(doc)));
  assert.equal(renderTrace(result, { json: false, tables }).stdout, renderTraceText(doc));
});

test('colour goes through the palette: devices, addresses, verdicts', () => {
  const tag = (name: string) => (s: string) => `<${name}>${s}</${name}>`;
  const palette: Palette = { ifname: tag('if'), addr: tag('a'), good: tag('g'), bad: tag('b'), warn: tag('w'), dim: tag('d'), bold: tag('B') };
  const text = renderTrace({ request, outcomes: [forwarded], diagnostics: [] }, { json: false, tables, palette }).stdout;
  assert.match(text, /^<B>trace<\/B> <a>203\.0\.113\.10<\/a> from <a>10\.0\.0\.50<\/a> iif <if>lan0<\/if> /);
  assert.match(text, /\n<B>result:<\/B> <g>forwarded<\/g> via <if>wan2<\/if> gateway <a>198\.51\.100\.1<\/a>/);
  assert.match(text, /<b>dropped<\/b> by rp_filter/);
  assert.match(text, /<g>matched<\/g>: mark set 0x2/);
  assert.match(text, /<d>\s*3<\/d> {2} {4}<d>rule iptables-save:11: .* — no match<\/d>/);
});

test('local packets, unreachable and rejected dispositions, multipath candidates', () => {
  const result: JourneyResult = {
    request: { family: 6, dst: a('2001:db8::1'), fromLocal: true, uid: 1000, mark: 0x10, proto: 17, dport: 53, reply: false },
    outcomes: [
      {
        probability: 1, assumptions: [],
        steps: [{
          kind: 'route', phase: 'output', query: { family: 6, dst: a('2001:db8::1'), mark: 0x10, uid: 1000 },
          answer: { ok: true, route: { type: 'unicast', dst: a('2001:db8::1'), gateway: a('fe80::1'), dev: 'wan1', table: 254, flags: [], cache: [] }, candidates: [{ gateway: a('fe80::1'), dev: 'wan1', weight: 1 }, { dev: 'wan2', weight: 2 }], explain: [] },
        }],
        packet: packet({ family: 6, saddr: a('2001:db8::2'), daddr: a('2001:db8::1'), l4proto: 17 }),
        disposition: { kind: 'unreachable', errno: 'ENETUNREACH', by: 'rule 100 (unreachable)', why: 'x' },
      },
    ],
    diagnostics: [],
  };
  const text = renderTrace(result, { json: false, tables }).stdout;
  assert.match(text, /^trace --from-local 2001:db8::1 mark 0x10 uid 1000 proto udp dport 53\n/);
  assert.match(text, /\n1  route output \(mark 0x10\): 2001:db8::1 via fe80::1 dev wan1\n/);
  assert.match(text, /\n {7}the next hop depends on the multipath hash, whose seed is unknown: one of via fe80::1 dev wan1 weight 1; dev wan2 weight 2\n/);
  assert.match(text, /\nresult: unreachable: Network is unreachable \(ENETUNREACH\) by rule 100 \(unreachable\)\n/);
  const rejected = renderTrace({ ...result, outcomes: [{ ...result.outcomes[0]!, disposition: { kind: 'rejected', by: 'rule handle 3', why: 'y' } }] }, { json: false, tables }).stdout;
  assert.match(rejected, /\nresult: rejected by rule handle 3\nwhy: y\n$/);
  const sent = renderTrace({ ...result, outcomes: [{ ...result.outcomes[0]!, disposition: { kind: 'sent', dev: 'wan1', src: a('2001:db8::2'), why: 'z' } }] }, { json: false, tables }).stdout;
  assert.match(sent, /\nresult: sent via wan1 from 2001:db8::2\n/);
});

test('rule detail: the net mark change, unless an effect already says it', () => {
  const rows: readonly (readonly [string | undefined, ReturnType<typeof marks>, string])[] = [
    ['mark 0x0 → 0x2', marks(0, 2), 'matched: mark 0x0 → 0x2'],
    ['ct mark 0x0 → 0x2', marks(0, 2, 0, 2), 'matched: ct mark 0x0 → 0x2, mark 0x0 → 0x2'],
    ['mark 0x0 → 0x1, mark 0x1 → 0x3', marks(0, 3), 'matched: mark 0x0 → 0x1, mark 0x1 → 0x3, mark 0x0 → 0x3'],
    [undefined, marks(5, 5, 1, 7), 'matched, ct mark 0x1 → 0x7'],
  ];
  for (const [effect, m, detail] of rows) {
    const step: JourneyStep = { kind: 'rule', chain: NFT, rule: { text: 'r' }, result: 'matched', ...(effect !== undefined ? { effect } : {}), ...m };
    const { reply: _reply, ...withoutReply } = forwarded;
    const out = renderTrace({ request, outcomes: [{ ...withoutReply, steps: [step] }], diagnostics: [] }, { json: false, tables }).stdout;
    assert.equal(out.split('\n')[2]?.trim(), detail, effect);
  }
});
