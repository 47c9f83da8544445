// pbr's side of the differential: `pbr snapshot` of the router in-process, parsed into the model, and
// one journey trace per probe, reduced to the same shape as the kernel's observation.
import { parseIp } from '../../src/addr/address.ts';
import type { IpAddress } from '../../src/addr/types.ts';
import { traceJourney } from '../../src/engine/journey/trace-journey.ts';
import { captureSnapshot } from '../../src/host/capture-snapshot.ts';
import type { Diagnostic } from '../../src/model/diagnostics.ts';
import type { JourneyOutcome, JourneyResult, TraceRequest } from '../../src/model/journey.ts';
import type { NetworkState } from '../../src/model/network-state.ts';
import { parseSnapshot } from '../../src/parse/snapshot.ts';
import type { ModelProbeAnswer } from './compare-outcomes.ts';
import type { DirectionOutcome } from './kernel-outcome.ts';
import { expectsReply, probeDestination, probeSource, type Probe } from './probes.ts';
import type { ModelOracle } from './run-ruleset.ts';

function address(text: string): IpAddress {
  const a = parseIp(text);
  if (!a) throw new Error(`bad address ${text}`);
  return a;
}

export function traceRequestOf(p: Probe): TraceRequest {
  const src = probeSource(p);
  return {
    family: 4,
    dst: address(probeDestination(p)),
    ...(src === undefined ? {} : { src: address(src) }),
    ...(p.kind === 'local' ? {} : { iif: 'lan' }),
    fromLocal: p.kind === 'local',
    proto: p.proto === 'tcp' ? 6 : 17,
    sport: p.sport,
    dport: p.dport,
    reply: expectsReply(p),
  };
}

/** One outcome as a direction; undefined with a reason when it is not comparable. */
function directionOf(o: JourneyOutcome): DirectionOutcome | string {
  const d = o.disposition;
  switch (d.kind) {
    case 'forwarded':
    case 'sent':
      return d.dev === undefined ? `${d.kind} without a device` : { fate: 'out', dev: d.dev, mark: o.packet.mark >>> 0, ctmark: o.packet.ct.mark >>> 0 };
    case 'delivered':
      return d.dev === undefined ? 'delivered without a device' : { fate: 'in', dev: d.dev, mark: o.packet.mark >>> 0, ctmark: o.packet.ct.mark >>> 0 };
    case 'dropped':
    case 'rejected':
    case 'unreachable':
      return { fate: 'gone' };
    case 'unknown':
      return `disposition unknown: ${d.why}`;
  }
}

function single(result: JourneyResult, what: string): JourneyOutcome | string {
  if (result.outcomes.length !== 1) {
    return `${what}: ${result.outcomes.length} outcomes (${result.outcomes.map((o) => `${o.probability} ${o.disposition.kind} ${o.disposition.dev ?? ''}`).join('; ')})`;
  }
  return result.outcomes[0] as JourneyOutcome;
}

export function explainOutcome(o: JourneyOutcome): string {
  const lines: string[] = [];
  for (const s of o.steps) {
    if (s.kind === 'rule' && s.result !== 'not-matched') {
      lines.push(`      rule ${s.chain.table}/${s.chain.chain}: ${s.rule.text} → ${s.result}${s.verdict ? ` ${s.verdict}` : ''} mark 0x${s.markBefore.toString(16)}→0x${s.markAfter.toString(16)} ct 0x${s.ctMarkBefore.toString(16)}→0x${s.ctMarkAfter.toString(16)}`);
    } else if (s.kind === 'route') {
      lines.push(`      route ${s.phase}: ${s.answer.ok ? `dev ${s.answer.route.dev}` : s.answer.errno}${s.table === undefined ? '' : ` table ${s.table}`}`);
    } else if (s.kind === 'policy' || s.kind === 'chain') {
      lines.push(`      ${s.kind} ${s.chain.table}/${s.chain.chain}${s.kind === 'policy' ? ` ${s.verdict}` : ''}`);
    }
  }
  lines.push(`      → ${o.disposition.kind}${o.disposition.dev ? ` ${o.disposition.dev}` : ''}: ${o.disposition.why}`);
  return lines.join('\n');
}

export function traceProbe(state: NetworkState, p: Probe, diagnostics: readonly Diagnostic[]): ModelProbeAnswer {
  let result: JourneyResult;
  try {
    result = traceJourney(state, traceRequestOf(p));
  } catch (e) {
    return { problem: `traceJourney threw: ${e instanceof Error ? e.stack ?? e.message : String(e)}` };
  }
  const notes = [...diagnostics, ...result.diagnostics].filter((d) => d.severity !== 'info').map((d) => `${d.code}: ${d.message}`);
  const withNotes = (problem: string): string => (notes.length === 0 ? problem : `${problem}; diagnostics: ${notes.join(' | ')}`);
  const first = single(result, 'request');
  if (typeof first === 'string') return { problem: withNotes(first) };
  const explanation = `    request:\n${explainOutcome(first)}`;
  const request = directionOf(first);
  if (typeof request === 'string') return { problem: withNotes(request), explanation };
  if (!expectsReply(p) || request.fate === 'gone') return { outcome: { request }, explanation };
  if (!first.reply) return { problem: withNotes('no reply traced'), explanation };
  const second = single(first.reply, 'reply');
  if (typeof second === 'string') return { problem: withNotes(second), explanation };
  const reply = directionOf(second);
  const full = `${explanation}\n    reply:\n${explainOutcome(second)}`;
  if (typeof reply === 'string') return { problem: withNotes(reply), explanation: full };
  return { outcome: { request, reply }, explanation: full };
}

export function createModelOracle(): ModelOracle {
  return {
    async capture(lab) {
      const parsed = parseSnapshot(await captureSnapshot({ netns: lab.router }));
      return (probe) => traceProbe(parsed.value, probe, parsed.diagnostics);
    },
  };
}
