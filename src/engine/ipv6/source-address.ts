// IPv6 source address selection (RFC 6724 as the kernel implements it).
import { formatIp } from '../../addr/address.ts';
import type { IpAddress } from '../../addr/types.ts';
import type { InterfaceAddress, Link } from '../../model/network-state.ts';
import type { ExplainSink } from '../explain.ts';
import { ipv6AddrLabel } from './addr-label.ts';
import {
  classifyIpv6,
  commonPrefixLength,
  IPV6_ADDR_COMPATV4,
  IPV6_ADDR_LOOPBACK,
  IPV6_ADDR_MAPPED,
  IPV6_ADDR_MULTICAST,
  IPV6_ADDR_SCOPE_LINKLOCAL,
} from './addr-type.ts';
import type { Ipv6Context } from './context.ts';

/** The rules in the order ipv6_get_saddr_eval() applies them (IPV6_SADDR_RULE_*, no MIP6 home address). */
const RULES = [
  'first candidate',
  'same address',
  'appropriate scope',
  'avoid deprecated and optimistic',
  'outgoing interface',
  'matching label',
  'public address',
  'ORCHID',
  'longest matching prefix',
  'not optimistic',
] as const;

interface Candidate {
  readonly addr: InterfaceAddress;
  readonly scores: readonly number[];
}

const ORCHID_PREFIX = 0x2001_0010n >> 4n;

function isOrchid(value: bigint): boolean {
  return value >> 100n === ORCHID_PREFIX;
}

function hasFlag(a: InterfaceAddress, flag: string): boolean {
  return a.flags.includes(flag);
}

/** The master ifindex of a device's L3 domain (l3mdev_master_ifindex_rcu()), 0 outside any VRF. */
function l3Domain(ctx: Ipv6Context, link: Link): number {
  if (link.l3Master) return link.ifindex;
  const master = link.master !== undefined ? ctx.engine.linkByName(link.master) : undefined;
  return master?.l3Master ? master.ifindex : 0;
}

// mirrors ipv6_get_saddr_eval(), net/ipv6/addrconf.c: one value per rule, larger is better
function scoreCandidate(ctx: Ipv6Context, a: InterfaceAddress, daddr: bigint, dstScope: number, dstIfindex: number, dstLabel: number): number[] {
  const value = BigInt(a.local.value);
  const type = classifyIpv6(value);
  const scope = type.scope >= dstScope ? -type.scope : type.scope - 128;
  const useOptimistic = ctx.engine.sysctls.useOptimistic(a.dev);
  const avoided = hasFlag(a, 'deprecated') || (!useOptimistic && hasFlag(a, 'optimistic'));
  const preferredType = (type.flags & (IPV6_ADDR_MAPPED | IPV6_ADDR_COMPATV4 | IPV6_ADDR_LOOPBACK)) !== 0;
  const temporary = hasFlag(a, 'temporary') || a.secondary;
  const preferTemporary = ctx.engine.sysctls.useTempaddr(a.dev) >= 2;
  return [
    1,
    value === daddr ? 1 : 0,
    scope,
    preferredType || !avoided ? 1 : 0,
    dstIfindex === 0 || dstIfindex === a.ifindex ? 1 : 0,
    ipv6AddrLabel(value) === dstLabel ? 1 : 0,
    !temporary !== preferTemporary ? 1 : 0,
    isOrchid(value) === isOrchid(daddr) ? 1 : 0,
    Math.min(commonPrefixLength(value, daddr), a.prefixLength),
    hasFlag(a, 'optimistic') ? 0 : 1,
  ];
}

/** The first rule where b beats a (index), or -1 when a stays (a tie keeps the earlier candidate). */
function beats(a: readonly number[], b: readonly number[]): number {
  for (let i = 1; i < RULES.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (y > x) return i;
    if (y < x) return -1;
  }
  return -1;
}

/** Usable candidates of one device in its address list order (tentative and non-unicast ones are skipped). */
function candidatesOf(ctx: Ipv6Context, link: Link): InterfaceAddress[] {
  return ctx.engine.addressesOf(6, link.ifindex).filter((a) => {
    // a tentative address counts only when it is optimistic; dadfailed addresses stay tentative
    if ((hasFlag(a, 'tentative') || hasFlag(a, 'dadfailed')) && !hasFlag(a, 'optimistic')) return false;
    const type = classifyIpv6(BigInt(a.local.value));
    return type.flags !== 0 && (type.flags & IPV6_ADDR_MULTICAST) === 0;
  });
}

/**
 * The source address for `daddr` sent through `dstDev` (undefined: any device), or undefined when no
 * address qualifies (the kernel's -EADDRNOTAVAIL).
 */
// mirrors ipv6_dev_get_saddr(), net/ipv6/addrconf.c (prefs 0: no socket preferences)
export function selectSourceAddress6(ctx: Ipv6Context, dstDev: Link | undefined, daddr: IpAddress, explain: ExplainSink): IpAddress | undefined {
  const d = BigInt(daddr.value);
  const dstType = classifyIpv6(d);
  const dstIfindex = dstDev?.ifindex ?? 0;
  const dstLabel = ipv6AddrLabel(d);
  const useOif =
    dstDev !== undefined &&
    ((dstType.flags & IPV6_ADDR_MULTICAST) !== 0 ||
      dstType.scope <= IPV6_ADDR_SCOPE_LINKLOCAL ||
      ctx.engine.sysctls.ipv6Conf(dstDev.name, 'use_oif_addrs_only', 'dev') !== 0);
  let devices: Link[];
  if (useOif) {
    devices = [dstDev];
    explain.add('source', () => `candidates: addresses of ${dstDev.name} only (link-local/multicast destination or use_oif_addrs_only)`);
  } else {
    const domain = dstDev ? l3Domain(ctx, dstDev) : 0;
    const inDomain = ctx.links.filter((l) => l3Domain(ctx, l) === domain);
    const master = domain !== 0 ? ctx.engine.linkByIndex(domain) : undefined;
    // an enslaved output device and its master are tried first (ipv6_get_saddr_master())
    devices = dstDev && master ? [dstDev, master, ...inDomain] : inDomain;
    explain.add('source', () => `candidates: addresses of every device${domain !== 0 ? ` in the L3 domain of ${master?.name ?? domain}` : ''}`);
  }
  let best: Candidate | undefined;
  for (const link of devices) {
    for (const addr of candidatesOf(ctx, link)) {
      const scores = scoreCandidate(ctx, addr, d, dstType.scope, dstIfindex, dstLabel);
      if (!best) {
        best = { addr, scores };
        continue;
      }
      const rule = beats(best.scores, scores);
      if (rule >= 0) {
        const beaten = best.addr;
        explain.add('source', () => `${formatIp(addr.local)} (${addr.dev}) beats ${formatIp(beaten.local)} on rule "${RULES[rule]}"`);
        best = { addr, scores };
      }
    }
  }
  if (!best) {
    explain.add('source', 'no usable IPv6 address: no source address');
    return undefined;
  }
  explain.add('source', () => `selected source ${formatIp(best.addr.local)} (${best.addr.dev})`);
  return best.addr.local;
}
