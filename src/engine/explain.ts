// Collects the reasoning steps of one lookup (shown by --explain); nested lookups get a deeper depth.
import type { ExplainStep } from '../model/route-query.ts';

export type ExplainKind = ExplainStep['kind'];

/** A step's text, or a function that builds it: called only when the sink records, so lookups without --explain build no text. */
export type ExplainText = string | (() => string);

export function explainText(text: ExplainText): string {
  return typeof text === 'string' ? text : text();
}

export class ExplainSink {
  private readonly collected: ExplainStep[] = [];
  private depth = 0;

  /** `enabled` false gives a sink that records nothing (a lookup nobody asked to explain). */
  constructor(readonly enabled = true) {}

  add(kind: ExplainKind, text: ExplainText): void {
    if (this.enabled) this.collected.push({ kind, text: explainText(text), depth: this.depth });
  }

  /** Runs `fn` with every step it adds one level deeper (reverse lookups, second passes). */
  nest<T>(fn: () => T): T {
    this.depth++;
    try {
      return fn();
    } finally {
      this.depth--;
    }
  }

  get steps(): readonly ExplainStep[] {
    return this.collected;
  }
}
