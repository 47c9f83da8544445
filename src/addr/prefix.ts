// Prefixes: parse (strict or as iproute2's get_prefix), format as iproute2 prints them, containment.
import { compareIp, familyBits, formatIp, ipEquals, maskAddress, parseIp } from './address.ts';
import { strtoulBase0 } from './c-strtoul.ts';
import { makeIpv4, parseIpv4Iproute2 } from './ipv4.ts';
import { makeIpv6 } from './ipv6.ts';
import type { Family, IpAddress, IpPrefix, ParseMode } from './types.ts';

/** What to do with bits set after the prefix length: fail, clear them, or keep them as written. */
export type HostBitsPolicy = 'reject' | 'mask' | 'keep';

export type PrefixParseResult =
  | { readonly kind: 'ok'; readonly prefix: IpPrefix }
  /** syntax: not a prefix; family: a prefix of the other family (or a keyword without a family); host-bits: policy `reject` */
  | { readonly kind: 'error'; readonly reason: 'syntax' | 'family' | 'host-bits' };

/**
 * What the kernel does with host bits (verified on 6.18, checked by iproute2-oracle.test.ts): an IPv4
 * route fails with EINVAL "Invalid prefix for given prefix length", an IPv6 route is masked silently,
 * a rule keeps them (`ip rule` shows `from 10.0.0.1/8`, and matching masks them).
 */
export function kernelHostBitsPolicy(object: 'route' | 'rule', family: Family): HostBitsPolicy {
  if (object === 'rule') return 'keep';
  return family === 4 ? 'reject' : 'mask';
}

/** The prefix of `length` bits that contains `address` (host bits cleared). */
export function makePrefix(address: IpAddress, length: number): IpPrefix {
  return { address: maskAddress(address, length), length };
}

export function hasHostBits(prefix: IpPrefix): boolean {
  return !ipEquals(maskAddress(prefix.address, prefix.length), prefix.address);
}

const STRICT_LENGTH = /^(0|[1-9][0-9]{0,2})$/;
const KEYWORDS = new Set(['default', 'all', 'any']);

// mirrors mask2bits(), iproute2 lib/utils.c: a dotted netmask must be contiguous ones
function netmaskBits(mask: number): number {
  const host = ~mask >>> 0;
  if ((host & (host + 1)) !== 0) return -1;
  return 32 - Math.log2(host + 1);
}

// mirrors get_netmask(), iproute2 lib/utils.c: get_unsigned(base 0), else a dotted IPv4 netmask
function parseIproute2Length(text: string): number {
  if (text.length > 0) {
    const { value, end } = strtoulBase0(text, 0);
    if (end > 0 && end === text.length && value !== Infinity) return value;
  }
  if (text.includes(':')) return -1;
  const mask = KEYWORDS.has(text) ? 0 : parseIpv4Iproute2(text);
  return mask < 0 ? -1 : netmaskBits(mask);
}

// mirrors get_prefix_1() and get_addr_1(), iproute2 lib/utils.c, in iproute2 mode
function parseAddressAndLength(text: string, family: Family | undefined, mode: ParseMode): PrefixParseResult | { address: IpAddress; length: number } {
  const slash = text.indexOf('/');
  const addrText = slash < 0 ? text : text.slice(0, slash);
  const lengthText = slash < 0 ? undefined : text.slice(slash + 1);
  if (mode === 'iproute2' && KEYWORDS.has(addrText)) {
    if (lengthText !== undefined) return { kind: 'error', reason: 'syntax' };
    if (family === undefined) return { kind: 'error', reason: 'family' };
    return { address: family === 4 ? makeIpv4(0) : makeIpv6(0n), length: 0 };
  }
  const textFamily: Family = addrText.includes(':') ? 6 : 4;
  const address = parseIp(addrText, mode, textFamily);
  if (!address) return { kind: 'error', reason: 'syntax' };
  if (family !== undefined && family !== textFamily) return { kind: 'error', reason: 'family' };
  const bits = familyBits(textFamily);
  if (lengthText === undefined) return { address, length: bits };
  let length: number;
  if (mode === 'strict') length = STRICT_LENGTH.test(lengthText) ? Number(lengthText) : -1;
  else length = parseIproute2Length(lengthText);
  if (length < 0 || length > bits) return { kind: 'error', reason: 'syntax' };
  return { address, length };
}

