// IPv6 addresses: parse (inet_pton), format (inet_ntop, as iproute2 prints), bytes and 32-bit words.
import { parseIpv4Strict } from './ipv4.ts';
import type { Ipv6Address, ParseMode } from './types.ts';

export function makeIpv6(value: bigint): Ipv6Address {
  return { family: 6, value: BigInt.asUintN(128, value) };
}

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x61 && code <= 0x66) return code - 0x61 + 10;
  if (code >= 0x41 && code <= 0x46) return code - 0x41 + 10;
  return -1;
}

// mirrors glibc inet_pton6(), resolv/inet_pton.c: one "::", 1-4 hex digits per group, dotted quad only last
function parseIpv6Groups(text: string): number[] | undefined {
  const n = text.length;
  if (n === 0) return undefined;
  let i = 0;
  if (text[0] === ':') {
    if (text[1] !== ':') return undefined;
    i = 1;
  }
  const groups: number[] = [];
  let gap = -1;
  let tokenStart = i;
  let digits = 0;
  let group = 0;
  while (i < n) {
    const code = text.charCodeAt(i++);
    const d = hexValue(code);
    if (d >= 0) {
      if (digits === 4) return undefined;
      group = group * 16 + d;
      digits++;
    } else if (code === 0x3a) {
      tokenStart = i;
      if (digits === 0) {
        if (gap >= 0) return undefined;
        gap = groups.length;
      } else {
        if (i === n || groups.length === 8) return undefined;
        groups.push(group);
        digits = 0;
        group = 0;
      }
    } else if (code === 0x2e && groups.length <= 6) {
      const v4 = parseIpv4Strict(text.slice(tokenStart));
      if (v4 < 0) return undefined;
      groups.push(v4 >>> 16, v4 & 0xffff);
      digits = 0;
      break;
    } else {
      return undefined;
    }
  }
  if (digits > 0) {
    if (groups.length === 8) return undefined;
    groups.push(group);
  }
  if (gap >= 0) {
    if (groups.length === 8) return undefined;
    groups.splice(gap, 0, ...new Array<number>(8 - groups.length).fill(0));
  }
  return groups.length === 8 ? groups : undefined;
}

/** IPv6 address as inet_pton() takes it (no zone index); iproute2 mode also takes `default`, `all`, `any` (::). */
export function parseIpv6(text: string, mode: ParseMode = 'strict'): Ipv6Address | undefined {
  if (mode === 'iproute2' && (text === 'default' || text === 'all' || text === 'any')) return makeIpv6(0n);
  const g = parseIpv6Groups(text);
  if (!g) return undefined;
  return ipv6FromWords(g[0]! * 65536 + g[1]!, g[2]! * 65536 + g[3]!, g[4]! * 65536 + g[5]!, g[6]! * 65536 + g[7]!);
}

const scratch = new DataView(new ArrayBuffer(16));

/** The four 32-bit words of an address, most significant first. */
export function ipv6ToWords(value: bigint): [number, number, number, number] {
  // two 64-bit stores allocate fewer bigints than four shift-and-mask steps
  scratch.setBigUint64(0, value >> 64n);
  scratch.setBigUint64(8, BigInt.asUintN(64, value));
  return [scratch.getUint32(0), scratch.getUint32(4), scratch.getUint32(8), scratch.getUint32(12)];
}

export function ipv6FromWords(w0: number, w1: number, w2: number, w3: number): Ipv6Address {
  return {
    family: 6,
    value: (BigInt(w0 >>> 0) << 96n) | (BigInt(w1 >>> 0) << 64n) | (BigInt(w2 >>> 0) << 32n) | BigInt(w3 >>> 0),
  };
}

// mirrors glibc inet_ntop6(): longest run (>= 2) of zero groups as "::", first on a tie, lowercase;
// dotted quad for ::a.b.c.d (6 leading zero groups) and ::ffff:a.b.c.d
export function formatIpv6(addr: Ipv6Address): string {
  const words = ipv6ToWords(addr.value);
  const groups: number[] = [];
  for (const w of words) groups.push(w >>> 16, w & 0xffff);
  let bestBase = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestBase = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) bestBase = -1;
  const embedsIpv4 = bestBase === 0 && (bestLen === 6 || (bestLen === 5 && groups[5] === 0xffff));
  const last = embedsIpv4 ? 6 : 8;
  let out = '';
  for (let i = 0; i < last; i++) {
    if (i === bestBase) {
      out += '::';
      i += bestLen - 1;
      continue;
    }
    if (i > 0 && !out.endsWith(':')) out += ':';
    out += groups[i]!.toString(16);
  }
  if (embedsIpv4) {
    if (!out.endsWith(':')) out += ':';
    const w = words[3];
    out += `${w >>> 24}.${(w >>> 16) & 255}.${(w >>> 8) & 255}.${w & 255}`;
  }
  return out;
}

/** Network byte order. */
export function ipv6ToBytes(addr: Ipv6Address): Uint8Array {
  const out = new Uint8Array(16);
  ipv6ToWords(addr.value).forEach((w, k) => {
    out[k * 4] = w >>> 24;
    out[k * 4 + 1] = (w >>> 16) & 255;
    out[k * 4 + 2] = (w >>> 8) & 255;
    out[k * 4 + 3] = w & 255;
  });
  return out;
}

export function ipv6FromBytes(bytes: Uint8Array, offset = 0): Ipv6Address {
  if (bytes.length < offset + 16) throw new RangeError(`ipv6FromBytes: need 16 bytes at offset ${offset}, have ${bytes.length}`);
  const word = (k: number): number =>
    ((bytes[offset + k]! << 24) | (bytes[offset + k + 1]! << 16) | (bytes[offset + k + 2]! << 8) | bytes[offset + k + 3]!) >>> 0;
  return ipv6FromWords(word(0), word(4), word(8), word(12));
}
