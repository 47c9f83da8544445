// A leaf-pushed multibit trie in one Int32Array. Each entry is the id of the longest prefix covering
// it (>= 0), -1 for none, or a child node at offset o encoded as -2 - o. The root sits at offset 0.
import { sameLeadingBits } from './prefix-sort.ts';

/** IPv4: 16-bit root (64 Ki entries), then two 8-bit levels. */
export const STRIDES4: readonly number[] = [16, 8, 8];
/** IPv6: 16-bit root, one 8-bit level, then 4-bit levels (a node is 16 entries, one cache line). */
export const STRIDES6: readonly number[] = [16, 8, ...new Array<number>(26).fill(4)];

/** Entries needed: the root, plus per level one node for each distinct block some longer prefix passes through. */
function countEntries(strides: readonly number[], w: number, words: Uint32Array, lengths: Uint8Array, order: Int32Array): number {
  const depths = strides.map((_, level) => strides.slice(0, level).reduce((a, b) => a + b, 0));
  const lastId = new Int32Array(strides.length).fill(-1);
  let total = 1 << strides[0]!;
  for (let k = 0; k < order.length; k++) {
    const id = order[k]!;
    const len = lengths[id]!;
    for (let level = 1; depths[level]! < len; level++) {
      const last = lastId[level]!;
      // order keeps the prefixes of one block together, so a new block shows as a change from the previous one
      if (last < 0 || !sameLeadingBits(w, words, last, depths[level]!, id)) total += 1 << strides[level]!;
      lastId[level] = id;
    }
  }
  return total;
}

/**
 * Paints each prefix over the slots it covers, in `order` (a prefix after every prefix containing it), so
 * a later, longer prefix overwrites its ancestors; a child node starts as a copy of the slot it replaces.
 * Strides must not cross a 32-bit word boundary.
 */
export function buildStrideTrie(strides: readonly number[], w: number, words: Uint32Array, lengths: Uint8Array, order: Int32Array): Int32Array {
  const nodes = new Int32Array(countEntries(strides, w, words, lengths, order));
  let used = 1 << strides[0]!;
  nodes.fill(-1, 0, used);
  for (let k = 0; k < order.length; k++) {
    const id = order[k]!;
    const len = lengths[id]!;
    const offset = id * w;
    let base = 0;
    let depth = 0;
    for (let level = 0; ; level++) {
      const stride = strides[level]!;
      const word = words[offset + (depth >>> 5)]!;
      const index = base + ((word >>> (32 - (depth & 31) - stride)) & ((1 << stride) - 1));
      if (len <= depth + stride) {
        const span = 1 << (depth + stride - len);
        if (span === 1) nodes[index] = id;
        else nodes.fill(id, index, index + span);
        break;
      }
      const v = nodes[index]!;
      if (v >= -1) {
        const size = 1 << strides[level + 1]!;
        nodes.fill(v, used, used + size);
        nodes[index] = -2 - used;
        base = used;
        used += size;
      } else {
        base = -2 - v;
      }
      depth += stride;
    }
  }
  if (used !== nodes.length) throw new Error(`stride trie: counted ${nodes.length} entries, used ${used}`);
  return nodes;
}

// Lookups for the two stride layouts above.

export function lookupTrie4(t: Int32Array, a: number): number {
  let v = t[a >>> 16]!;
  if (v < -1) {
    v = t[-2 - v + ((a >>> 8) & 255)]!;
    if (v < -1) v = t[-2 - v + (a & 255)]!;
  }
  return v;
}

/** Follows 4-bit levels through `word` from bit `shift` down; returns an id, -1, or a child pointer if the word ran out. */
function descendWord6(t: Int32Array, v: number, word: number, shift: number): number {
  for (; shift >= 0; shift -= 4) {
    v = t[-2 - v + ((word >>> shift) & 15)]!;
    if (v >= -1) return v;
  }
  return v;
}

export function lookupTrie6(t: Int32Array, w0: number, w1: number, w2: number, w3: number): number {
  let v = t[w0 >>> 16]!;
  if (v >= -1) return v;
  v = t[-2 - v + ((w0 >>> 8) & 255)]!;
  if (v >= -1) return v;
  v = descendWord6(t, v, w0, 4);
  if (v >= -1) return v;
  v = descendWord6(t, v, w1, 28);
  if (v >= -1) return v;
  v = descendWord6(t, v, w2, 28);
  if (v >= -1) return v;
  return descendWord6(t, v, w3, 28);
}
