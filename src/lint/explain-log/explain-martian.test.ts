import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ip4, Ipv4StateBuilder } from '../../engine/ipv4/test-support.ts';
import type { NetworkState } from '../../model/network-state.ts';
import { baseRouter } from '../lint-test-support.ts';
import { explainMartian, type MartianPacket } from './explain-martian.ts';

/** The lab's router: table 200 default via wan2 for fwmark 1, forwarding on, strict rp_filter unless said. */
function router(extra: (b: Ipv4StateBuilder) => Ipv4StateBuilder = (b) => b): NetworkState {
  const b = baseRouter()
    .rule({ priority: 1000, fwmark: 1, fwmask: 0xffffffff, table: 200 })
    .route({ dst: '0.0.0.0/0', via: '198.51.100.1', dev: 'wan2', table: 200 })
    .route({ dst: '10.0.0.0/24', dev: 'lan0', table: 200 })
    .sysctl('net.ipv4.ip_forward', 1)
    .sysctl('net.ipv4.conf.all.forwarding', 1)
    .sysctl('net.ipv4.conf.lan0.forwarding', 1)
    .sysctl('net.ipv4.conf.wan1.forwarding', 1)
    .sysctl('net.ipv4.conf.wan2.forwarding', 1)
    .sysctl('net.ipv4.conf.all.rp_filter', 1);
  return extra(b).build();
}

const source = (src: string, dst: string, dev = 'wan2'): MartianPacket => ({ kind: 'source', src: ip4(src), dst: ip4(dst), dev });

const cases: readonly { name: string; state: () => NetworkState; pkt: MartianPacket; verdict: string; check: string; fixes: readonly string[] }[] = [
  {
    name: 'a forwarded reply on wan2, reverse lookup by main via wan1',
    state: () => router(),
    pkt: source('203.0.113.10', '10.0.0.2'),
    verdict: 'fixable',
    check: 'rp_filter strict',
    fixes: ['sysctl -w net.ipv4.conf.wan2.rp_filter=2', 'sysctl -w net.ipv4.conf.wan2.src_valid_mark=1', 'ip route add 203.0.113.10 via 198.51.100.1 dev wan2 table main'],
  },
  {
    name: 'a restored mark would send the reply back out of wan2 (table 200 has no LAN route): no src_valid_mark fix',
    state: () =>
      baseRouter()
        .rule({ priority: 1000, fwmark: 1, fwmask: 0xffffffff, table: 200 })
        .route({ dst: '0.0.0.0/0', via: '198.51.100.1', dev: 'wan2', table: 200 })
        .sysctl('net.ipv4.conf.all.forwarding', 1)
        .sysctl('net.ipv4.conf.wan2.forwarding', 1)
        .sysctl('net.ipv4.conf.all.rp_filter', 1)
        .build(),
    pkt: source('203.0.113.10', '10.0.0.2'),
    verdict: 'fixable',
    check: 'rp_filter strict',
    fixes: ['sysctl -w net.ipv4.conf.wan2.rp_filter=2', 'ip route add 203.0.113.10 via 198.51.100.1 dev wan2 table main'],
  },
  { name: 'the same reply with loose rp_filter is accepted', state: () => router((b) => b.sysctl('net.ipv4.conf.wan2.rp_filter', 2)), pkt: source('203.0.113.10', '10.0.0.2'), verdict: 'accepted', check: 'none on this state', fixes: [] },
  {
    name: 'without a fwmark rule there is no src_valid_mark fix',
    state: () => baseRouter().route({ dst: '203.0.113.0/24', via: '198.51.100.1', dev: 'wan2', table: 200 }).sysctl('net.ipv4.conf.all.rp_filter', 1).build(),
    pkt: source('203.0.113.10', '198.51.100.2'),
    verdict: 'fixable',
    check: 'rp_filter strict',
    fixes: ['sysctl -w net.ipv4.conf.wan2.rp_filter=2', 'ip route add 203.0.113.10 via 198.51.100.1 dev wan2 table main'],
  },
  {
    name: 'loose rp_filter with no route back at all: only a route helps',
    state: () =>
      new Ipv4StateBuilder().device('lan0').device('wan2').address('lan0', '10.0.0.1/24').address('wan2', '198.51.100.2/24').sysctl('net.ipv4.conf.all.rp_filter', 2).build(),
    pkt: source('203.0.113.10', '198.51.100.2'),
    verdict: 'fixable',
    check: 'rp_filter loose',
    fixes: ['ip route add 203.0.113.10 dev wan2 table main'],
  },
  { name: 'loopback source', state: () => router(), pkt: source('127.0.0.9', '10.0.0.2'), verdict: 'genuine', check: 'martian source: loopback source', fixes: [] },
  { name: '0.0.0.0/8 source', state: () => router(), pkt: source('0.1.2.3', '198.51.100.2'), verdict: 'genuine', check: 'martian source: 0.0.0.0/8', fixes: [] },
  { name: 'multicast source', state: () => router(), pkt: source('224.0.0.5', '198.51.100.2'), verdict: 'genuine', check: 'martian source: multicast/broadcast source', fixes: [] },
  { name: 'our own address as source', state: () => router(), pkt: source('10.0.0.1', '198.51.100.2'), verdict: 'genuine', check: 'martian source: own address', fixes: [] },
  { name: 'a private source on the Internet uplink', state: () => router(), pkt: source('192.168.1.20', '198.51.100.2'), verdict: 'genuine', check: 'rp_filter: private source on an uplink', fixes: [] },
  {
    name: 'a private source routed out of that interface is fixable',
    state: () => router((b) => b.route({ dst: '192.168.1.0/24', via: '198.51.100.1', dev: 'wan2', table: 200 })),
    pkt: source('192.168.1.20', '198.51.100.2'),
    verdict: 'fixable',
    check: 'rp_filter strict',
    fixes: ['sysctl -w net.ipv4.conf.wan2.rp_filter=2', 'sysctl -w net.ipv4.conf.wan2.src_valid_mark=1', 'ip route add 192.168.1.20 via 198.51.100.1 dev wan2 table main'],
  },
  { name: 'a device this state does not have', state: () => router(), pkt: source('203.0.113.10', '10.0.0.2', 'eth9'), verdict: 'unknown-device', check: 'unknown', fixes: [] },
  {
    name: 'martian destination 127.0.0.1',
    state: () => router(),
    pkt: { kind: 'destination', src: ip4('10.0.0.2'), dst: ip4('127.0.0.1'), dev: 'lan0' },
    verdict: 'genuine',
    check: 'martian destination: loopback destination',
    fixes: [],
  },
  {
    name: 'martian destination 0.0.0.0',
    state: () => router(),
    pkt: { kind: 'destination', src: ip4('10.0.0.2'), dst: ip4('0.0.0.0'), dev: 'lan0' },
    verdict: 'genuine',
    check: 'martian destination: 0.0.0.0',
    fixes: [],
  },
];

