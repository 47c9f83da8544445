// Collects the reasoning steps of one lookup (shown by --explain); nested lookups get a deeper depth.
import type { ExplainStep } from '../model/route-query.ts';

export type ExplainKind = ExplainStep['kind'];

export class ExplainSink {
  private readonly collected: ExplainStep[] = [];
  private depth = 0;

  add(kind: ExplainKind, text: string): void {
    this.collected.push({ kind, text, depth: this.depth });
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
