// Seeded synthetic routing tables with the prefix-length mix of a real 2023 BGP table, and queries.
import { makeIpv4 } from '../src/addr/ipv4.ts';
import { ipv6FromWords, ipv6ToWords } from '../src/addr/ipv6.ts';
import type { Family, IpPrefix } from '../src/addr/types.ts';

/** Length weights per 100,000 prefixes, counted in the late-2023 full table (bgp-prefixes-2023.txt.gz). */
const LENGTH_MIX4: readonly (readonly [number, number])[] = [
  [24, 59618], [22, 12044], [23, 10701], [21, 5627], [20, 4725], [19, 2758], [18, 1530], [16, 1496], [17, 913],
  [15, 233], [14, 133], [32, 98], [13, 64], [12, 33], [11, 11], [10, 4], [8, 2], [25, 2], [29, 2], [28, 2], [9, 1], [27, 1],
];
const LENGTH_MIX6: readonly (readonly [number, number])[] = [
  [48, 47137], [32, 14080], [44, 8970], [40, 8379], [36, 3744], [29, 2729], [47, 1969], [46, 1898], [33, 1827], [34, 1625],
  [42, 1437], [38, 1010], [45, 970], [39, 860], [35, 651], [43, 625], [41, 564], [37, 549], [30, 406], [31, 177], [28, 121],
  [64, 115], [127, 26], [24, 19], [56, 15], [126, 12], [27, 12], [58, 12], [20, 10], [26, 9], [128, 4],
];

/** The /16 blocks that hold most of the real IPv6 table: 2001::/16 and the RIRs' /12s. */
const RIR_BLOCKS6: readonly number[] = [0x2001, 0x2001, ...[0x2400, 0x2600, 0x2a00].flatMap((b) => Array.from({ length: 16 }, (_, i) => b + i)), 0x2800, 0x2801, 0x2803, 0x2c0f];

/** mulberry32: a small seeded generator of u32 values. */
export function createRng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

function lengthPicker(mix: readonly (readonly [number, number])[], rng: () => number): () => number {
  const total = mix.reduce((sum, [, weight]) => sum + weight, 0);
  return () => {
    let r = rng() % total;
    for (const [length, weight] of mix) {
      if (r < weight) return length;
      r -= weight;
    }
    return mix[0]![0];
  };
}

/** Clears the bits after `length` in words (most significant first). */
function maskWords(words: number[], length: number): void {
  words.forEach((w, k) => {
    const keep = Math.min(32, Math.max(0, length - k * 32));
    words[k] = keep === 0 ? 0 : keep === 32 ? w : (w & ~(0xffffffff >>> keep)) >>> 0;
  });
}

/**
 * `count` distinct prefixes, clustered like real allocations so lookups hit nested prefixes. IPv4: about
 * count/35 busy /16 blocks in 1.0.0.0-223.255.255.255. IPv6: about count/15 busy /32 blocks in the RIR blocks,
 * each with 1-4 sites (/44 blocks) that hold everything longer than /32 (so /36../48 nest as in real tables).
 */
export function syntheticPrefixes(family: Family, count: number, seed = 1): IpPrefix[] {
  const rng = createRng(seed);
  const pickLength = lengthPicker(family === 4 ? LENGTH_MIX4 : LENGTH_MIX6, rng);
  const clusters = Array.from({ length: Math.max(1, Math.round(count / (family === 4 ? 35 : 15))) }, () => ({
    top: family === 4 ? (((1 + (rng() % 223)) << 24) | (rng() & 0xff0000)) >>> 0 : ((RIR_BLOCKS6[rng() % RIR_BLOCKS6.length]! << 16) | (rng() & 0xffff)) >>> 0,
    sites: Array.from({ length: 1 + (rng() % 4) }, () => rng() & 0xfff00000),
  }));
  const seen = new Set<number | string>();
  const out: IpPrefix[] = [];
  while (out.length < count) {
    const cluster = clusters[rng() % clusters.length]!;
    const length = pickLength();
    const site = cluster.sites[rng() % cluster.sites.length]!;
    const words = family === 4 ? [(cluster.top | (rng() & 0xffff)) >>> 0] : [cluster.top, (site | (rng() & 0xfffff)) >>> 0, rng(), rng()];
    maskWords(words, length);
    const key = family === 4 ? words[0]! * 64 + length : `${words.join(',')}/${length}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ address: family === 4 ? makeIpv4(words[0]!) : ipv6FromWords(words[0]!, words[1]!, words[2]!, words[3]!), length });
  }
  return out;
}

/**
 * `count` query addresses packed for PrefixTable.longestMatchBatch (1 or 4 u32 each): a share `hitRatio`
 * drawn inside random prefixes of `prefixes` (random host bits), the rest uniformly random.
 */
export function syntheticQueries(family: Family, prefixes: readonly IpPrefix[], count: number, seed = 2, hitRatio = 0.9): Uint32Array {
  const rng = createRng(seed);
  const w = family === 4 ? 1 : 4;
  const keys = new Uint32Array(count * w);
  for (let i = 0; i < count; i++) {
    const random = Array.from({ length: w }, () => rng());
    const p = prefixes.length > 0 && rng() / 2 ** 32 < hitRatio ? prefixes[rng() % prefixes.length] : undefined;
    if (p) {
      const base = p.address.family === 4 ? [p.address.value] : ipv6ToWords(p.address.value);
      const host = [...random];
      maskWords(host, p.length);
      random.forEach((_, k) => (random[k] = (base[k]! | (random[k]! ^ host[k]!)) >>> 0));
    }
    keys.set(random, i * w);
  }
  return keys;
}
