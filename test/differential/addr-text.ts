// Address arithmetic on text, just enough for the generators (independent of src/addr on purpose:
// the oracle's inputs must not be produced by the code under test).
import type { Random } from './prng.ts';

export type AddrFamily = 4 | 6;

export interface TextPrefix {
  readonly family: AddrFamily;
  /** network address (host bits zero) */
  readonly value: bigint;
  readonly length: number;
}

const bits = (family: AddrFamily): number => (family === 4 ? 32 : 128);

export function parseAddrText(text: string): { family: AddrFamily; value: bigint } {
  if (text.includes(':')) return { family: 6, value: parseV6(text) };
  const parts = text.split('.');
  if (parts.length !== 4) throw new Error(`bad IPv4 address ${text}`);
  let value = 0n;
  for (const p of parts) {
    const n = Number(p);
    if (!/^\d+$/.test(p) || n > 255) throw new Error(`bad IPv4 address ${text}`);
    value = (value << 8n) | BigInt(n);
  }
  return { family: 4, value };
}

function parseV6(text: string): bigint {
  const halves = text.split('::');
  if (halves.length > 2) throw new Error(`bad IPv6 address ${text}`);
  const groups = (s: string): number[] => (s === '' ? [] : s.split(':').map((g) => {
    if (!/^[0-9a-f]{1,4}$/i.test(g)) throw new Error(`bad IPv6 address ${text}`);
    return parseInt(g, 16);
  }));
  const head = groups(halves[0] ?? '');
  const tail = halves.length === 2 ? groups(halves[1] ?? '') : [];
  const fill = halves.length === 2 ? 8 - head.length - tail.length : 0;
  const all = [...head, ...Array<number>(fill).fill(0), ...tail];
  if (all.length !== 8) throw new Error(`bad IPv6 address ${text}`);
  return all.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}

export function formatAddrText(family: AddrFamily, value: bigint): string {
  if (family === 4) {
    return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 0xffn)).join('.');
  }
  const groups = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - 16 * i)) & 0xffffn));
  // RFC 5952: compress the longest run (>= 2) of zero groups, the first one on ties
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

export function parsePrefixText(text: string): TextPrefix {
  const [addr, len] = text.split('/');
  const { family, value } = parseAddrText(addr ?? '');
  const length = len === undefined ? bits(family) : Number(len);
  return { family, value: value & prefixMask(family, length), length };
}

export function formatPrefixText(p: TextPrefix): string {
  return `${formatAddrText(p.family, p.value)}/${p.length}`;
}

export function prefixMask(family: AddrFamily, length: number): bigint {
  const total = bits(family);
  const all = (1n << BigInt(total)) - 1n;
  return length === 0 ? 0n : (all >> BigInt(total - length)) << BigInt(total - length);
}

export function prefixContains(p: TextPrefix, family: AddrFamily, value: bigint): boolean {
  return p.family === family && (value & prefixMask(family, p.length)) === p.value;
}

/** The address at offset `n` inside the prefix (wrapping within the host part). */
export function addressInPrefix(p: TextPrefix, n: bigint): bigint {
  const hostBits = BigInt(bits(p.family) - p.length);
  const size = 1n << hostBits;
  return p.value + (((n % size) + size) % size);
}

/** A random address inside the prefix, biased towards the first and last few hosts. */
export function randomAddressIn(rnd: Random, p: TextPrefix): string {
  const size = 1n << BigInt(bits(p.family) - p.length);
  let offset: bigint;
  const few = Number(size < 10n ? size : 10n);
  if (rnd.chance(0.5)) offset = BigInt(rnd.int(0, few - 1));
  else if (rnd.chance(0.3)) offset = size - 1n - BigInt(rnd.int(0, Math.min(few, 4) - 1));
  else offset = randomBigBelow(rnd, size);
  return formatAddrText(p.family, addressInPrefix(p, offset));
}

function randomBigBelow(rnd: Random, size: bigint): bigint {
  let v = 0n;
  for (let i = 0; i < 5; i++) v = (v << 32n) | BigInt(rnd.seed());
  return v % size;
}

/** A fully random unicast-looking address of the family. */
export function randomAddress(rnd: Random, family: AddrFamily): string {
  if (family === 4) return formatAddrText(4, BigInt(rnd.int(1, 223)) << 24n | BigInt(rnd.seed() & 0xffffff));
  return formatAddrText(6, (0x2000n << 112n) | randomBigBelow(rnd, 1n << 125n));
}
