import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dsfieldName, groupName, ipprotoName, protocolId, protocolName, scopeName } from './iproute2-names.ts';

test('numbers to words as iproute2 prints them', () => {
  assert.deepEqual([0, 200, 253, 254, 255, 17].map(scopeName), ['global', 'site', 'link', 'host', 'nowhere', '17']);
  assert.deepEqual([0x00, 0x04, 0x10, 0x20, 0xb8, 0xff].map(dsfieldName), ['default', '0x04', '0x10', 'CS1', 'EF', '0xff']);
  assert.deepEqual([0, 1, 6, 17, 58, 200].map(ipprotoName), ['ip', 'icmp', 'tcp', 'udp', 'ipv6-icmp', 'ipproto-200']);
  assert.deepEqual(['3', 'boot', '4', '250', 'zebra'].map(protocolName), ['boot', 'boot', 'static', '250', 'zebra']);
  assert.deepEqual(['kernel', '2', 'unspec', 'my-daemon'].map(protocolId), [2, 2, 0, undefined]);
  assert.deepEqual([0, 5].map(groupName), ['default', '5']);
});
