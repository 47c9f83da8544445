// IPv6 address classes and scopes as the kernel computes them for routing and source selection.

/** IPV6_ADDR_* type bits (include/net/ipv6.h). */
export const IPV6_ADDR_ANY = 0x0000;
export const IPV6_ADDR_UNICAST = 0x0001;
export const IPV6_ADDR_MULTICAST = 0x0002;
export const IPV6_ADDR_LOOPBACK = 0x0010;
export const IPV6_ADDR_LINKLOCAL = 0x0020;
export const IPV6_ADDR_SITELOCAL = 0x0040;
export const IPV6_ADDR_COMPATV4 = 0x0080;
export const IPV6_ADDR_MAPPED = 0x1000;

/** IPV6_ADDR_SCOPE_* values; larger is wider. */
export const IPV6_ADDR_SCOPE_NODELOCAL = 0x01;
export const IPV6_ADDR_SCOPE_LINKLOCAL = 0x02;
export const IPV6_ADDR_SCOPE_SITELOCAL = 0x05;
export const IPV6_ADDR_SCOPE_GLOBAL = 0x0e;
/** __IPV6_ADDR_SCOPE_INVALID: the scope of :: */
export const IPV6_ADDR_SCOPE_INVALID = -1;

export interface Ipv6AddrType {
  /** IPV6_ADDR_* bits */
  readonly flags: number;
  /** IPV6_ADDR_SCOPE_* (the scope __ipv6_addr_src_scope() returns) */
  readonly scope: number;
}

const ANY: Ipv6AddrType = { flags: IPV6_ADDR_ANY, scope: IPV6_ADDR_SCOPE_INVALID };

function word(value: bigint, index: number): number {
  return Number((value >> BigInt(96 - 32 * index)) & 0xffffffffn);
}

// mirrors ipv6_addr_scope2type(), net/ipv6/addrconf_core.c
function multicastType(scope: number): Ipv6AddrType {
  const extra =
    scope === IPV6_ADDR_SCOPE_NODELOCAL
      ? IPV6_ADDR_LOOPBACK
      : scope === IPV6_ADDR_SCOPE_LINKLOCAL
        ? IPV6_ADDR_LINKLOCAL
        : scope === IPV6_ADDR_SCOPE_SITELOCAL
          ? IPV6_ADDR_SITELOCAL
          : 0;
  return { flags: IPV6_ADDR_MULTICAST | extra, scope };
}

// mirrors __ipv6_addr_type(), net/ipv6/addrconf_core.c
export function classifyIpv6(value: bigint): Ipv6AddrType {
  const st = word(value, 0);
  const top3 = st >>> 29;
  if (top3 !== 0 && top3 !== 7) return { flags: IPV6_ADDR_UNICAST, scope: IPV6_ADDR_SCOPE_GLOBAL };
  if (st >>> 24 === 0xff) return multicastType((st >>> 16) & 0x0f);
  if (st >>> 22 === 0x3fa) return { flags: IPV6_ADDR_LINKLOCAL | IPV6_ADDR_UNICAST, scope: IPV6_ADDR_SCOPE_LINKLOCAL };
  if (st >>> 22 === 0x3fb) return { flags: IPV6_ADDR_SITELOCAL | IPV6_ADDR_UNICAST, scope: IPV6_ADDR_SCOPE_SITELOCAL };
  if (st >>> 25 === 0x7e) return { flags: IPV6_ADDR_UNICAST, scope: IPV6_ADDR_SCOPE_GLOBAL };
  if (st === 0 && word(value, 1) === 0) {
    if (word(value, 2) === 0) {
      const last = word(value, 3);
      if (last === 0) return ANY;
      if (last === 1) return { flags: IPV6_ADDR_LOOPBACK | IPV6_ADDR_UNICAST, scope: IPV6_ADDR_SCOPE_LINKLOCAL };
      return { flags: IPV6_ADDR_COMPATV4 | IPV6_ADDR_UNICAST, scope: IPV6_ADDR_SCOPE_GLOBAL };
    }
    if (word(value, 2) === 0xffff) return { flags: IPV6_ADDR_MAPPED, scope: IPV6_ADDR_SCOPE_GLOBAL };
  }
  return { flags: IPV6_ADDR_UNICAST, scope: IPV6_ADDR_SCOPE_GLOBAL };
}

// mirrors rt6_need_strict(), include/net/ip6_route.h: the lookup must stay on the given device
export function needsStrictIface(value: bigint): boolean {
  return (classifyIpv6(value).flags & (IPV6_ADDR_MULTICAST | IPV6_ADDR_LINKLOCAL | IPV6_ADDR_LOOPBACK)) !== 0;
}

/** The length of the common leading bits of two addresses (ipv6_addr_diff(), include/net/ipv6.h). */
export function commonPrefixLength(a: bigint, b: bigint): number {
  const diff = a ^ b;
  return diff === 0n ? 128 : 128 - diff.toString(2).length;
}
