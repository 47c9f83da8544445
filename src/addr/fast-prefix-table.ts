// The fast longest-prefix-match table: typed arrays only, no object per prefix.
import { ipv6FromWords, ipv6ToWords } from './ipv6.ts';
import { checkPackedPrefixes, packPrefixes, wordsPerAddress, type PrefixTable, type PrefixTableBuild } from './prefix-table.ts';
import { sortPrefixes } from './prefix-sort.ts';
import { buildStrideTrie, lookupTrie4, lookupTrie6, STRIDES4, STRIDES6 } from './stride-trie.ts';
import type { Family, IpAddress, IpPrefix } from './types.ts';

export interface FastPrefixTable extends PrefixTable {
  /** bytes held by the table's typed arrays */
  readonly byteLength: number;
}

class StrideTriePrefixTable implements FastPrefixTable {
  readonly size: number;

  constructor(
    readonly family: Family,
    private readonly nodes: Int32Array,
    private readonly words: Uint32Array,
    private readonly lengths: Uint8Array,
    private readonly parents: Int32Array,
  ) {
    this.size = lengths.length;
  }

  get byteLength(): number {
    return this.nodes.byteLength + this.words.byteLength + this.lengths.byteLength + this.parents.byteLength;
  }

  longestMatch(addr: IpAddress): number {
    if (addr.family !== this.family) return -1;
    if (addr.family === 4) return lookupTrie4(this.nodes, addr.value);
    const [w0, w1, w2, w3] = ipv6ToWords(addr.value);
    return lookupTrie6(this.nodes, w0, w1, w2, w3);
  }

  longestMatch4(value: number): number {
    return this.family === 4 ? lookupTrie4(this.nodes, value) : -1;
  }

  longestMatch6(w0: number, w1: number, w2: number, w3: number): number {
    return this.family === 6 ? lookupTrie6(this.nodes, w0, w1, w2, w3) : -1;
  }

  longestMatchBatch(keys: Uint32Array, out: Int32Array): void {
    const t = this.nodes;
    const count = keys.length / wordsPerAddress(this.family);
    if (out.length < count) throw new RangeError(`longestMatchBatch: out has ${out.length} slots for ${count} queries`);
    if (this.family === 4) {
      for (let i = 0; i < count; i++) out[i] = lookupTrie4(t, keys[i]!);
    } else {
      for (let i = 0, k = 0; i < count; i++, k += 4) out[i] = lookupTrie6(t, keys[k]!, keys[k + 1]!, keys[k + 2]!, keys[k + 3]!);
    }
  }

  parent(id: number): number {
    this.checkId(id);
    return this.parents[id]!;
  }

  prefixOf(id: number): IpPrefix {
    this.checkId(id);
    const length = this.lengths[id]!;
    if (this.family === 4) return { address: { family: 4, value: this.words[id]! }, length };
    const k = id * 4;
    return { address: ipv6FromWords(this.words[k]!, this.words[k + 1]!, this.words[k + 2]!, this.words[k + 3]!), length };
  }

  private checkId(id: number): void {
    if (!Number.isInteger(id) || id < 0 || id >= this.size) throw new RangeError(`prefix id ${id} is not in 0..${this.size - 1}`);
  }
}

/**
 * Builds from packed prefixes: `words` holds 1 (IPv4) or 4 (IPv6) u32 per prefix, most significant
 * first; `lengths` one length per prefix. Throws a RangeError on a bad length or host bits set.
 */
export function buildPrefixTableFromWords(family: Family, words: Uint32Array, lengths: Uint8Array): PrefixTableBuild<FastPrefixTable> {
  checkPackedPrefixes(family, words, lengths);
  const w = wordsPerAddress(family);
  const sorted = sortPrefixes(w, words, lengths);
  const nodes = buildStrideTrie(family === 4 ? STRIDES4 : STRIDES6, w, sorted.sortedWords, sorted.sortedLengths, sorted.order);
  return { table: new StrideTriePrefixTable(family, nodes, sorted.words, sorted.lengths, sorted.parent), idOfInput: sorted.idOfInput };
}

/** Throws a RangeError on a prefix of the other family, a bad length, or host bits set. */
export function buildPrefixTable(family: Family, prefixes: readonly IpPrefix[]): PrefixTableBuild<FastPrefixTable> {
  const { words, lengths } = packPrefixes(family, prefixes);
  return buildPrefixTableFromWords(family, words, lengths);
}
