import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIp } from '../addr/address.ts';
import type { TraceRequest } from '../model/journey.ts';
import { UsageError } from '../model/errors.ts';
import { BUILTIN_SERVICES, indexServices } from '../model/services.ts';
import { parseTraceArgs, traceTakesValue, type TraceArgContext } from './trace-args.ts';

const services = indexServices(BUILTIN_SERVICES);
const a = (text: string) => parseIp(text, 'strict')!;

function ctx(extra: Partial<TraceArgContext> = {}): TraceArgContext {
  return { fromLocal: false, reply: false, services, ...extra };
}

function parse(line: string, extra: Partial<TraceArgContext> = {}): TraceRequest {
  const parsed = parseTraceArgs(line.split(' '), ctx(extra));
  assert.equal(parsed.kind, 'request', line);
  return (parsed as { request: TraceRequest }).request;
}

test('received and locally generated packets, with route get selectors and names', () => {
  const rows: readonly (readonly [string, Partial<TraceArgContext>, TraceRequest])[] = [
    [
      '203.0.113.10 from 10.0.0.50 iif lan0 proto tcp dport ssh',
      {},
      { family: 4, dst: a('203.0.113.10'), src: a('10.0.0.50'), iif: 'lan0', fromLocal: false, proto: 6, dport: 22, reply: false },
    ],
    [
      'to 203.0.113.10 from 10.0.0.50 iif lan0 ipproto udp sport 5353 dport domain mark 0x10 dsfield AF11',
      { reply: true },
      { family: 4, dst: a('203.0.113.10'), src: a('10.0.0.50'), iif: 'lan0', fromLocal: false, mark: 16, tos: 0x28, proto: 17, sport: 5353, dport: 53, reply: true },
    ],
    // a port without a protocol is tcp; abbreviations as ip accepts them
    ['198.51.100.7 f 10.1 i a0 dp 0x50', {}, { family: 4, dst: a('198.51.100.7'), src: a('10.1.0.0'), iif: 'a0', fromLocal: false, proto: 6, dport: 80, reply: false }],
    // nothing about the protocol: an icmp echo-request
    ['192.0.2.1', { fromLocal: true }, { family: 4, dst: a('192.0.2.1'), fromLocal: true, proto: 1, icmpType: 8, reply: false }],
    ['2001:db8::1', { fromLocal: true }, { family: 6, dst: a('2001:db8::1'), fromLocal: true, proto: 58, icmpType: 128, reply: false }],
    // `proto icmp` of an IPv6 packet is ICMPv6
    ['2001:db8::1 proto icmp icmp-type echo-reply', { fromLocal: true }, { family: 6, dst: a('2001:db8::1'), fromLocal: true, proto: 58, icmpType: 129, reply: false }],
    ['192.0.2.1 proto 1 icmp-type 3', { fromLocal: true }, { family: 4, dst: a('192.0.2.1'), fromLocal: true, proto: 1, icmpType: 3, reply: false }],
    [
      '192.0.2.1 oif wan2 mark 7 proto sctp sport 1 dport 2',
      { fromLocal: true, uid: '1000', gid: '0x64' },
      { family: 4, dst: a('192.0.2.1'), fromLocal: true, oif: 'wan2', mark: 7, uid: 1000, gid: 100, proto: 132, sport: 1, dport: 2, reply: false },
    ],
    ['192.0.2.1 uid 33 gid 44 proto 47', { fromLocal: true }, { family: 4, dst: a('192.0.2.1'), fromLocal: true, uid: 33, gid: 44, proto: 47, reply: false }],
    ['192.0.2.1 from 192.0.2.2 proto udp dport https', { fromLocal: true }, { family: 4, dst: a('192.0.2.1'), src: a('192.0.2.2'), fromLocal: true, proto: 17, dport: 443, reply: false }],
  ];
  for (const [line, extra, expected] of rows) assert.deepEqual(parse(line, extra), expected, line);
});

test('bad arguments: a usage error that names the problem', () => {
  const rows: readonly (readonly [string, Partial<TraceArgContext>, RegExp])[] = [
    ['203.0.113.10 from 10.0.0.50', {}, /^where does the packet come from\? give iif DEV/],
    ['203.0.113.10 iif lan0', { fromLocal: true }, /^--from-local and iif exclude each other$/],
    ['203.0.113.10 iif lan0', {}, /^a packet received on lan0 needs its source address$/],
    ['203.0.113.10 from 10.0.0.1 iif lan0 oif wan1', {}, /^oif describes the sending socket/],
    ['203.0.113.10 from 10.0.0.1 iif lan0', { uid: '0' }, /^uid describes the sending socket/],
    ['203.0.113.10 from 10.0.0.1 iif lan0 gid 5', {}, /^gid describes the sending socket/],
    ['from 10.0.0.1', { fromLocal: true }, /^pbr trace needs a destination address$/],
    ['10.0.0.1 10.0.0.2', { fromLocal: true }, /^a second destination "10\.0\.0\.2"$/],
    ['10.0.0.300', { fromLocal: true }, /^invalid address "10\.0\.0\.300"$/],
    ['10.0.0.0/24', { fromLocal: true }, /^"10\.0\.0\.0\/24" is a prefix$/],
    ['default', { fromLocal: true }, /^invalid address "default"$/],
    ['2001:db8::1', { fromLocal: true, family: 4 }, /^"2001:db8::1" is not an IPv4 address$/],
    ['10.0.0.1 from 2001:db8::1', { fromLocal: true }, /^"2001:db8::1" is not an IPv4 address$/],
    ['10.0.0.1 dport nosuch', { fromLocal: true }, /^unknown service "nosuch" for dport$/],
    ['10.0.0.1 sport 65536', { fromLocal: true }, /^invalid sport "65536"$/],
    ['10.0.0.1 proto icmp dport 22', { fromLocal: true }, /^icmp has no ports$/],
    ['10.0.0.1 proto tcp icmp-type 8', { fromLocal: true }, /^icmp-type needs an icmp packet, not tcp$/],
    ['10.0.0.1 icmp-type echo', { fromLocal: true }, /^invalid icmp-type "echo"$/],
    ['10.0.0.1 proto nosuch', { fromLocal: true }, /^invalid protocol "nosuch"$/],
    ['10.0.0.1 mark 0x100000000', { fromLocal: true }, /^invalid mark "0x100000000"$/],
    ['10.0.0.1 tos zz', { fromLocal: true }, /^invalid tos "zz"$/],
    ['10.0.0.1', { fromLocal: true, uid: 'root' }, /^invalid uid "root"$/],
    ['10.0.0.1 dport', { fromLocal: true }, /^"dport" needs a value$/],
    ['10.0.0.1 fibmatch', { fromLocal: true }, /^"fibmatch" is not supported by pbr trace$/],
    ['10.0.0.1 vrf blue', { fromLocal: true }, /^"vrf" is not supported by pbr trace$/],
  ];
  for (const [line, extra, message] of rows) {
    assert.throws(() => parseTraceArgs(line.split(' '), ctx(extra)), (err: unknown) => err instanceof UsageError && message.test(err.message), line);
  }
});

test('help, and which words take a value', () => {
  assert.deepEqual(parseTraceArgs(['help'], ctx()), { kind: 'help' });
  assert.deepEqual(parseTraceArgs(['10.0.0.1', 'from', 'help'], ctx()), { kind: 'help' });
  for (const [word, takes] of [['mark', true], ['dport', true], ['icmp-type', true], ['proto', true], ['gid', true], ['to', true], ['fibmatch', false], ['10.0.0.1', false]] as const) {
    assert.equal(traceTakesValue(word), takes, word);
  }
});
