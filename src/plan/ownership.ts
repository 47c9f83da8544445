// How pbr recognises its own objects on a host: rule/route protocol, the nft table, its files.
import type { Route, Rule } from '../model/network-state.ts';

/** Rule and route protocol of pbr's objects (unused by the kernel and by iproute2's rt_protos). */
export const PBR_PROTOCOL = 117;
export const PBR_PROTOCOL_NAME = 'pbr';
export const PBR_NFT_FAMILY = 'inet';
export const PBR_NFT_TABLE = 'pbr';
export const PBR_RT_TABLES_FILE = '/etc/iproute2/rt_tables.d/pbr.conf';
export const PBR_FILES: readonly string[] = [PBR_RT_TABLES_FILE];

/** `ip` prints the protocol as a number, or as a name where an rt_protos file gives it one. */
export function isPbrProtocol(protocol: string | undefined): boolean {
  return protocol === String(PBR_PROTOCOL) || protocol === PBR_PROTOCOL_NAME;
}

export function isPbrRule(rule: Rule): boolean {
  return isPbrProtocol(rule.protocol);
}

export function isPbrRoute(route: Route): boolean {
  return isPbrProtocol(route.protocol);
}
