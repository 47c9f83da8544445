// Family-independent address operations: parse, format, compare, mask.
import { formatIpv4, makeIpv4, parseIpv4 } from './ipv4.ts';
import { formatIpv6, makeIpv6, parseIpv6 } from './ipv6.ts';
import type { Family, IpAddress, ParseMode } from './types.ts';

export function familyBits(family: Family): 32 | 128 {
  return family === 4 ? 32 : 128;
}

/**
 * Parses an address of `family`, or of the family its text shows (a ':' means IPv6) when none is given.
 * iproute2 mode accepts `default`/`all`/`any` only when `family` is given (they carry no family of their own).
 */
export function parseIp(text: string, mode: ParseMode = 'strict', family?: Family): IpAddress | undefined {
  const f = family ?? (text.includes(':') ? 6 : 4);
  if (family === undefined && mode === 'iproute2' && (text === 'default' || text === 'all' || text === 'any')) return undefined;
  return f === 4 ? parseIpv4(text, mode) : parseIpv6(text, mode);
}

export function formatIp(addr: IpAddress): string {
  return addr.family === 4 ? formatIpv4(addr) : formatIpv6(addr);
}

/** IPv4 before IPv6, then by numeric value. */
export function compareIp(a: IpAddress, b: IpAddress): number {
  if (a.family !== b.family) return a.family - b.family;
  return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
}

export function ipEquals(a: IpAddress, b: IpAddress): boolean {
  return a.family === b.family && a.value === b.value;
}

export function assertPrefixLength(family: Family, length: number): void {
  if (!Number.isInteger(length) || length < 0 || length > familyBits(family)) {
    throw new RangeError(`prefix length ${length} is out of range for IPv${family}`);
  }
}

/** The IPv4 netmask of `length` bits as u32. */
export function ipv4Netmask(length: number): number {
  return length === 0 ? 0 : (0xffffffff << (32 - length)) >>> 0;
}

export function ipv6Netmask(length: number): bigint {
  return ((1n << BigInt(length)) - 1n) << BigInt(128 - length);
}

/** `addr` with every bit after the first `length` cleared. */
export function maskAddress(addr: IpAddress, length: number): IpAddress {
  assertPrefixLength(addr.family, length);
  return addr.family === 4 ? makeIpv4(addr.value & ipv4Netmask(length)) : makeIpv6(addr.value & ipv6Netmask(length));
}
