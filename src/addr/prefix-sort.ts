// Dedupe packed prefixes, order them by (address, length) with a radix sort, and link each to its parent.

export interface SortedPrefixes {
  /** number of distinct prefixes */
  readonly size: number;
  /** id of every input prefix (ids in order of first occurrence) */
  readonly idOfInput: Int32Array;
  /** ids sorted by address, then length: every prefix comes after all prefixes containing it */
  readonly order: Int32Array;
  /** the address words of order[0], order[1], ... (w per prefix) */
  readonly sortedWords: Uint32Array;
  /** the lengths of order[0], order[1], ... */
  readonly sortedLengths: Uint8Array;
  /** per id: its address words */
  readonly words: Uint32Array;
  /** per id: its length */
  readonly lengths: Uint8Array;
  /** per id: id of the longest prefix strictly containing it, or -1 */
  readonly parent: Int32Array;
}

const BUCKETS = 1 << 16;

/**
 * One stable counting-sort pass over `n` records of `stride` u32 on 16 bits of field `field`; the records
 * move whole, so every pass reads sequentially. Returns false (leaving `to` untouched) when one bucket
 * holds every record.
 */
function radixPass(from: Uint32Array, to: Uint32Array, n: number, stride: number, field: number, shift: number, count: Int32Array): boolean {
  count.fill(0);
  for (let j = 0, f = field; j < n; j++, f += stride) count[(from[f]! >>> shift) & 0xffff]!++;
  let sum = 0;
  for (let b = 0; b < BUCKETS; b++) {
    const c = count[b]!;
    if (c === n) return false;
    count[b] = sum;
    sum += c;
  }
  for (let j = 0, r = 0; j < n; j++, r += stride) {
    let t = count[(from[r + field]! >>> shift) & 0xffff]!++ * stride;
    for (let f = r; f < r + stride; f++) to[t++] = from[f]!;
  }
  return true;
}

/**
 * Records [word 0 .. word w-1, length, input index] sorted by words, then length; equal keys stay in
 * input order (LSD radix sort, least significant digit first).
 */
function sortRecords(w: number, words: Uint32Array, lengths: Uint8Array): Uint32Array {
  const n = lengths.length;
  const stride = w + 2;
  let from = new Uint32Array(n * stride);
  for (let i = 0, r = 0; i < n; i++, r += stride) {
    for (let j = 0; j < w; j++) from[r + j] = words[i * w + j]!;
    from[r + w] = lengths[i]!;
    from[r + w + 1] = i;
  }
  let to = new Uint32Array(n * stride);
  const count = new Int32Array(BUCKETS);
  if (radixPass(from, to, n, stride, w, 0, count)) [from, to] = [to, from];
  let k = w - 1;
  if (w === 4) {
    // IPv6: records whose low 64 bits are zero (every prefix up to /64) are already in order on words 3 and 2
    // and come before all others, so only the others go through those four passes.
    let zero = 0;
    let rest = 0;
    for (let r = 0; r < n * stride; r += stride) {
      const dst = (from[r + 2]! | from[r + 3]!) === 0 ? to : from;
      const at = (dst === to ? zero++ : rest++) * stride;
      for (let f = 0; f < stride; f++) dst[at + f] = from[r + f]!;
    }
    let others = from.slice(0, rest * stride);
    let othersTo = new Uint32Array(rest * stride);
    for (; k >= 2; k--) {
      if (radixPass(others, othersTo, rest, stride, k, 0, count)) [others, othersTo] = [othersTo, others];
      if (radixPass(others, othersTo, rest, stride, k, 16, count)) [others, othersTo] = [othersTo, others];
    }
    to.set(others, zero * stride);
    [from, to] = [to, from];
  }
  for (; k >= 0; k--) {
    if (radixPass(from, to, n, stride, k, 0, count)) [from, to] = [to, from];
    if (radixPass(from, to, n, stride, k, 16, count)) [from, to] = [to, from];
  }
  return from;
}

/** Whether entries a and b (w words each) have equal words; with `len`, only their first `len` bits. */
export function sameLeadingBits(w: number, words: Uint32Array, a: number, len: number, b: number): boolean {
  for (let k = 0; k < w && len > 0; k++, len -= 32) {
    const mask = len >= 32 ? 0xffffffff : ~(0xffffffff >>> len);
    if (((words[a * w + k]! ^ words[b * w + k]!) & mask) !== 0) return false;
  }
  return true;
}

/** `words` holds w u32 per prefix, most significant first; host bits must be zero. */
export function sortPrefixes(w: 1 | 4, words: Uint32Array, lengths: Uint8Array): SortedPrefixes {
  const n = lengths.length;
  const stride = w + 2;
  const records = sortRecords(w, words, lengths);
  // distinct keys in sorted order ("groups"); arrays indexed by group are read sequentially below
  const groupOfInput = new Int32Array(n);
  const groupWords = new Uint32Array(n * w);
  const groupLengths = new Uint8Array(n);
  let size = 0;
  for (let r = 0; r < n * stride; r += stride) {
    let same = r > 0;
    for (let f = 0; same && f <= w; f++) same = records[r + f] === records[r - stride + f];
    if (!same) {
      for (let j = 0; j < w; j++) groupWords[size * w + j] = records[r + j]!;
      groupLengths[size++] = records[r + w]!;
    }
    groupOfInput[records[r + w + 1]!] = size - 1;
  }
  const order = new Int32Array(size).fill(-1);
  const idOfInput = new Int32Array(n);
  let next = 0;
  for (let i = 0; i < n; i++) {
    const g = groupOfInput[i]!;
    if (order[g] === -1) order[g] = next++;
    idOfInput[i] = order[g]!;
  }
  const idWords = new Uint32Array(size * w);
  const idLengths = new Uint8Array(size);
  const parent = new Int32Array(size).fill(-1);
  const stack = new Int32Array(size);
  let top = 0;
  for (let g = 0; g < size; g++) {
    const id = order[g]!;
    for (let j = 0; j < w; j++) idWords[id * w + j] = groupWords[g * w + j]!;
    idLengths[id] = groupLengths[g]!;
    while (top > 0 && !sameLeadingBits(w, groupWords, stack[top - 1]!, groupLengths[stack[top - 1]!]!, g)) top--;
    if (top > 0) parent[id] = order[stack[top - 1]!]!;
    stack[top++] = g;
  }
  return {
    size,
    idOfInput,
    order,
    sortedWords: groupWords.subarray(0, size * w),
    sortedLengths: groupLengths.subarray(0, size),
    words: idWords,
    lengths: idLengths,
    parent,
  };
}
