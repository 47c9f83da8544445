// The kernel's multipath flow hash (spec §5.2, §5.3, Appendix A): SipHash-2-4 over struct flow_keys.
import { ipv4ToBytes } from '../addr/ipv4.ts';
import { ipv6ToBytes } from '../addr/ipv6.ts';
import type { IpAddress } from '../addr/types.ts';

const M64 = (1n << 64n) - 1n;

function rotl(x: bigint, b: bigint): bigint {
  return ((x << b) | (x >> (64n - b))) & M64;
}

/** Standard SipHash-2-4 with 64-bit key halves, message words read little-endian. */
export function siphash24(k0: bigint, k1: bigint, data: Uint8Array): bigint {
  let v0 = k0 ^ 0x736f6d6570736575n;
  let v1 = k1 ^ 0x646f72616e646f6dn;
  let v2 = k0 ^ 0x6c7967656e657261n;
  let v3 = k1 ^ 0x7465646279746573n;
  const round = () => {
    v0 = (v0 + v1) & M64;
    v1 = rotl(v1, 13n) ^ v0;
    v0 = rotl(v0, 32n);
    v2 = (v2 + v3) & M64;
    v3 = rotl(v3, 16n) ^ v2;
    v0 = (v0 + v3) & M64;
    v3 = rotl(v3, 21n) ^ v0;
    v2 = (v2 + v1) & M64;
    v1 = rotl(v1, 17n) ^ v2;
    v2 = rotl(v2, 32n);
  };
  const n = data.length;
  const end = n - (n % 8);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (let i = 0; i < end; i += 8) {
    const m = view.getBigUint64(i, true);
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
  let b = BigInt(n & 0xff) << 56n;
  for (let i = 0; end + i < n; i++) b |= BigInt(data[end + i] ?? 0) << BigInt(8 * i);
  v3 ^= b;
  round();
  round();
  v0 ^= b;
  v2 ^= 0xffn;
  round();
  round();
  round();
  round();
  return (v0 ^ v1 ^ v2 ^ v3) & M64;
}

/** The fields of struct flow_keys a multipath hash uses; unset ones are zero. */
export interface MultipathHashKeys {
  readonly src: IpAddress;
  readonly dst: IpAddress;
  /** ip_proto (policy 1, and IPv6 policy 0 next header) */
  readonly proto: number;
  readonly sport: number;
  readonly dport: number;
  /** IPv6 flow label (20 bits) */
  readonly flowlabel: number;
}

function addressBytes(a: IpAddress): Uint8Array {
  return a.family === 4 ? ipv4ToBytes(a) : ipv6ToBytes(a);
}

function readLe(bytes: Uint8Array): number {
  let v = 0;
  for (let i = bytes.length - 1; i >= 0; i--) v = v * 256 + (bytes[i] ?? 0);
  return v;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * The hashed bytes of struct flow_keys from `basic` on: 48 bytes for IPv4, 72 for IPv6, after
 * __flow_hash_consistentify() (addresses and ports swapped so that dst ≥ src as the kernel compares them
 * on little-endian machines).
 */
export function buildFlowKeyBytes(keys: MultipathHashKeys): Uint8Array {
  let src = addressBytes(keys.src);
  let dst = addressBytes(keys.dst);
  const v4 = keys.src.family === 4;
  if (v4 ? readLe(dst) < readLe(src) : compareBytes(dst, src) < 0) [src, dst] = [dst, src];
  let sport = Uint8Array.of(keys.sport >>> 8, keys.sport & 255);
  let dport = Uint8Array.of(keys.dport >>> 8, keys.dport & 255);
  if (readLe(dport) < readLe(sport)) [sport, dport] = [dport, sport];
  const out = new Uint8Array(v4 ? 48 : 72);
  // n_proto(2)=0 | ip_proto(1) | pad(1) | flow_label(4) | vlan(8) | cvlan(8) | keyid(4) | ports(4) | icmp(4) | addrs | zero(4)
  out[2] = keys.proto & 255;
  const fl = keys.flowlabel >>> 0;
  out.set(Uint8Array.of(fl >>> 24, (fl >>> 16) & 255, (fl >>> 8) & 255, fl & 255), 4);
  out.set(sport, 28);
  out.set(dport, 30);
  out.set(src, 36);
  out.set(dst, 36 + src.length);
  return out;
}

// mirrors flow_hash_from_keys_seed(), net/core/flow_dissector.c, and the ">> 1" of fib_multipath_hash()
/** The value compared with the next hops' upper bounds, for a non-zero `fib_multipath_hash_seed`. */
export function computeMultipathHash(seed: number, keys: MultipathHashKeys): number {
  const s = BigInt(seed >>> 0);
  const k = (s << 32n) | s;
  const h = Number(siphash24(k, k, buildFlowKeyBytes(keys)) & 0xffffffffn);
  return (h === 0 ? 1 : h) >>> 1;
}

/**
 * Hash-threshold upper bounds from weights (fib_rebalance / nh_group_rebalance): cumulative,
 * −1 for a dead next hop (or when no weight is alive).
 */
// mirrors fib_rebalance(), net/ipv4/fib_semantics.c
export function computeUpperBounds(weights: readonly number[], alive: readonly boolean[]): number[] {
  let total = 0;
  weights.forEach((w, i) => {
    if (alive[i]) total += w;
  });
  let acc = 0;
  return weights.map((w, i) => {
    if (total === 0 || !alive[i]) return -1;
    acc += w;
    return Number(((BigInt(acc) << 31n) + BigInt(Math.floor(total / 2))) / BigInt(total)) - 1;
  });
}
