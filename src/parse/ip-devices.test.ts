import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatIp, formatPrefix } from '../addr/ip.ts';
import { parseIpAddrJson } from './ip-addr-json.ts';
import { parseIpLinkJson } from './ip-link-json.ts';
import { parseIpMaddrJson } from './ip-maddr-json.ts';
import { parseIpNeighJson } from './ip-neigh-json.ts';
import { parseIpNexthopJson } from './ip-nexthop-json.ts';

test('link: vrf is an L3 master with its table; group numbers and "default"; master', () => {
  const parsed = parseIpLinkJson(JSON.stringify([
    { ifindex: 8, ifname: 'vrf-blue', flags: ['NOARP', 'MASTER', 'UP', 'LOWER_UP'], mtu: 65575, group: 'default', linkinfo: { info_kind: 'vrf', info_data: { table: 10 } } },
    { ifindex: 9, ifname: 'e1', flags: ['BROADCAST', 'UP'], mtu: 1500, group: '7', master: 'vrf-blue', linkinfo: { info_kind: 'veth', info_slave_kind: 'vrf' } },
    { ifindex: 10, ifname: 'x', flags: [], mtu: 1500, group: '-1' },
  ]));
  assert.deepEqual(parsed.diagnostics, []);
  const [vrf, e1, x] = parsed.value;
  assert.deepEqual([vrf?.l3Master, vrf?.vrfTable, vrf?.kind, vrf?.up, vrf?.carrier], [true, 10, 'vrf', true, true]);
  assert.deepEqual([e1?.l3Master, e1?.master, e1?.group, e1?.carrier], [false, 'vrf-blue', 7, false]);
  assert.equal(x?.group, 0xffffffff);
});

test('link: a group name from /etc/iproute2/group is unknown: warning, group 0', () => {
  const parsed = parseIpLinkJson('[{"ifindex":2,"ifname":"a","flags":[],"mtu":1500,"group":"uplinks"}]');
  assert.equal(parsed.value[0]?.group, 0);
  assert.deepEqual(parsed.diagnostics.map((d) => [d.severity, d.code]), [['warning', 'link-unknown-group']]);
});

test('link: missing ifindex, and a wrong type drops the link', () => {
  const parsed = parseIpLinkJson('[{"ifname":"a"},{"ifindex":3,"ifname":"b","mtu":"1500"}]');
  assert.deepEqual(parsed.value, []);
  assert.deepEqual(parsed.diagnostics.map((d) => [d.code, d.source?.column]), [['link-missing-field', 2], ['json-field-type', 17]]);
});

test('addresses: per-device order, secondary, v6 temporary flag, peer, scope number, other families', () => {
  const parsed = parseIpAddrJson(JSON.stringify([{
    ifindex: 3, ifname: 'b0', addr_info: [
      { family: 'inet', local: '10.9.9.1', address: '10.9.9.2', prefixlen: 32, scope: 'global' },
      { family: 'inet', local: '10.1.0.50', prefixlen: 24, broadcast: '10.1.0.255', scope: 'global', secondary: true, label: 'b0:1' },
      { family: 'inet6', local: '2001:db8::5', prefixlen: 64, scope: '0', temporary: true, dynamic: true, mngtmpaddr: true },
      { family: 'mpls', local: 'x', prefixlen: 0 },
    ],
  }]));
  assert.deepEqual(parsed.diagnostics.map((d) => [d.severity, d.code]), [['info', 'addr-other-family']]);
  const [peer, secondary, temporary] = parsed.value;
  assert.equal(formatPrefix(peer!.peer!), '10.9.9.2/32');
  assert.deepEqual([secondary?.secondary, formatIp(secondary!.broadcast!), secondary?.label, secondary?.order], [true, '10.1.0.255', 'b0:1', 1]);
  assert.deepEqual([temporary?.secondary, temporary?.flags, temporary?.scope, temporary?.order], [false, ['temporary', 'dynamic', 'mngtmpaddr'], 0, 2]);
});

test('addresses: bad ones are errors', () => {
  const parsed = parseIpAddrJson('[{"ifindex":1,"ifname":"lo","addr_info":[{"family":"inet","local":"1.2.3","prefixlen":8},{"family":"inet","local":"1.2.3.4","prefixlen":8,"scope":"galaxy"}]}]');
  assert.deepEqual(parsed.value, []);
  assert.deepEqual(parsed.diagnostics.map((d) => d.code), ['addr-bad-address', 'addr-bad-scope']);
});

test('nexthop objects: groups (weight printed +1, absent = 1), blackhole, fdb, flags', () => {
  const parsed = parseIpNexthopJson(JSON.stringify([
    { id: 1, gateway: '10.0.0.2', dev: 'a0', scope: 'link', flags: ['onlink', 'dead'] },
    { id: 3, group: [{ id: 1, weight: 2 }, { id: 2 }], type: 'resilient', flags: [] },
    { id: 4, blackhole: null, flags: [] },
    { id: 5, gateway: '2001:db8::1', fdb: null, flags: [] },
  ]));
  assert.deepEqual(parsed.diagnostics, []);
  const [one, group, blackhole, fdb] = parsed.value;
  assert.deepEqual([one?.family, one?.onlink, one?.dead, one?.linkdown], [4, true, true, false]);
  assert.deepEqual([group?.group, group?.groupType], [[{ id: 1, weight: 2 }, { id: 2, weight: 1 }], 'resilient']);
  assert.equal(blackhole?.blackhole, true);
  assert.deepEqual([fdb?.family, fdb?.fdb], [6, true]);
});

test('neighbours: proxy entries skipped, states kept', () => {
  const parsed = parseIpNeighJson('[{"dst":"10.0.0.2","dev":"a0","lladdr":"02:00:00:00:00:01","state":["STALE"]},{"dst":"10.0.0.9","dev":"a0","proxy":null},{"dst":"fe80::1","dev":"a0","router":null,"state":["REACHABLE"]},{"dev":"a0"}]');
  assert.deepEqual(parsed.value.map((n) => [formatIp(n.address), n.state]), [['10.0.0.2', ['STALE']], ['fe80::1', ['REACHABLE']]]);
  assert.deepEqual(parsed.diagnostics.map((d) => d.code), ['neigh-bad-entry']);
});

test('multicast: IPv4 and IPv6 groups, link-layer entries skipped', () => {
  const parsed = parseIpMaddrJson('[{"ifindex":2,"ifname":"a0","maddr":[{"link":"01:00:5e:00:00:01"},{"family":"inet","address":"224.0.0.1"},{"family":"inet6","address":"ff02::1"},{"family":"inet","address":"ff02::1"}]}]');
  assert.deepEqual(parsed.value.map((m) => [m.dev, formatIp(m.group)]), [['a0', '224.0.0.1'], ['a0', 'ff02::1']]);
  assert.deepEqual(parsed.diagnostics.map((d) => d.code), ['maddr-bad-address']);
});
