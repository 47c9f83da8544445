// C strtoul() on a 64-bit unsigned long, as iproute2's number parsers rely on it (glibc semantics).

const ULONG_MAX = (1n << 64n) - 1n;

export interface StrtoulResult {
  /** the converted value, already wrapped for a leading '-' like C does */
  readonly value: bigint;
  /** index of the first character not consumed; 0 when no digits were found */
  readonly end: number;
  /** ERANGE: the magnitude exceeded ULONG_MAX (value is then ULONG_MAX) */
  readonly overflow: boolean;
}

function digitValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 122) return code - 87;
  if (code >= 65 && code <= 90) return code - 55;
  return 99;
}

function isSpace(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\v' || ch === '\f' || ch === '\r';
}

/** mirrors strtoul(3): base 0 picks 16 for "0x", 8 for a leading "0", else 10. */
export function strtoul(text: string, base: 0 | 8 | 10 | 16): StrtoulResult {
  let i = 0;
  while (isSpace(text[i])) i++;
  let negative = false;
  if (text[i] === '+' || text[i] === '-') {
    negative = text[i] === '-';
    i++;
  }
  let radix: number = base;
  const hexPrefix = text[i] === '0' && (text[i + 1] === 'x' || text[i + 1] === 'X') && digitValue(text.charCodeAt(i + 2)) < 16;
  if ((radix === 0 || radix === 16) && hexPrefix) {
    radix = 16;
    i += 2;
  } else if (radix === 0) {
    radix = text[i] === '0' ? 8 : 10;
  }
  const start = i;
  let value = 0n;
  let overflow = false;
  const big = BigInt(radix);
  for (; i < text.length; i++) {
    const d = digitValue(text.charCodeAt(i));
    if (d >= radix) break;
    value = value * big + BigInt(d);
    if (value > ULONG_MAX) overflow = true;
  }
  if (i === start) return { value: 0n, end: 0, overflow: false };
  if (overflow) return { value: ULONG_MAX, end: i, overflow: true };
  return { value: negative && value !== 0n ? ULONG_MAX + 1n - value : value, end: i, overflow: false };
}

/**
 * The whole string as one number no larger than `max`, else undefined.
 * mirrors get_unsigned()/get_u16()/get_u8() in lib/utils.c (empty string, trailing characters,
 * overflow and out-of-range values are errors).
 */
export function parseCUnsigned(text: string, base: 0 | 8 | 10 | 16, max: number): number | undefined {
  if (text === '') return undefined;
  const r = strtoul(text, base);
  if (r.end === 0 || r.end !== text.length || r.overflow || r.value > BigInt(max)) return undefined;
  return Number(r.value);
}
