// The packets `pbr example` follows, before and after the offline apply, printed as `pbr trace --reply` prints them
// with the rules that did not match left out.
import { traceJourney } from '../engine/journey/trace-journey.ts';
import type { JourneyResult } from '../model/journey.ts';
import type { NetworkState } from '../model/network-state.ts';
import { BUILTIN_SERVICES, indexServices } from '../model/services.ts';
import { buildTraceDocument, type OutcomeDoc, type StepDoc, type TraceDocument } from '../render/trace-document.ts';
import { formatDisposition, formatProbability, renderTraceText } from '../render/trace-text.ts';
import { parseTraceArgs } from './trace-args.ts';

export interface ExampleTrace {
  /** what the trace shows, one line */
  readonly title: string;
  /** the words after `pbr trace --reply` */
  readonly args: string;
}

export const EXAMPLE_TRACES: readonly ExampleTrace[] = [
  { title: 'ssh from a LAN client, forwarded: out by isp2 (wan2), the reply back to the client', args: '203.0.113.10 from 10.0.0.50 iif lan0 proto tcp sport 40000 dport ssh' },
  { title: 'http from the same client, forwarded: out by isp1 (wan1), the reply back to the client', args: '203.0.113.10 from 10.0.0.50 iif lan0 proto tcp sport 40001 dport http' },
  { title: 'ssh opened by the router itself: out by isp2 (wan2) from its address there, the reply delivered', args: '--from-local 203.0.113.10 proto tcp sport 40002 dport ssh' },
  {
    title: 'a connection from outside to the router\'s address on wan2: accepted, and answered through wan2',
    args: '198.51.100.2 from 203.0.113.10 iif wan2 proto tcp sport 40003 dport ssh',
  },
];

export interface TracedCase {
  readonly trace: ExampleTrace;
  readonly before: JourneyResult;
  readonly after: JourneyResult;
}

/** Both journeys of a case: on the host as recorded and on the host after the apply. */
export function traceExampleCase(trace: ExampleTrace, before: NetworkState, after: NetworkState): TracedCase {
  const words = trace.args.split(' ');
  const fromLocal = words[0] === '--from-local';
  const parsed = parseTraceArgs(fromLocal ? words.slice(1) : words, { fromLocal, reply: true, services: indexServices(BUILTIN_SERVICES) });
  if (parsed.kind !== 'request') throw new Error(`example trace "${trace.args}" does not parse`);
  return { trace, before: traceJourney(before, parsed.request), after: traceJourney(after, parsed.request) };
}

// the steps `pbr trace` prints as "rule: …  — no match" (trace-text.ts): nothing happened there
function isUnmatchedRule(s: StepDoc): boolean {
  return s.kind === 'rule' && s.result === 'not-matched' && s.effect === undefined && s.verdict === undefined && s.markBefore === s.markAfter && s.ctMarkBefore === s.ctMarkAfter;
}

function compactDocument(doc: TraceDocument): { doc: TraceDocument; left: number } {
  let left = 0;
  const outcomes = doc.outcomes.map((o): OutcomeDoc => {
    const steps = o.steps.filter((s) => !isUnmatchedRule(s));
    left += o.steps.length - steps.length;
    if (!o.reply) return { ...o, steps };
    const reply = compactDocument(o.reply);
    left += reply.left;
    return { ...o, steps, reply: reply.doc };
  });
  return { doc: { ...doc, outcomes }, left };
}

/** The trace text of `pbr trace --reply` without the rules that did not match, and how many were left out. */
export function renderCompactTrace(result: JourneyResult, state: NetworkState): { text: string; left: number } {
  const { doc, left } = compactDocument(buildTraceDocument(result, state.rtTables));
  return { text: renderTraceText(doc), left };
}

function outcomeSummary(o: OutcomeDoc, many: boolean): string {
  const head = `${many ? `${formatProbability(o.probability)}: ` : ''}${formatDisposition(o.disposition)}`;
  const reply = o.reply?.outcomes.map((r) => formatDisposition(r.disposition)).join(' or ');
  return reply === undefined ? head : `${head}; reply ${reply}`;
}

/** Where the packet and its reply end up, in one line: "forwarded via wan2 …; reply forwarded via lan0 …". */
export function summarizeJourney(result: JourneyResult, state: NetworkState): string {
  const doc = buildTraceDocument(result, state.rtTables);
  if (doc.outcomes.length === 0) return `no outcome (${doc.diagnostics.map((d) => d.message).join('; ')})`;
  return doc.outcomes.map((o) => outcomeSummary(o, doc.outcomes.length > 1)).join(' | ');
}
