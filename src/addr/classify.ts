// Address classes the routing engine tests, named after the kernel helpers they mirror.
import { makeIpv4 } from './ipv4.ts';
import { makeIpv6 } from './ipv6.ts';
import type { IpAddress, Ipv4Address, Ipv6Address } from './types.ts';

const V4_MAPPED_PREFIX = 0xffffn << 32n;

// mirrors ipv4_is_multicast() (224/4), include/linux/in.h, and ipv6_addr_is_multicast() (ff00::/8)
export function isMulticast(addr: IpAddress): boolean {
  return addr.family === 4 ? addr.value >>> 28 === 0xe : addr.value >> 120n === 0xffn;
}

// mirrors ipv4_is_local_multicast(), include/linux/in.h: 224.0.0.0/24
export function isLocalMulticast4(addr: IpAddress): boolean {
  return addr.family === 4 && addr.value >>> 8 === 0xe00000;
}

// mirrors ipv4_is_lbcast(), include/linux/in.h: exactly 255.255.255.255
export function isLimitedBroadcast(addr: IpAddress): boolean {
  return addr.family === 4 && addr.value === 0xffffffff;
}

// mirrors ipv4_is_loopback(), include/linux/in.h: 127/8
export function isLoopback4(addr: IpAddress): boolean {
  return addr.family === 4 && addr.value >>> 24 === 127;
}

// mirrors ipv6_addr_loopback(), include/net/ipv6.h: exactly ::1
export function isLoopback6(addr: IpAddress): boolean {
  return addr.family === 6 && addr.value === 1n;
}

// mirrors ipv4_is_zeronet(), include/linux/in.h: exactly 0.0.0.0 (0.1.2.3 is routable; spec §7)
export function isZeronet(addr: IpAddress): boolean {
  return addr.family === 4 && addr.value === 0;
}

/** 0.0.0.0 or :: */
export function isUnspecified(addr: IpAddress): boolean {
  return addr.family === 4 ? addr.value === 0 : addr.value === 0n;
}

// mirrors ipv4_is_linklocal_169(), include/linux/in.h: 169.254/16
export function isLinkLocal4(addr: IpAddress): boolean {
  return addr.family === 4 && addr.value >>> 16 === 0xa9fe;
}

// mirrors IPV6_ADDR_LINKLOCAL in __ipv6_addr_type(), net/ipv6/addrconf_core.c: fe80::/10
export function isLinkLocal6(addr: IpAddress): boolean {
  return addr.family === 6 && addr.value >> 118n === 0x3fan;
}

// mirrors ipv6_addr_v4mapped(), include/net/ipv6.h: ::ffff:0:0/96
export function isV4Mapped(addr: IpAddress): addr is Ipv6Address {
  return addr.family === 6 && addr.value >> 32n === 0xffffn;
}

/** The IPv4 address inside ::ffff:a.b.c.d, or undefined for any other address. */
export function v4MappedToIpv4(addr: IpAddress): Ipv4Address | undefined {
  return isV4Mapped(addr) ? makeIpv4(Number(addr.value & 0xffffffffn)) : undefined;
}

export function ipv4ToV4Mapped(addr: Ipv4Address): Ipv6Address {
  return makeIpv6(V4_MAPPED_PREFIX | BigInt(addr.value));
}
