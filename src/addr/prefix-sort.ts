// Dedupe packed prefixes, order them by (address, length) with a radix sort, and link each to its parent.

export interface SortedPrefixes {
  /** number of distinct prefixes */
  readonly size: number;
  /** id of every input prefix (ids in order of first occurrence) */
  readonly idOfInput: Int32Array;
  /** ids sorted by address, then length: every prefix comes after all prefixes containing it */
  readonly order: Int32Array;
  /** per id: its address words */
  readonly words: Uint32Array;
  /** per id: its length */
  readonly lengths: Uint8Array;
  /** per id: id of the longest prefix strictly containing it, or -1 */
  readonly parent: Int32Array;
}

const BUCKETS = 1 << 16;

/** Turns bucket counts into start offsets; false when one bucket holds every key (the pass would not move anything). */
function countsToOffsets(count: Int32Array, n: number): boolean {
  let sum = 0;
  for (let b = 0; b < count.length; b++) {
    const c = count[b]!;
    if (c === n) return false;
    count[b] = sum;
    sum += c;
  }
  return true;
}

// Stable counting-sort pass on 16 bits of word k; returns false (leaving `to` untouched) when it would not move anything.
function radixPassWords(from: Int32Array, to: Int32Array, words: Uint32Array, w: number, k: number, shift: number, count: Int32Array): boolean {
  count.fill(0);
  const n = from.length;
  for (let j = 0; j < n; j++) count[(words[from[j]! * w + k]! >>> shift) & 0xffff]!++;
  if (!countsToOffsets(count, n)) return false;
  for (let j = 0; j < n; j++) {
    const i = from[j]!;
    to[count[(words[i * w + k]! >>> shift) & 0xffff]!++] = i;
  }
  return true;
}

function radixPassLengths(from: Int32Array, to: Int32Array, lengths: Uint8Array, count: Int32Array): boolean {
  count.fill(0);
  const n = from.length;
  for (let j = 0; j < n; j++) count[lengths[from[j]!]!]!++;
  if (!countsToOffsets(count, n)) return false;
  for (let j = 0; j < n; j++) {
    const i = from[j]!;
    to[count[lengths[i]!]!++] = i;
  }
  return true;
}

/** Input indices sorted by (address words, length), equal keys in input order (LSD radix sort). */
function sortInputs(w: number, words: Uint32Array, lengths: Uint8Array): Int32Array {
  const n = lengths.length;
  let from = new Int32Array(n);
  for (let i = 0; i < n; i++) from[i] = i;
  let to = new Int32Array(n);
  if (radixPassLengths(from, to, lengths, new Int32Array(256))) [from, to] = [to, from];
  const count = new Int32Array(BUCKETS);
  for (let k = w - 1; k >= 0; k--) {
    for (const shift of [0, 16]) {
      if (radixPassWords(from, to, words, w, k, shift, count)) [from, to] = [to, from];
    }
  }
  return from;
}

function sameKey(w: number, words: Uint32Array, lengths: Uint8Array, a: number, b: number): boolean {
  if (lengths[a] !== lengths[b]) return false;
  for (let k = 0; k < w; k++) if (words[a * w + k] !== words[b * w + k]) return false;
  return true;
}

/** Whether the addresses of entries a and b (w words each) agree on their first `len` bits. */
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
  const sorted = sortInputs(w, words, lengths);
  const groupOfInput = new Int32Array(n);
  let groups = 0;
  for (let k = 0; k < n; k++) {
    const i = sorted[k]!;
    if (k > 0 && !sameKey(w, words, lengths, sorted[k - 1]!, i)) groups++;
    groupOfInput[i] = groups;
  }
  const size = n === 0 ? 0 : groups + 1;
  const idOfGroup = new Int32Array(size).fill(-1);
  const idOfInput = new Int32Array(n);
  const idWords = new Uint32Array(size * w);
  const idLengths = new Uint8Array(size);
  let next = 0;
  for (let i = 0; i < n; i++) {
    const g = groupOfInput[i]!;
    if (idOfGroup[g] === -1) {
      idOfGroup[g] = next;
      for (let k = 0; k < w; k++) idWords[next * w + k] = words[i * w + k]!;
      idLengths[next] = lengths[i]!;
      next++;
    }
    idOfInput[i] = idOfGroup[g]!;
  }
  const parent = new Int32Array(size).fill(-1);
  const stack = new Int32Array(size);
  let top = 0;
  for (let g = 0; g < size; g++) {
    const id = idOfGroup[g]!;
    while (top > 0 && !sameLeadingBits(w, idWords, stack[top - 1]!, idLengths[stack[top - 1]!]!, id)) top--;
    if (top > 0) parent[id] = stack[top - 1]!;
    stack[top++] = id;
  }
  return { size, idOfInput, order: idOfGroup, words: idWords, lengths: idLengths, parent };
}
