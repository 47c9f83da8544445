import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderNftRule, renderNftStatement } from './nft-render.ts';

const meta = (key: string): unknown => ({ meta: { key } });
const payload = (protocol: string, field: string): unknown => ({ payload: { protocol, field } });

// statements as nft 1.0.6 prints them in JSON → nft syntax
const STATEMENTS: readonly (readonly [unknown, string])[] = [
  [{ match: { op: '==', left: payload('ip', 'saddr'), right: '@nets4' } }, 'ip saddr @nets4'],
  [{ match: { op: '!=', left: payload('ip', 'saddr'), right: { prefix: { addr: '10.0.0.0', len: 8 } } } }, 'ip saddr != 10.0.0.0/8'],
  [{ match: { op: 'in', left: { ct: { key: 'state' } }, right: ['established', 'related'] } }, 'ct state established,related'],
  [{ match: { op: '==', left: { ct: { key: 'ip saddr', dir: 'original' } }, right: '10.0.0.1' } }, 'ct original ip saddr 10.0.0.1'],
  [{ match: { op: '==', left: meta('iifname'), right: { set: ['eth0', 'eth1'] } } }, 'iifname { eth0, eth1 }'],
  [{ match: { op: '==', left: meta('iifname'), right: 'wan*' } }, 'iifname "wan*"'],
  [{ match: { op: '==', left: { concat: [payload('ip', 'saddr'), payload('tcp', 'dport')] }, right: { set: [{ concat: ['10.0.0.1', 22] }] } } }, 'ip saddr . tcp dport { 10.0.0.1 . 22 }'],
  [{ match: { op: '==', left: { '&': [meta('mark'), 65280] }, right: 256 } }, 'meta mark & 0x0000ff00 == 0x00000100'],
  [{ match: { op: '==', left: payload('udp', 'dport'), right: { set: [53, { range: [6000, 6100] }] } } }, 'udp dport { 53, 6000-6100 }'],
  [{ mangle: { key: meta('mark'), value: { '|': [{ '&': [meta('mark'), 65281] }, 1] } } }, 'meta mark set meta mark & 0x0000ff01 | 0x00000001'],
  [{ mangle: { key: meta('mark'), value: { map: { key: { numgen: { mode: 'random', mod: 4, offset: 0 } }, data: { set: [[{ range: [0, 2] }, 1], [3, 2]] } } } } }, 'meta mark set numgen random mod 4 map { 0-2 : 1, 3 : 2 }'],
  [{ mangle: { key: meta('mark'), value: { symhash: { mod: 2 } } } }, 'meta mark set symhash mod 2'],
  [{ vmap: { key: payload('tcp', 'dport'), data: { set: [[22, { accept: null }], [24, { jump: { target: 'x' } }]] } } }, 'tcp dport vmap { 22 : accept, 24 : jump x }'],
  [{ dnat: { family: 'ip', addr: { range: ['10.0.0.2', '10.0.0.5'] }, port: { range: [80, 90] } } }, 'dnat ip to 10.0.0.2-10.0.0.5:80-90'],
  [{ dnat: { family: 'ip6', addr: '2001:db8::2', port: 80 } }, 'dnat ip6 to [2001:db8::2]:80'],
  [{ masquerade: { port: { range: [1024, 2000] }, flags: 'random' } }, 'masquerade to :1024-2000 random'],
  [{ masquerade: null }, 'masquerade'],
  [{ reject: { type: 'icmpx', expr: 'admin-prohibited' } }, 'reject with icmpx admin-prohibited'],
  [{ reject: null }, 'reject'],
  [{ log: { prefix: 'new: ', level: 'info' } }, 'log prefix "new: " level info'],
  [{ counter: { packets: 3, bytes: 180 } }, 'counter'],
  [{ queue: { num: 3, flags: ['bypass'] } }, 'queue num 3 bypass'],
  [{ goto: { target: 'from_lan' } }, 'goto from_lan'],
  [{ xt: { type: 'target', name: 'CONNMARK' } }, 'xt target CONNMARK'],
  [{ set: { op: 'add', elem: { elem: { val: payload('ip', 'saddr'), timeout: 30 } }, set: '@blackhole' } }, 'add @blackhole { ip saddr timeout 30s }'],
  [{ match: { op: '==', left: { fib: { result: 'oif', flags: ['saddr', 'iif'] } }, right: false } }, 'fib saddr . iif oif missing'],
  [{ nosuch: { a: 1 } }, 'nosuch {"a":1}'],
];

test('renderNftStatement: nft syntax from nft JSON', () => {
  for (const [json, text] of STATEMENTS) assert.equal(renderNftStatement(json), text, JSON.stringify(json));
});

test('renderNftRule: statements in order, then the comment', () => {
  assert.equal(renderNftRule([{ match: { op: '==', left: payload('tcp', 'dport'), right: 22 } }, { accept: null }], 'ssh'), 'tcp dport 22 accept comment "ssh"');
  assert.equal(renderNftRule([{ jump: { target: 'x' } }]), 'jump x');
});
