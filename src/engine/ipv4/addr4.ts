// IPv4 interface-address questions the routing code asks (net/ipv4/devinet.c, igmp.c).
import { ipv4Netmask } from '../../addr/address.ts';
import type { InterfaceAddress, Link } from '../../model/network-state.ts';
import { RT_SCOPE_HOST, RT_SCOPE_LINK } from '../../model/network-state.ts';
import type { EngineContext } from '../context.ts';

/** u32 value of an IPv4 address from the model (0 when the address is IPv6). */
export function v4(addr: { readonly family: number; readonly value: number | bigint }): number {
  return addr.family === 4 ? Number(addr.value) >>> 0 : 0;
}

// mirrors inet_ifa_match(), include/linux/inetdevice.h: ifa_address is the peer for point-to-point addresses
export function ifaMatches(addr: number, ifa: InterfaceAddress): boolean {
  const base = ifa.peer ? v4(ifa.peer.address) : v4(ifa.local);
  const len = ifa.peer ? ifa.peer.length : ifa.prefixLength;
  const mask = ipv4Netmask(len);
  return ((addr ^ base) & mask) === 0;
}

function l3MasterIndex(ctx: EngineContext, dev: Link): number {
  if (dev.l3Master) return dev.ifindex;
  if (dev.master === undefined) return 0;
  const m = ctx.linkByName(dev.master);
  return m?.l3Master ? m.ifindex : 0;
}

/** ifindex of the L3 master (VRF) a device belongs to (itself when it is one), 0 for none. */
export function l3mdevMasterIfindex(ctx: EngineContext, ifindex: number): number {
  const dev = ctx.linkByIndex(ifindex);
  return dev ? l3MasterIndex(ctx, dev) : 0;
}

// mirrors in_dev_select_addr(), net/ipv4/devinet.c
function selectAddrAnyScope(ctx: EngineContext, dev: Link, scope: number): number {
  for (const ifa of ctx.addressesOf(4, dev.ifindex)) {
    if (ifa.secondary) continue;
    if (ifa.scope !== RT_SCOPE_LINK && ifa.scope <= scope) return v4(ifa.local);
  }
  return 0;
}

// mirrors inet_select_addr(), net/ipv4/devinet.c
/** Source address for traffic leaving `ifindex` towards `dst` (0 = any) with at most `scope`; 0 when none. */
export function inetSelectAddr(ctx: EngineContext, ifindex: number, dst: number, scope: number): number {
  const dev = ctx.linkByIndex(ifindex);
  if (!dev) return 0;
  const localnetScope = ctx.sysctls.routeLocalnet(dev.name) ? RT_SCOPE_LINK : RT_SCOPE_HOST;
  let addr = 0;
  for (const ifa of ctx.addressesOf(4, ifindex)) {
    if (ifa.secondary) continue;
    if (Math.min(ifa.scope, localnetScope) > scope) continue;
    if (dst === 0 || ifaMatches(dst, ifa)) return v4(ifa.local);
    if (addr === 0) addr = v4(ifa.local);
  }
  if (addr !== 0) return addr;
  const masterIdx = l3MasterIndex(ctx, dev);
  const master = masterIdx !== 0 ? ctx.linkByIndex(masterIdx) : undefined;
  if (master) {
    const a = selectAddrAnyScope(ctx, master, scope);
    if (a !== 0) return a;
  }
  // every device of the same L3 domain in device-list order (lo first)
  for (const other of ctx.linksInOrder()) {
    if (l3MasterIndex(ctx, other) !== masterIdx) continue;
    const a = selectAddrAnyScope(ctx, other, scope);
    if (a !== 0) return a;
  }
  return 0;
}

// mirrors inet_lookup_ifaddr_rcu(), net/ipv4/devinet.c
/** The interface address record holding `addr` as its local address, on any device. */
export function lookupIfaddr(ctx: EngineContext, addr: number): InterfaceAddress | undefined {
  return ctx.ipv4AddressOwner(addr);
}

// mirrors inet_addr_onlink(), net/ipv4/devinet.c
export function inetAddrOnlink(ctx: EngineContext, ifindex: number, a: number, b: number): boolean {
  for (const ifa of ctx.addressesOf(4, ifindex)) {
    if (ifaMatches(a, ifa) && (b === 0 || ifaMatches(b, ifa))) return true;
  }
  return false;
}

// mirrors ip_check_mc_rcu(), net/ipv4/igmp.c (source filters not modelled: any joined group accepts)
/** The device has joined `group` (224.0.0.1 is joined by every device with IPv4). */
export function deviceJoinedGroup(ctx: EngineContext, ifindex: number, group: number): boolean {
  const dev = ctx.linkByIndex(ifindex);
  if (!dev) return false;
  return ctx.joinedGroups(dev.name).has(group) || (group === 0xe0000001 && dev.up);
}

/** The device has an IPv4 address (in_dev->ifa_list is not empty). */
export function hasIpv4Address(ctx: EngineContext, ifindex: number): boolean {
  return ctx.addressesOf(4, ifindex).length > 0;
}
