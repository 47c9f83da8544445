// The slow, obviously correct twin of the fast table: a linear scan over every prefix.
import { makeIpv4 } from './ipv4.ts';
import { ipv6FromWords } from './ipv6.ts';
import { prefixContains, prefixContainsPrefix } from './prefix.ts';
import { checkPackedPrefixes, packPrefixes, type PrefixTable, type PrefixTableBuild } from './prefix-table.ts';
import type { Family, IpAddress, IpPrefix } from './types.ts';

class NaivePrefixTable implements PrefixTable {
  constructor(
    readonly family: Family,
    private readonly prefixes: readonly IpPrefix[],
  ) {}

  get size(): number {
    return this.prefixes.length;
  }

  longestMatch(addr: IpAddress): number {
    let best = -1;
    this.prefixes.forEach((p, id) => {
      if (prefixContains(p, addr) && (best < 0 || p.length > this.prefixes[best]!.length)) best = id;
    });
    return best;
  }

  longestMatch4(value: number): number {
    return this.family === 4 ? this.longestMatch(makeIpv4(value)) : -1;
  }

  longestMatch6(w0: number, w1: number, w2: number, w3: number): number {
    return this.family === 6 ? this.longestMatch(ipv6FromWords(w0, w1, w2, w3)) : -1;
  }

  longestMatchBatch(keys: Uint32Array, out: Int32Array): void {
    if (this.family === 4) {
      keys.forEach((value, i) => (out[i] = this.longestMatch4(value)));
    } else {
      for (let i = 0; i * 4 < keys.length; i++) out[i] = this.longestMatch6(keys[i * 4]!, keys[i * 4 + 1]!, keys[i * 4 + 2]!, keys[i * 4 + 3]!);
    }
  }

  parent(id: number): number {
    const p = this.prefixOf(id);
    let best = -1;
    this.prefixes.forEach((q, qid) => {
      if (q.length < p.length && prefixContainsPrefix(q, p) && (best < 0 || q.length > this.prefixes[best]!.length)) best = qid;
    });
    return best;
  }

  prefixOf(id: number): IpPrefix {
    const p = this.prefixes[id];
    if (!p) throw new RangeError(`prefix id ${id} is not in 0..${this.size - 1}`);
    return p;
  }
}

export function buildNaivePrefixTable(family: Family, prefixes: readonly IpPrefix[]): PrefixTableBuild {
  const { words, lengths } = packPrefixes(family, prefixes);
  checkPackedPrefixes(family, words, lengths);
  const idOfKey = new Map<string, number>();
  const distinct: IpPrefix[] = [];
  const idOfInput = Int32Array.from(prefixes, (p) => {
    const key = `${p.address.value}/${p.length}`;
    let id = idOfKey.get(key);
    if (id === undefined) {
      id = distinct.length;
      idOfKey.set(key, id);
      distinct.push(p);
    }
    return id;
  });
  return { table: new NaivePrefixTable(family, distinct), idOfInput };
}
