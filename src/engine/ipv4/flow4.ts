// The IPv4 lookup key (struct flowi4) and the constants the IPv4 paths use.
import { formatIpv4Value } from '../../addr/ipv4.ts';
import type { RuleFlowCommon } from '../rules.ts';

export const IPPROTO_ICMP = 1;
export const IPPROTO_IGMP = 2;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;

export const INADDR_LOOPBACK = 0x7f000001;

/** struct flowi4: addresses as u32, tos as the dsfield with the ECN bits cleared. */
export interface Flow4 extends RuleFlowCommon {
  daddr: number;
  saddr: number;
  /** dsfield & 0xfc */
  tos: number;
  scope: number;
  iif: number;
  oif: number;
  l3mdev: number;
  l3mdevFromOif: boolean;
}

export function fmt4(value: number): string {
  return formatIpv4Value(value >>> 0);
}

// mirrors ipv4_is_multicast(), ipv4_is_lbcast(), ipv4_is_loopback(), ipv4_is_local_multicast(), include/linux/in.h
export const isMulticast4 = (a: number): boolean => a >>> 28 === 0xe;
export const isLbcast4 = (a: number): boolean => a >>> 0 === 0xffffffff;
export const isLoopback4 = (a: number): boolean => a >>> 24 === 127;
export const isLocalMulticast4 = (a: number): boolean => a >>> 8 === 0xe00000;
