import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Sysctls } from './sysctl.ts';

const read = (values: Record<string, string>) => new Sysctls(new Map(Object.entries(values)));

test('combination rules of all and the device (spec §10)', () => {
  const cases: readonly (readonly [string, Record<string, string>, (s: Sysctls) => number | boolean, number | boolean])[] = [
    ['rp_filter = max', { 'net/ipv4/conf/all/rp_filter': '2', 'net/ipv4/conf/eth0/rp_filter': '1' }, (s) => s.rpFilter('eth0'), 2],
    ['rp_filter = max (dev)', { 'net/ipv4/conf/all/rp_filter': '1', 'net/ipv4/conf/eth0/rp_filter': '2' }, (s) => s.rpFilter('eth0'), 2],
    ['forwarding = device only', { 'net/ipv4/conf/all/forwarding': '1', 'net/ipv4/conf/eth0/forwarding': '0' }, (s) => s.forwarding('eth0'), false],
    ['accept_local = or', { 'net/ipv4/conf/all/accept_local': '1', 'net/ipv4/conf/eth0/accept_local': '0' }, (s) => s.acceptLocal('eth0'), true],
    ['route_localnet = or (dev)', { 'net/ipv4/conf/eth0/route_localnet': '1' }, (s) => s.routeLocalnet('eth0'), true],
    ['bc_forwarding = and', { 'net/ipv4/conf/all/bc_forwarding': '1', 'net/ipv4/conf/eth0/bc_forwarding': '0' }, (s) => s.bcForwarding('eth0'), false],
    ['bc_forwarding = and (both)', { 'net/ipv4/conf/all/bc_forwarding': '1', 'net/ipv4/conf/eth0/bc_forwarding': '1' }, (s) => s.bcForwarding('eth0'), true],
    ['send_redirects defaults to 1', {}, (s) => s.sendRedirects('eth0'), true],
    ['send_redirects = or: both off', { 'net/ipv4/conf/all/send_redirects': '0', 'net/ipv4/conf/eth0/send_redirects': '0' }, (s) => s.sendRedirects('eth0'), false],
    ['a device without its own value takes default', { 'net/ipv4/conf/default/rp_filter': '1' }, (s) => s.rpFilter('eth9'), 1],
    ['ignore_routes_with_linkdown = or', { 'net/ipv4/conf/all/ignore_routes_with_linkdown': '1' }, (s) => s.ignoreRoutesWithLinkdown('eth0'), true],
    ['src_valid_mark default off', {}, (s) => s.srcValidMark('eth0'), false],
    ['hash seed default 0', {}, (s) => s.netns('net/ipv4/fib_multipath_hash_seed'), 0],
    ['hash fields default 7', {}, (s) => s.netns('net/ipv4/fib_multipath_hash_fields'), 7],
    ['hex values', { 'net/ipv4/fib_multipath_hash_fields': '0x0037' }, (s) => s.netns('net/ipv4/fib_multipath_hash_fields'), 0x37],
    ['unreadable value falls back to the default', { 'net/ipv4/fib_multipath_hash_policy': 'x' }, (s) => s.netns('net/ipv4/fib_multipath_hash_policy'), 0],
    ['ipv6 forwarding', { 'net/ipv6/conf/all/forwarding': '1' }, (s) => s.ipv6Conf('eth0', 'forwarding', 'or'), 1],
    ['use_tempaddr = device only', { 'net/ipv6/conf/all/use_tempaddr': '2', 'net/ipv6/conf/eth0/use_tempaddr': '0' }, (s) => s.useTempaddr('eth0'), 0],
    ['use_tempaddr from default, -1 kept', { 'net/ipv6/conf/default/use_tempaddr': '-1' }, (s) => s.useTempaddr('eth0'), -1],
    ['use_tempaddr compiled default', {}, (s) => s.useTempaddr('eth0'), 0],
    ['optimistic: optimistic_dad (all) and use_optimistic (dev)', { 'net/ipv6/conf/all/optimistic_dad': '1', 'net/ipv6/conf/eth0/use_optimistic': '1' }, (s) => s.useOptimistic('eth0'), true],
    ['optimistic: optimistic_dad alone is not enough', { 'net/ipv6/conf/eth0/optimistic_dad': '1' }, (s) => s.useOptimistic('eth0'), false],
    ['optimistic: both on the device', { 'net/ipv6/conf/eth0/optimistic_dad': '1', 'net/ipv6/conf/eth0/use_optimistic': '1' }, (s) => s.useOptimistic('eth0'), true],
  ];
  for (const [name, values, get, want] of cases) assert.equal(get(read(values)), want, name);
});
