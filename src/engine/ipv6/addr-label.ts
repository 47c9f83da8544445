// The default IPv6 address label policy (RFC 6724 rule 6) the kernel starts every netns with.

interface LabelEntry {
  readonly prefix: bigint;
  readonly length: number;
  readonly label: number;
}

function entry(prefix: bigint, length: number, label: number): LabelEntry {
  return { prefix, length, label };
}

// mirrors ip6addrlbl_init_table, net/ipv6/addrlabel.c (longest prefix first, as the kernel keeps it)
const DEFAULT_LABELS: readonly LabelEntry[] = [
  entry(1n, 128, 0),
  entry(0xffffn << 32n, 96, 4),
  entry(0n, 96, 3),
  entry(0x2001_0010n << 96n, 28, 7),
  entry(0x2001_0000n << 96n, 32, 6),
  entry(0x2002n << 112n, 16, 2),
  entry(0x3ffen << 112n, 16, 12),
  entry(0xfec0n << 112n, 10, 11),
  entry(0xfcn << 120n, 7, 5),
];

/** The label of ::/0, the table's last entry. */
const DEFAULT_LABEL = 1;

function contains(e: LabelEntry, value: bigint): boolean {
  return value >> BigInt(128 - e.length) === e.prefix >> BigInt(128 - e.length);
}

/** The label of an address under the default policy (`ip addrlabel` changes are not captured). */
// mirrors ipv6_addr_label(), net/ipv6/addrlabel.c
export function ipv6AddrLabel(value: bigint): number {
  for (const e of DEFAULT_LABELS) if (contains(e, value)) return e.label;
  return DEFAULT_LABEL;
}