/**
 * Parses `addr/len` or a bare address (a host prefix). iproute2 mode takes what `ip` takes: short IPv4
 * forms (`10.1/16` is 10.1.0.0/16), octal and hex parts, netmask lengths (`/255.255.0.0`), and the
 * keywords `default`/`all`/`any` for the 0/0 prefix of `family` (required for them).
 * hostBits defaults to `reject` in strict mode and to `keep` in iproute2 mode (iproute2 never masks;
 * see kernelHostBitsPolicy for what the kernel then does).
 */
export function parsePrefixResult(
  text: string,
  family?: Family,
  mode: ParseMode = 'strict',
  hostBits: HostBitsPolicy = mode === 'strict' ? 'reject' : 'keep',
): PrefixParseResult {
  const parsed = parseAddressAndLength(text, family, mode);
  if ('kind' in parsed) return parsed;
  const prefix: IpPrefix = { address: parsed.address, length: parsed.length };
  if (hostBits === 'keep' || !hasHostBits(prefix)) return { kind: 'ok', prefix };
  if (hostBits === 'reject') return { kind: 'error', reason: 'host-bits' };
  return { kind: 'ok', prefix: makePrefix(prefix.address, prefix.length) };
}

export function parsePrefix(
  text: string,
  family?: Family,
  mode: ParseMode = 'strict',
  hostBits: HostBitsPolicy = mode === 'strict' ? 'reject' : 'keep',
): IpPrefix | undefined {
  const r = parsePrefixResult(text, family, mode, hostBits);
  return r.kind === 'ok' ? r.prefix : undefined;
}

export interface FormatPrefixOptions {
  /** print host prefixes (/32, /128) as a bare address, as iproute2 does */
  readonly hostWithoutLength?: boolean;
  /** print a zero-length prefix as this word (`default` for route destinations, `all` for rule selectors) */
  readonly zeroLength?: string;
}

export function formatPrefix(prefix: IpPrefix, options: FormatPrefixOptions = {}): string {
  if (prefix.length === 0 && options.zeroLength !== undefined) return options.zeroLength;
  const addr = formatIp(prefix.address);
  if (options.hostWithoutLength && prefix.length === familyBits(prefix.address.family)) return addr;
  return `${addr}/${prefix.length}`;
}

// mirrors print_route() dst, iproute2 ip/iproute.c: "default" for 0/0, no /32 or /128
export function formatRouteDst(prefix: IpPrefix): string {
  return formatPrefix(prefix, { hostWithoutLength: true, zeroLength: 'default' });
}

// mirrors print_rule() from/to, iproute2 ip/iprule.c: "all" for length 0, no /32 or /128
export function formatRuleSelector(prefix: IpPrefix): string {
  return formatPrefix(prefix, { hostWithoutLength: true, zeroLength: 'all' });
}

/** Whether `addr` is inside `prefix` (host bits of `prefix.address`, if kept, are ignored as the kernel does). */
export function prefixContains(prefix: IpPrefix, addr: IpAddress): boolean {
  if (prefix.address.family !== addr.family) return false;
  return ipEquals(maskAddress(addr, prefix.length), maskAddress(prefix.address, prefix.length));
}

/** Whether `outer` contains every address of `inner` (true for equal prefixes). */
export function prefixContainsPrefix(outer: IpPrefix, inner: IpPrefix): boolean {
  return outer.length <= inner.length && prefixContains(outer, inner.address);
}

/** By family, then address, then length. */
export function comparePrefix(a: IpPrefix, b: IpPrefix): number {
  return compareIp(a.address, b.address) || a.length - b.length;
}

export function prefixEquals(a: IpPrefix, b: IpPrefix): boolean {
  return a.length === b.length && ipEquals(a.address, b.address);
}
