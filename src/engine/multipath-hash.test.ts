import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeIpv4 } from '../addr/ipv4.ts';
import { makeIpv6 } from '../addr/ipv6.ts';
import { buildFlowKeyBytes, computeMultipathHash, computeUpperBounds, siphash24 } from './multipath-hash.ts';

test('siphash24 matches the SipHash-2-4 reference vectors (key 00..0f, message 00..n-1)', () => {
  const k0 = 0x0706050403020100n;
  const k1 = 0x0f0e0d0c0b0a0908n;
  const vectors: readonly (readonly [number, bigint])[] = [
    [0, 0x726fdb47dd0e0e31n],
    [1, 0x74f839c593dc67fdn],
    [7, 0xab0200f58b01d137n],
    [8, 0x93f5f5799a932462n],
    [15, 0xa129ca6149be45e5n],
    [63, 0x958a324ceb064572n],
  ];
  for (const [n, want] of vectors) {
    assert.equal(siphash24(k0, k1, Uint8Array.from({ length: n }, (_, i) => i)), want, `length ${n}`);
  }
});

const v4 = (s: string) => makeIpv4(s.split('.').reduce((a, b) => a * 256 + Number(b), 0));

test('flow key layout: 48 bytes for IPv4, addresses and ports sorted as the kernel compares them', () => {
  const keys = { src: v4('10.0.0.1'), dst: v4('192.0.2.1'), proto: 6, sport: 1000, dport: 80, flowlabel: 0 };
  const b = buildFlowKeyBytes(keys);
  assert.equal(b.length, 48);
  assert.equal(b[2], 6);
  // ports compare as le16 of their network-order bytes: dport 80 (0x5000) < sport 1000 (0xe803), so they swap
  assert.deepEqual([...b.slice(28, 32)], [0x00, 0x50, 0x03, 0xe8]);
  // addresses compare as le32: dst 192.0.2.1 (0x010200c0) is not below src 10.0.0.1 (0x0100000a), no swap
  assert.deepEqual([...b.slice(36, 44)], [10, 0, 0, 1, 192, 0, 2, 1]);
  assert.deepEqual([...b.slice(44)], [0, 0, 0, 0]);
  const six = buildFlowKeyBytes({ src: makeIpv6(2n), dst: makeIpv6(1n), proto: 0, sport: 0, dport: 0, flowlabel: 0x12345 });
  assert.equal(six.length, 72);
  assert.deepEqual([...six.slice(4, 8)], [0x00, 0x01, 0x23, 0x45]);
  // memcmp(dst, src) < 0 swaps: ::1 becomes the source
  assert.equal(six[51], 1);
  assert.equal(six[67], 2);
});

test('upper bounds are cumulative and rounded as fib_rebalance does; dead next hops get -1', () => {
  assert.deepEqual(computeUpperBounds([1, 1], [true, true]), [1073741823, 2147483647]);
  assert.deepEqual(computeUpperBounds([3, 1, 2], [true, true, true]), [1073741823, 1431655764, 2147483647]);
  assert.deepEqual(computeUpperBounds([1, 2], [false, true]), [-1, 2147483647]);
  assert.deepEqual(computeUpperBounds([1, 2], [false, false]), [-1, -1]);
});

// kernel 6.18: `ip route get 192.0.2.N` with net.ipv4.fib_multipath_hash_seed set, recorded next hop index per N = 1..24
const bounds11 = computeUpperBounds([1, 1], [true, true]);
const bounds312 = computeUpperBounds([3, 1, 2], [true, true, true]);
const recorded: readonly {
  readonly name: string;
  readonly seed: number;
  readonly ubs: readonly number[];
  readonly keys: (n: number) => { src: string; proto: number; sport: number; dport: number };
  /** chosen next hop per destination, as device digits of the namespace (2 → first, 4 → second, 0 → third) */
  readonly devs: string;
  readonly order: string;
}[] = [
  { name: 'seed 12345 policy 0, no from', seed: 12345, ubs: bounds11, keys: () => ({ src: '0.0.0.0', proto: 0, sport: 0, dport: 0 }), devs: '442442424244224444222242', order: '24' },
  { name: 'seed 12345 policy 0, from 10.0.0.1', seed: 12345, ubs: bounds11, keys: () => ({ src: '10.0.0.1', proto: 0, sport: 0, dport: 0 }), devs: '424442222244444224242442', order: '24' },
  {
    name: 'seed 12345 policy 1, tcp sport 1000+N dport 443',
    seed: 12345,
    ubs: bounds11,
    keys: (n) => ({ src: '0.0.0.0', proto: 6, sport: 1000 + n, dport: 443 }),
    devs: '222224442422224444442244',
    order: '24',
  },
  { name: 'seed 777 weights 3:1:2, no from', seed: 777, ubs: bounds312, keys: () => ({ src: '0.0.0.0', proto: 0, sport: 0, dport: 0 }), devs: '220400002222220244022242', order: '240' },
  {
    name: 'seed 777 weights 3:1:2, input path from 10.2.0.9',
    seed: 777,
    ubs: bounds312,
    keys: () => ({ src: '10.2.0.9', proto: 0, sport: 0, dport: 0 }),
    devs: '400042022242224000220404',
    order: '240',
  },
];

test('computeMultipathHash picks the next hops the kernel picked', () => {
  for (const r of recorded) {
    const got = Array.from({ length: r.devs.length }, (_, i) => {
      const k = r.keys(i + 1);
      const h = computeMultipathHash(r.seed, { src: v4(k.src), dst: v4(`192.0.2.${i + 1}`), proto: k.proto, sport: k.sport, dport: k.dport, flowlabel: 0 });
      return r.order[r.ubs.findIndex((ub) => h <= ub)];
    }).join('');
    assert.equal(got, r.devs, r.name);
  }
});
