// Value types for IP addresses and prefixes. IPv4 as an unsigned 32-bit number, IPv6 as a 128-bit bigint.
export type Family = 4 | 6;

export interface Ipv4Address {
  readonly family: 4;
  readonly value: number;
}

export interface Ipv6Address {
  readonly family: 6;
  readonly value: bigint;
}

export type IpAddress = Ipv4Address | Ipv6Address;

/** A prefix whose host bits are zero. */
export interface IpPrefix {
  readonly address: IpAddress;
  readonly length: number;
}

/** `strict`: canonical address forms only; `iproute2`: whatever `ip` itself accepts on its command line. */
export type ParseMode = 'strict' | 'iproute2';
