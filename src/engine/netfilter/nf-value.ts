// What an expression reads on one packet: a value, nothing (the rule breaks), or something pbr cannot know.
import type { NfLiteral } from '../../model/netfilter.ts';

/** A register's content: one literal, or the parts of a concatenation. */
export type NfValue = NfLiteral | readonly NfLiteral[];

export type NfReading =
  | { readonly kind: 'value'; readonly value: NfValue }
  /** the expression has nothing to load (no socket, no conntrack, wrong protocol): the kernel breaks the rule */
  | { readonly kind: 'absent' }
  /** pbr cannot compute it; `why` names the construct */
  | { readonly kind: 'unknown'; readonly why: string };

/** One possible reading with its probability (the alternatives of one expression add up to 1). */
export interface NfAlternative {
  readonly reading: NfReading;
  readonly probability: number;
  readonly assumptions: readonly string[];
}

export const ABSENT: NfReading = { kind: 'absent' };

export function certain(reading: NfReading): NfAlternative[] {
  return [{ reading, probability: 1, assumptions: [] }];
}

export function valueOf(value: NfValue): NfReading {
  return { kind: 'value', value };
}

function valueKey(value: NfValue): string {
  if (Array.isArray(value)) return `[${value.map((v) => valueKey(v as NfLiteral)).join(',')}]`;
  return typeof value === 'bigint' ? `n${value.toString(16)}` : `s${JSON.stringify(value)}`;
}

export function readingKey(reading: NfReading): string {
  if (reading.kind === 'value') return valueKey(reading.value);
  return reading.kind === 'absent' ? 'absent' : `unknown:${reading.why}`;
}

export function unionAssumptions(a: readonly string[], b: readonly string[]): readonly string[] {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  return [...new Set([...a, ...b])];
}

/** Merges alternatives with equal readings, summing their probabilities; first-seen order. */
export function groupAlternatives(alternatives: readonly NfAlternative[]): NfAlternative[] {
  const byKey = new Map<string, NfAlternative>();
  for (const alt of alternatives) {
    if (alt.probability <= 0) continue;
    const key = readingKey(alt.reading);
    const seen = byKey.get(key);
    byKey.set(key, seen
      ? { reading: seen.reading, probability: seen.probability + alt.probability, assumptions: unionAssumptions(seen.assumptions, alt.assumptions) }
      : alt);
  }
  return [...byKey.values()];
}

/** Every combination of two expressions' alternatives; a missing operand breaks, an unknown one makes the result unknown. */
export function combineAlternatives(
  left: readonly NfAlternative[],
  right: readonly NfAlternative[],
  combine: (a: NfValue, b: NfValue) => NfReading,
): NfAlternative[] {
  const out: NfAlternative[] = [];
  for (const l of left) {
    for (const r of right) {
      out.push({ reading: combineReadings(l.reading, r.reading, combine), probability: l.probability * r.probability, assumptions: unionAssumptions(l.assumptions, r.assumptions) });
    }
  }
  return groupAlternatives(out);
}

function combineReadings(a: NfReading, b: NfReading, combine: (a: NfValue, b: NfValue) => NfReading): NfReading {
  if (a.kind === 'absent' || b.kind === 'absent') return ABSENT;
  if (a.kind === 'unknown') return a;
  if (b.kind === 'unknown') return b;
  return combine(a.value, b.value);
}

export function formatHex(value: number | bigint): string {
  return `0x${value.toString(16)}`;
}
