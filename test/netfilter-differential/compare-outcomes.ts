// Kernel vs pbr, probe by probe and direction by direction.
import { formatDirection, type DirectionOutcome, type ProbeOutcome } from './kernel-outcome.ts';
import { describeProbe, type Probe } from './probes.ts';

/** What pbr said about one probe, or why it could not be compared. */
export interface ModelProbeAnswer {
  readonly outcome?: ProbeOutcome;
  /** the model's answer is not comparable (several outcomes, an unknown disposition, a missing reply, an exception) */
  readonly problem?: string;
  /** the trace in a few lines, for the report */
  readonly explanation?: string;
}

export interface Disagreement {
  readonly probeIndex: number;
  readonly direction: 'request' | 'reply' | 'model';
  readonly kernel: string;
  readonly model: string;
  /** pbr's trace of the probe, when it produced one */
  readonly explanation?: string;
}

function sameDirection(a: DirectionOutcome | undefined, b: DirectionOutcome | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.fate === 'gone' || b.fate === 'gone') return a.fate === b.fate;
  return a.fate === b.fate && a.dev === b.dev && a.mark === b.mark && a.ctmark === b.ctmark;
}

export function compareProbe(index: number, kernel: ProbeOutcome, model: ModelProbeAnswer): Disagreement[] {
  const explanation = model.explanation === undefined ? {} : { explanation: model.explanation };
  if (model.problem !== undefined || model.outcome === undefined) {
    return [{ probeIndex: index, direction: 'model', kernel: formatDirection(kernel.request), model: model.problem ?? 'no answer', ...explanation }];
  }
  if (!sameDirection(kernel.request, model.outcome.request)) {
    return [{ probeIndex: index, direction: 'request', kernel: formatDirection(kernel.request), model: formatDirection(model.outcome.request), ...explanation }];
  }
  // a reply exists only when both agree the request got somewhere
  if (!sameDirection(kernel.reply, model.outcome.reply)) {
    return [{ probeIndex: index, direction: 'reply', kernel: formatDirection(kernel.reply), model: formatDirection(model.outcome.reply), ...explanation }];
  }
  return [];
}

export function formatDisagreement(d: Disagreement, probes: readonly Probe[]): string {
  const probe = probes[d.probeIndex];
  const head = `${probe ? describeProbe(probe) : `probe #${d.probeIndex}`} [${d.direction}]\n    kernel: ${d.kernel}\n    pbr:    ${d.model}`;
  return d.explanation === undefined ? head : `${head}\n  pbr's trace:\n${d.explanation}`;
}
