// Addresses and prefixes: the whole parse/format/classify API in one import.
export type { Family, IpAddress, IpPrefix, Ipv4Address, Ipv6Address, ParseMode } from './types.ts';
export { makeIpv4, parseIpv4, parseIpv4Strict, parseIpv4Iproute2, formatIpv4, formatIpv4Value, ipv4ToBytes, ipv4FromBytes } from './ipv4.ts';
export { makeIpv6, parseIpv6, formatIpv6, ipv6ToBytes, ipv6FromBytes, ipv6ToWords, ipv6FromWords } from './ipv6.ts';
export { familyBits, parseIp, formatIp, compareIp, ipEquals, assertPrefixLength, ipv4Netmask, ipv6Netmask, maskAddress } from './address.ts';
export {
  kernelHostBitsPolicy,
  makePrefix,
  hasHostBits,
  parsePrefix,
  parsePrefixResult,
  formatPrefix,
  formatRouteDst,
  formatRuleSelector,
  prefixContains,
  prefixContainsPrefix,
  comparePrefix,
  prefixEquals,
} from './prefix.ts';
export type { HostBitsPolicy, PrefixParseResult, FormatPrefixOptions } from './prefix.ts';
export {
  isMulticast,
  isLocalMulticast4,
  isLimitedBroadcast,
  isLoopback4,
  isLoopback6,
  isZeronet,
  isUnspecified,
  isLinkLocal4,
  isLinkLocal6,
  isV4Mapped,
  v4MappedToIpv4,
  ipv4ToV4Mapped,
} from './classify.ts';
