import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Family } from '../addr/types.ts';
import type { Policy, PolicyMatch, Uplink, Via } from '../model/intent.ts';
import { at, ip, prefix } from './intent-cases-test-support.ts';
import { matchFamilies, policyFamilies } from './policy-families.ts';

const v4only: Uplink = { name: 'a', interface: 'wan1', gateway: ip('192.0.2.1'), location: at(2, 3) };
const dual: Uplink = { name: 'b', interface: 'wan2', gateway: ip('198.51.100.1'), gateway6: ip('fe80::1'), location: at(3, 3) };
const v6only: Uplink = { name: 'c', interface: 'wan3', gateway6: ip('2001:db8:3::1'), location: at(4, 3) };
const UPLINKS = [v4only, dual, v6only];

const CASES: readonly { readonly name: string; readonly match: PolicyMatch; readonly via: Via; readonly selects: readonly Family[]; readonly routed: readonly Family[] }[] = [
  { name: 'no addresses, a dual uplink', match: { proto: 6 }, via: { kind: 'uplink', uplink: 'b' }, selects: [4, 6], routed: [4, 6] },
  { name: 'no addresses, an IPv4-only uplink', match: { proto: 6 }, via: { kind: 'uplink', uplink: 'a' }, selects: [4, 6], routed: [4] },
  { name: 'IPv6 source', match: { src: [prefix('2001:db8::/32')] }, via: { kind: 'uplink', uplink: 'b' }, selects: [6], routed: [6] },
  { name: 'both families in src', match: { src: [prefix('10.0.0.0/8'), prefix('fd00::/8')] }, via: { kind: 'uplink', uplink: 'b' }, selects: [4, 6], routed: [4, 6] },
  { name: 'addresses under not count', match: { not: { dst: [prefix('10.0.0.0/8')] } }, via: { kind: 'uplink', uplink: 'b' }, selects: [4], routed: [4] },
  { name: 'icmp is IPv4', match: { proto: 1 }, via: { kind: 'uplink', uplink: 'b' }, selects: [4], routed: [4] },
  { name: 'icmpv6 is IPv6', match: { proto: 58 }, via: { kind: 'uplink', uplink: 'b' }, selects: [6], routed: [6] },
  { name: 'balance: the families every uplink carries', match: {}, via: { kind: 'balance', weights: [{ uplink: 'a', weight: 1 }, { uplink: 'b', weight: 1 }] }, selects: [4, 6], routed: [4] },
  { name: 'failover between IPv6-only and dual', match: {}, via: { kind: 'failover', order: ['c', 'b'] }, selects: [4, 6], routed: [6] },
];

for (const c of CASES) {
  test(`policy families: ${c.name}`, () => {
    const policy: Policy = { name: 'p', match: c.match, via: c.via, location: at(5, 5) };
    assert.deepEqual(matchFamilies(c.match), c.selects);
    assert.deepEqual(policyFamilies(policy, UPLINKS), c.routed);
  });
}
