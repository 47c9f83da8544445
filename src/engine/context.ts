// Indexes over one NetworkState, built once and shared by every lookup (both families).
import type { Family, IpAddress } from '../addr/types.ts';
import type { InterfaceAddress, Link, NetworkState, NexthopObject, Rule } from '../model/network-state.ts';
import { tableName } from '../model/rt-tables.ts';
import { parseKernelRelease, type KernelVersion } from './kernel-version.ts';
import { Sysctls } from './sysctl.ts';

const EMPTY_GROUPS: ReadonlySet<number> = new Set();

export class EngineContext {
  readonly kernel: KernelVersion;
  readonly sysctls: Sysctls;
  private readonly linksByName = new Map<string, Link>();
  private readonly linksByIndex = new Map<number, Link>();
  private readonly addrs = new Map<string, InterfaceAddress[]>();
  private readonly nexthopObjects = new Map<number, NexthopObject>();
  private readonly sortedRules = new Map<Family, readonly Rule[]>();
  private readonly rulePrefs = new Map<Family, ReadonlySet<number>>();
  private readonly orderedLinks: readonly Link[];
  private readonly v4Owners = new Map<number, InterfaceAddress>();
  private readonly groups = new Map<string, Set<number>>();
  private readonly neighbourStates = new Map<string, readonly string[]>();

  constructor(readonly state: NetworkState) {
    this.kernel = parseKernelRelease(state.kernelRelease);
    this.sysctls = Sysctls.of(state);
    for (const link of state.links) {
      this.linksByName.set(link.name, link);
      this.linksByIndex.set(link.ifindex, link);
    }
    for (const a of [...state.addresses].sort((x, y) => x.order - y.order)) {
      const key = `${a.family}/${a.ifindex}`;
      const list = this.addrs.get(key);
      if (list) list.push(a);
      else this.addrs.set(key, [a]);
    }
    this.orderedLinks = [...state.links].sort((a, b) => a.ifindex - b.ifindex);
    for (const link of this.orderedLinks) {
      for (const a of this.addressesOf(4, link.ifindex)) {
        const key = Number(a.local.value) >>> 0;
        if (!this.v4Owners.has(key)) this.v4Owners.set(key, a);
      }
    }
    for (const m of state.multicast) {
      if (m.group.family !== 4) continue;
      const set = this.groups.get(m.dev) ?? new Set<number>();
      set.add(m.group.value);
      this.groups.set(m.dev, set);
    }
    for (const n of state.neighbours) this.neighbourStates.set(`${n.dev}|${n.address.family}|${n.address.value}`, n.state);
    for (const nh of state.nexthopObjects) this.nexthopObjects.set(nh.id, nh);
    // rules are one list by pref; equal prefs keep insertion (dump) order
    const byPref = (a: Rule, b: Rule) => a.priority - b.priority || a.order - b.order;
    this.sortedRules.set(4, [...state.rules4].sort(byPref));
    this.sortedRules.set(6, [...state.rules6].sort(byPref));
    this.rulePrefs.set(4, new Set(state.rules4.map((r) => r.priority)));
    this.rulePrefs.set(6, new Set(state.rules6.map((r) => r.priority)));
  }

  linkByName(name: string): Link | undefined {
    return this.linksByName.get(name);
  }

  linkByIndex(ifindex: number): Link | undefined {
    return this.linksByIndex.get(ifindex);
  }

  /** Devices in device-list order (by ifindex; lo first). */
  linksInOrder(): readonly Link[] {
    return this.orderedLinks;
  }

  /** The address record whose local address is this IPv4 address (u32), on any device. */
  ipv4AddressOwner(addr: number): InterfaceAddress | undefined {
    return this.v4Owners.get(addr >>> 0);
  }

  /** IPv4 multicast groups (u32) a device has joined, from `ip maddr`. */
  joinedGroups(dev: string): ReadonlySet<number> {
    return this.groups.get(dev) ?? EMPTY_GROUPS;
  }

  /** NUD state words of the neighbour entry for `addr` on `dev`, undefined when there is no entry. */
  neighbourState(dev: string, addr: IpAddress): readonly string[] | undefined {
    return this.neighbourStates.get(`${dev}|${addr.family}|${addr.value}`);
  }

  /** ifindex of a device name, 0 when there is no such device. */
  ifindexOf(name: string): number {
    return this.linksByName.get(name)?.ifindex ?? 0;
  }

  devName(ifindex: number): string {
    return this.linksByIndex.get(ifindex)?.name ?? `if${ifindex}`;
  }

  /** The device's addresses of one family in the kernel's list order (`order`). */
  addressesOf(family: Family, ifindex: number): readonly InterfaceAddress[] {
    return this.addrs.get(`${family}/${ifindex}`) ?? [];
  }

  nexthopObject(id: number): NexthopObject | undefined {
    return this.nexthopObjects.get(id);
  }

  /** The rule list of one family in kernel order (pref ascending, then insertion order). */
  rules(family: Family): readonly Rule[] {
    return this.sortedRules.get(family) ?? [];
  }

  /** Some rule of the family has this pref (a goto to it is resolved). */
  hasRulePref(family: Family, pref: number): boolean {
    return this.rulePrefs.get(family)?.has(pref) ?? false;
  }

  tableName(id: number): string {
    return tableName(this.state.rtTables, id);
  }
}
