// A leaf-pushed multibit trie in one Int32Array. Each entry is the id of the longest prefix covering
// it (>= 0), -1 for none, or a child node at offset o encoded as -2 - o. The root sits at offset 0.

/** IPv4: 16-bit root (64 Ki entries), then two 8-bit levels. */
export const STRIDES4: readonly number[] = [16, 8, 8];
/** IPv6: 16-bit root, one 8-bit level, then 4-bit levels (a node is 16 entries, one cache line). */
export const STRIDES6: readonly number[] = [16, 8, ...new Array<number>(26).fill(4)];

/** Number of leading bits the addresses of entries a and b (w words each) share. */
function commonPrefixLength(w: number, words: Uint32Array, a: number, b: number): number {
  for (let j = 0; j < w; j++) {
    const diff = words[a * w + j]! ^ words[b * w + j]!;
    if (diff !== 0) return j * 32 + Math.clz32(diff);
  }
  return w * 32;
}

/** Entries needed: the root, plus per level one node for each distinct block some longer prefix passes through. */
function countEntries(strides: readonly number[], w: number, words: Uint32Array, lengths: Uint8Array): number {
  const depths = strides.map((_, level) => strides.slice(0, level).reduce((a, b) => a + b, 0));
  // last[level]: the latest prefix longer than that level's depth; in sorted order the prefixes of one block are
  // consecutive, so prefix k opens a new block at a level iff it shares fewer bits than the depth with last[level]
  const last = new Int32Array(strides.length).fill(-1);
  let total = 1 << strides[0]!;
  for (let k = 0; k < lengths.length; k++) {
    const len = lengths[k]!;
    let previous = -2;
    let shared = -1;
    for (let level = 1; depths[level]! < len; level++) {
      const x = last[level]!;
      if (x !== previous) {
        shared = x < 0 ? -1 : commonPrefixLength(w, words, x, k);
        previous = x;
      }
      if (shared < depths[level]!) total += 1 << strides[level]!;
      last[level] = k;
    }
  }
  return total;
}

/**
 * Paints prefix k (words[k*w..], lengths[k]) with the value ids[k] over the slots it covers. Prefixes come
 * sorted by address, then length, so each comes after every prefix containing it and overwrites them; a
 * child node starts as a copy of the slot it replaces. Strides must not cross a 32-bit word boundary.
 */
export function buildStrideTrie(strides: readonly number[], w: number, words: Uint32Array, lengths: Uint8Array, ids: Int32Array): Int32Array {
  const nodes = new Int32Array(countEntries(strides, w, words, lengths));
  let used = 1 << strides[0]!;
  nodes.fill(-1, 0, used);
  for (let k = 0; k < lengths.length; k++) {
    const id = ids[k]!;
    const len = lengths[k]!;
    const offset = k * w;
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
