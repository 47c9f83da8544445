// IPv4 addresses: parse (strict dotted quad, or iproute2's forms), format, bytes.
import { strtoulBase0 } from './c-strtoul.ts';
import type { Ipv4Address, ParseMode } from './types.ts';

export function makeIpv4(value: number): Ipv4Address {
  return { family: 4, value: value >>> 0 };
}

/** Exactly four decimal octets 0..255, no leading zeros, nothing else. Returns the address as u32, or -1. */
export function parseIpv4Strict(text: string): number {
  const n = text.length;
  let value = 0;
  let i = 0;
  for (let octet = 0; octet < 4; octet++) {
    if (octet > 0) {
      if (text.charCodeAt(i) !== 0x2e) return -1;
      i++;
    }
    const start = i;
    let part = 0;
    while (i < n) {
      const d = text.charCodeAt(i) - 0x30;
      if (d < 0 || d > 9) break;
      part = part * 10 + d;
      i++;
    }
    const len = i - start;
    if (len === 0 || len > 3 || part > 255 || (len > 1 && text.charCodeAt(start) === 0x30)) return -1;
    value = value * 256 + part;
  }
  return i === n ? value : -1;
}

// mirrors get_addr_ipv4(), iproute2 lib/utils.c: 1..4 strtoul(base 0) parts, missing trailing octets are 0
export function parseIpv4Iproute2(text: string): number {
  let value = 0;
  let pos = 0;
  let octets = 0;
  for (;;) {
    const { value: part, end } = strtoulBase0(text, pos);
    if (part > 255 || end === pos) return -1;
    value = value * 256 + part;
    octets++;
    if (end === text.length) break;
    if (octets === 4 || text[end] !== '.') return -1;
    pos = end + 1;
  }
  return value * 256 ** (4 - octets);
}

/** IPv4 address as `ip` prints it; iproute2 mode also takes `default`, `all` and `any` (0.0.0.0). */
export function parseIpv4(text: string, mode: ParseMode = 'strict'): Ipv4Address | undefined {
  if (mode === 'iproute2' && (text === 'default' || text === 'all' || text === 'any')) return makeIpv4(0);
  const value = mode === 'strict' ? parseIpv4Strict(text) : parseIpv4Iproute2(text);
  return value < 0 ? undefined : makeIpv4(value);
}

export function formatIpv4Value(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

export function formatIpv4(addr: Ipv4Address): string {
  return formatIpv4Value(addr.value);
}

/** Network byte order. */
export function ipv4ToBytes(addr: Ipv4Address): Uint8Array {
  const v = addr.value;
  return Uint8Array.of(v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255);
}

export function ipv4FromBytes(bytes: Uint8Array, offset = 0): Ipv4Address {
  if (bytes.length < offset + 4) throw new RangeError(`ipv4FromBytes: need 4 bytes at offset ${offset}, have ${bytes.length}`);
  return makeIpv4(((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>> 0);
}
