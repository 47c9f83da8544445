// The C library's strtoul() with base 0, as iproute2 uses it for address octets and prefix lengths.

const UINT32_MAX = 0xffffffff;
const ULONG_LIMIT = 1n << 64n;

export interface StrtoulResult {
  /** the converted value; Infinity when it does not fit in 32 bits (after C's wrap of a negated value) */
  readonly value: number;
  /** index just past the last character used; equals the start index when nothing was converted */
  readonly end: number;
}

function isCSpace(code: number): boolean {
  return code === 0x20 || (code >= 0x09 && code <= 0x0d);
}

function digitValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x61 && code <= 0x66) return code - 0x61 + 10;
  if (code >= 0x41 && code <= 0x46) return code - 0x41 + 10;
  return 99;
}

// mirrors glibc strtoul(nptr, &endptr, 0) on LP64: leading space, sign, 0x/0 base prefixes, wrap of "-n"
export function strtoulBase0(text: string, start: number): StrtoulResult {
  let i = start;
  while (i < text.length && isCSpace(text.charCodeAt(i))) i++;
  let negative = false;
  if (text[i] === '+' || text[i] === '-') {
    negative = text[i] === '-';
    i++;
  }
  let base = 10;
  if (text[i] === '0') {
    const x = text[i + 1];
    if ((x === 'x' || x === 'X') && digitValue(text.charCodeAt(i + 2)) < 16) {
      base = 16;
      i += 2;
    } else {
      base = 8;
    }
  }
  const digitsStart = i;
  while (i < text.length && digitValue(text.charCodeAt(i)) < base) i++;
  if (i === digitsStart) return { value: 0, end: start };
  const digits = text.slice(digitsStart, i);
  if (digits.length <= 9) {
    const small = parseInt(digits, base);
    return { value: (negative && small !== 0) || small > UINT32_MAX ? Infinity : small, end: i };
  }
  let magnitude = BigInt(base === 16 ? `0x${digits}` : base === 8 ? `0o${digits}` : digits);
  if (magnitude >= ULONG_LIMIT) return { value: Infinity, end: i };
  if (negative && magnitude !== 0n) magnitude = ULONG_LIMIT - magnitude;
  return { value: magnitude > BigInt(UINT32_MAX) ? Infinity : Number(magnitude), end: i };
}
