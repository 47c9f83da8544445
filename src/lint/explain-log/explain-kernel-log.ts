// `pbr explain-log`: every martian line of a kernel log explained on one state; the lines not understood, counted.
import type { NetworkState } from '../../model/network-state.ts';
import { explainMartian, type MartianExplanation } from './explain-martian.ts';
import { parseKernelLog, type MartianLogEntry, type UnrecognizedLine } from './parse-kernel-log.ts';

export interface ExplainedEntry {
  readonly entry: MartianLogEntry;
  readonly explanation: MartianExplanation;
}

export interface KernelLogReport {
  readonly entries: readonly ExplainedEntry[];
  readonly unrecognized: readonly UnrecognizedLine[];
}

/** Parses `text` and explains each martian line (repeats of one packet key are explained once). */
export function explainKernelLog(state: NetworkState, text: string): KernelLogReport {
  const parsed = parseKernelLog(text);
  const cache = new Map<string, MartianExplanation>();
  const entries = parsed.entries.map((entry): ExplainedEntry => {
    const key = `${entry.kind} ${entry.src.value} ${entry.dst.value} ${entry.dev}`;
    let explanation = cache.get(key);
    if (!explanation) {
      explanation = explainMartian(state, entry);
      cache.set(key, explanation);
    }
    return { entry, explanation };
  });
  return { entries, unrecognized: parsed.unrecognized };
}

/** Every line was understood and every martian explained (as fixable, genuine, or accepted on this state). */
export function isFullyExplained(report: KernelLogReport): boolean {
  return report.unrecognized.length === 0 && report.entries.every((e) => e.explanation.verdict !== 'unexplained' && e.explanation.verdict !== 'unknown-device');
}