for (const c of cases) {
  test(`explainMartian: ${c.name}`, () => {
    const why = explainMartian(c.state(), c.pkt);
    assert.deepEqual({ verdict: why.verdict, check: why.check, fixes: why.fixes.map((f) => f.commands[0]) }, { verdict: c.verdict, check: c.check, fixes: c.fixes });
  });
}

test('explainMartian: the reason and the reverse path name the rule, the table and the route', () => {
  const why = explainMartian(router(), source('203.0.113.10', '10.0.0.2'));
  assert.equal(
    why.reason,
    'rp_filter is strict on wan2 and the route back to 203.0.113.10 leaves by wan1, not wan2: the reverse lookup (to 203.0.113.10 from 10.0.0.2 iif lan0) used rule 32766 → table main: default via 192.0.2.1 dev wan1',
  );
  assert.deepEqual(why.reversePath, {
    forward: { kind: 'forward', dev: 'lan0' },
    reverseIif: 'lan0',
    reverseMark: 0,
    rule: { pref: 32766, table: 254, tableName: 'main' },
    route: { text: 'default via 192.0.2.1 dev wan1', devs: ['wan1'] },
    usesInputDev: false,
  });
  assert.equal(why.rpFilter, 1);
});

test('explainMartian: the reverse lookup sees the mark with src_valid_mark', () => {
  const state = router((b) => b.sysctl('net.ipv4.conf.wan2.src_valid_mark', 1));
  const why = explainMartian(state, source('203.0.113.10', '10.0.0.2'));
  assert.deepEqual(why.fixes.map((f) => f.commands[0]), ['sysctl -w net.ipv4.conf.wan2.rp_filter=2', 'ip route add 203.0.113.10 via 198.51.100.1 dev wan2 table main']);
});
