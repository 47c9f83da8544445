// Does a value fall into a set element: equal value, range, prefix, or a concatenation of those.
import type { NfElement, NfLiteral, NfMapEntry, NfOrigin } from '../../model/netfilter.ts';
import type { NfValue } from './nf-value.ts';

/**
 * Interface-name patterns: nft `"eth*"` (a trailing unescaped `*`), iptables `eth+`.
 * mirrors nft_cmp with a shortened length and xt ifname masks (iptables' `+`).
 */
function matchIfname(name: string, pattern: string, origin: NfOrigin): boolean {
  if (pattern.endsWith('\\*')) return name === `${pattern.slice(0, -2)}*`;
  const wildcard = pattern.endsWith('*') || (origin !== 'nft' && pattern.endsWith('+'));
  return wildcard ? name.startsWith(pattern.slice(0, -1)) : name === pattern;
}

function matchLiteral(value: NfLiteral, element: NfElement, origin: NfOrigin): boolean {
  switch (element.kind) {
    case 'value':
      if (typeof value === 'string' && typeof element.value === 'string') return matchIfname(value, element.value, origin);
      return value === element.value;
    case 'range':
      return typeof value === 'bigint' && value >= element.low && value <= element.high;
    case 'prefix': {
      if (typeof value !== 'bigint') return false;
      // nft compiles a prefix to `bitwise & mask; cmp eq addr`: host bits set in addr never match (mark 0x1/30)
      const mask = ((1n << BigInt(element.length)) - 1n) << BigInt(element.width - element.length);
      return (value & mask) === element.value;
    }
    case 'concat':
      return false;
  }
}

export function matchElement(value: NfValue, element: NfElement, origin: NfOrigin): boolean {
  if (Array.isArray(value)) {
    if (element.kind !== 'concat' || element.parts.length !== value.length) return false;
    return element.parts.every((part, i) => matchElement(value[i] as NfLiteral, part, origin));
  }
  return matchLiteral(value as NfLiteral, element, origin);
}

/** The first entry whose key holds `value` (interval sets never overlap in the kernel, so first = only). */
export function findEntry(value: NfValue, entries: readonly NfMapEntry[], origin: NfOrigin): NfMapEntry | undefined {
  return entries.find((entry) => matchElement(value, entry.key, origin));
}

/** `<`, `>`, `<=`, `>=` against a single value; nft compares the big-endian register, i.e. the unsigned number. */
export function compareOrdered(value: NfValue, op: '<' | '>' | '<=' | '>=', element: NfElement): boolean | undefined {
  if (typeof value !== 'bigint' || element.kind !== 'value' || typeof element.value !== 'bigint') return undefined;
  const right = element.value;
  switch (op) {
    case '<': return value < right;
    case '>': return value > right;
    case '<=': return value <= right;
    case '>=': return value >= right;
  }
}
