import { test } from 'node:test';
import assert from 'node:assert/strict';
import { baseRouter } from '../lint-test-support.ts';
import type { Ipv4StateBuilder } from '../../engine/ipv4/test-support.ts';
import { assessSysctls, uplinkDevices, type SysctlResult } from './sysctls.ts';

/** lan0, wan1 (main default) and wan2 (default in table 100). */
function twoUplinks(): Ipv4StateBuilder {
  return baseRouter().route({ dst: '0.0.0.0/0', via: '198.51.100.1', dev: 'wan2', table: 100 });
}

function item(results: readonly SysctlResult[], name: string): SysctlResult {
  const found = results.find((r) => r.name === name);
  assert.ok(found, `${name} in ${results.map((r) => r.name).join(', ')}`);
  return found;
}

test('uplinkDevices: devices of default routes and routes with a gateway, any table', () => {
  assert.deepEqual(uplinkDevices(baseRouter().build()), ['wan1']);
  assert.deepEqual(uplinkDevices(twoUplinks().build()), ['wan1', 'wan2']);
  assert.deepEqual(uplinkDevices(twoUplinks().build(), 6), []);
});

const cases: readonly { name: string; state: () => Ipv4StateBuilder; item: string; value: RegExp; note: boolean }[] = [
  { name: 'strict rp_filter by all=1 with two uplinks', state: () => twoUplinks().sysctl('net.ipv4.conf.all.rp_filter', 1), item: 'net.ipv4.conf.wan2.rp_filter', value: /^1 \(strict; all=1, wan2=0: max\)$/, note: true },
  { name: 'loose rp_filter with two uplinks', state: () => twoUplinks().sysctl('net.ipv4.conf.all.rp_filter', 2), item: 'net.ipv4.conf.wan2.rp_filter', value: /^2 \(loose/, note: false },
  { name: 'strict rp_filter with one uplink', state: () => baseRouter().sysctl('net.ipv4.conf.wan1.rp_filter', 1), item: 'net.ipv4.conf.wan1.rp_filter', value: /^1 \(strict; all=0, wan1=1: max\)$/, note: false },
  { name: 'src_valid_mark off with fwmark rules and rp_filter', state: () => twoUplinks().sysctl('net.ipv4.conf.all.rp_filter', 2).rule({ priority: 100, fwmark: 2, fwmask: 0xffffffff, table: 100 }), item: 'net.ipv4.conf.*.src_valid_mark', value: /^0 /, note: true },
  { name: 'src_valid_mark on for the device', state: () => twoUplinks().sysctl('net.ipv4.conf.all.rp_filter', 2).sysctl('net.ipv4.conf.all.src_valid_mark', 1).rule({ priority: 100, fwmark: 2, fwmask: 0xffffffff, table: 100 }), item: 'net.ipv4.conf.*.src_valid_mark', value: /^1 /, note: false },
  { name: 'src_valid_mark off without fwmark rules', state: () => twoUplinks().sysctl('net.ipv4.conf.all.rp_filter', 2), item: 'net.ipv4.conf.*.src_valid_mark', value: /^0 /, note: false },
  { name: 'log_martians off with rp_filter on', state: () => twoUplinks().sysctl('net.ipv4.conf.wan2.rp_filter', 2), item: 'net.ipv4.conf.*.log_martians', value: /^0 \(all=0, wan1=0, wan2=0: or\)$/, note: true },
  { name: 'log_martians on for one device', state: () => twoUplinks().sysctl('net.ipv4.conf.wan2.rp_filter', 2).sysctl('net.ipv4.conf.wan2.log_martians', 1), item: 'net.ipv4.conf.*.log_martians', value: /wan2=1/, note: false },
  { name: 'fwmark_reflect off with IPv4 fwmark rules', state: () => twoUplinks().rule({ priority: 100, fwmark: 2, fwmask: 0xffffffff, table: 100 }), item: 'net.ipv4.fwmark_reflect', value: /^0$/, note: true },
  { name: 'fwmark_reflect on', state: () => twoUplinks().rule({ priority: 100, fwmark: 2, fwmask: 0xffffffff, table: 100 }).sysctl('net.ipv4.fwmark_reflect', 1), item: 'net.ipv4.fwmark_reflect', value: /^1$/, note: false },
  { name: 'IPv6 fwmark_reflect without IPv6 fwmark rules', state: () => twoUplinks().rule({ priority: 100, fwmark: 2, fwmask: 0xffffffff, table: 100 }), item: 'net.ipv6.fwmark_reflect', value: /^0$/, note: false },
  { name: 'no hash seed with a multipath route', state: () => baseRouter().route({ dst: '203.0.113.0/24', nexthops: [['192.0.2.1', 'wan1'], ['198.51.100.1', 'wan2']] }).sysctl('net.ipv4.fib_multipath_hash_seed', 0), item: 'net.ipv4.fib_multipath_hash_seed', value: /^0$/, note: true },
  { name: 'a hash seed with a multipath route', state: () => baseRouter().route({ dst: '203.0.113.0/24', nexthops: [['192.0.2.1', 'wan1'], ['198.51.100.1', 'wan2']] }).sysctl('net.ipv4.fib_multipath_hash_seed', 7), item: 'net.ipv4.fib_multipath_hash_seed', value: /^7$/, note: false },
  { name: 'routes over dead links kept with two uplinks', state: () => twoUplinks(), item: 'net.ipv4.conf.*.ignore_routes_with_linkdown', value: /^0 \(all=0, wan1=0, wan2=0: or\)$/, note: true },
  { name: 'routes over dead links ignored', state: () => twoUplinks().sysctl('net.ipv4.conf.all.ignore_routes_with_linkdown', 1), item: 'net.ipv4.conf.*.ignore_routes_with_linkdown', value: /^1 /, note: false },
  { name: 'forwarding', state: () => baseRouter().sysctl('net.ipv4.ip_forward', 1), item: 'net.ipv4.ip_forward', value: /^1$/, note: false },
];

for (const c of cases) {
  test(`assessSysctls: ${c.name}`, () => {
    const result = item(assessSysctls(c.state().build()), c.item);
    assert.match(result.value, c.value);
    assert.equal(result.status, c.note ? 'note' : 'ok');
    if (c.note) assert.match(result.hint ?? '', /sysctl -w net\./);
    else assert.equal(result.hint, undefined);
  });
}

test('the rp_filter fix lowers all only when all makes the device strict', () => {
  const byAll = item(assessSysctls(twoUplinks().sysctl('net.ipv4.conf.all.rp_filter', 1).build()), 'net.ipv4.conf.wan1.rp_filter');
  assert.match(byAll.hint ?? '', /sysctl -w net\.ipv4\.conf\.all\.rp_filter=2 net\.ipv4\.conf\.wan1\.rp_filter=2/);
  const byDev = item(assessSysctls(twoUplinks().sysctl('net.ipv4.conf.wan1.rp_filter', 1).build()), 'net.ipv4.conf.wan1.rp_filter');
  assert.match(byDev.hint ?? '', /sysctl -w net\.ipv4\.conf\.wan1\.rp_filter=2 /);
});
