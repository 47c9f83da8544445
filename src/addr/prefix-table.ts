// The longest-prefix-match table contract, shared by the fast table and its naive twin.
import { ipv6ToWords } from './ipv6.ts';
import type { Family, IpAddress, IpPrefix } from './types.ts';

/** An immutable set of distinct prefixes of one family; a prefix's id is its index among the distinct inputs. */
export interface PrefixTable {
  readonly family: Family;
  /** number of distinct prefixes; ids are 0 .. size-1 */
  readonly size: number;
  /** id of the longest prefix containing addr, or -1 (also for an address of the other family) */
  longestMatch(addr: IpAddress): number;
  /** longestMatch for an IPv4 address given as u32 (-1 on an IPv6 table) */
  longestMatch4(value: number): number;
  /** longestMatch for an IPv6 address given as four u32 words, most significant first (-1 on an IPv4 table) */
  longestMatch6(w0: number, w1: number, w2: number, w3: number): number;
  /** out[i] = longest match of query i; keys holds 1 word per query (IPv4) or 4 (IPv6) */
  longestMatchBatch(keys: Uint32Array, out: Int32Array): void;
  /** id of the longest prefix that strictly contains prefix `id`, or -1 */
  parent(id: number): number;
  prefixOf(id: number): IpPrefix;
}

export interface PrefixTableBuild<T extends PrefixTable = PrefixTable> {
  readonly table: T;
  /** id of every input prefix; equal prefixes share the id of their first occurrence */
  readonly idOfInput: Int32Array;
}

export function wordsPerAddress(family: Family): 1 | 4 {
  return family === 4 ? 1 : 4;
}

/** Packs prefixes into words (1 or 4 u32 per prefix, most significant first) and lengths. */
export function packPrefixes(family: Family, prefixes: readonly IpPrefix[]): { words: Uint32Array; lengths: Uint8Array } {
  const w = wordsPerAddress(family);
  const words = new Uint32Array(prefixes.length * w);
  const lengths = new Uint8Array(prefixes.length);
  prefixes.forEach((p, i) => {
    const a = p.address;
    if (a.family !== family) throw new RangeError(`prefix #${i}: IPv${a.family} prefix in an IPv${family} table`);
    if (!Number.isInteger(p.length) || p.length < 0 || p.length > (family === 4 ? 32 : 128)) {
      throw new RangeError(`prefix #${i}: length ${p.length} is out of range for IPv${family}`);
    }
    if (a.family === 4) words[i] = a.value;
    else words.set(ipv6ToWords(a.value), i * 4);
    lengths[i] = p.length;
  });
  return { words, lengths };
}

/** Throws a RangeError naming the first prefix with a bad length or host bits set. */
export function checkPackedPrefixes(family: Family, words: Uint32Array, lengths: Uint8Array): void {
  const w = wordsPerAddress(family);
  const bits = w * 32;
  if (words.length !== lengths.length * w) throw new RangeError(`expected ${lengths.length * w} words for ${lengths.length} IPv${family} prefixes, got ${words.length}`);
  for (let i = 0; i < lengths.length; i++) {
    const len = lengths[i]!;
    if (len > bits) throw new RangeError(`prefix #${i}: length ${len} is out of range for IPv${family}`);
    for (let k = 0; k < w; k++) {
      const keep = Math.min(32, Math.max(0, len - k * 32));
      const hostMask = keep === 32 ? 0 : 0xffffffff >>> keep;
      if ((words[i * w + k]! & hostMask) !== 0) throw new RangeError(`prefix #${i}: host bits set after /${len}`);
    }
  }
}
