// `pbr trace`: one packet (and on request its reply) through netfilter hooks and routing decisions (spec §9).
import type { IpAddress } from '../../addr/types.ts';
import type { Diagnostic } from '../../model/diagnostics.ts';
import type { JourneyOutcome, JourneyResult, JourneyStep, TraceRequest } from '../../model/journey.ts';
import type { NetworkState } from '../../model/network-state.ts';
import { createEngine, type Engine } from '../engine.ts';
import { Sysctls } from '../sysctl.ts';
import { NO_CT, type Flight, type JourneyContext } from './flight.ts';
import type { Ended } from './hook-pass.ts';
import { traceLocal, traceReceived } from './paths.ts';
import { traceReply } from './reply.ts';

export interface JourneyOptions {
  readonly engine?: Engine;
}

const NO_NETFILTER = 'no netfilter rule set in the snapshot: no hooks, marks, conntrack or NAT are modelled, only routing';

function requestProblems(request: TraceRequest): Diagnostic[] {
  const problems: Diagnostic[] = [];
  const error = (code: string, message: string, hint: string): void => {
    problems.push({ severity: 'error', code, message, hint });
  };
  const families = [request.dst, request.src].filter((a): a is IpAddress => a !== undefined);
  if (families.some((a) => a.family !== request.family)) error('trace-family-mismatch', `addresses of another family in an IPv${request.family} trace`, 'give addresses of one family');
  if (request.fromLocal && request.iif !== undefined) error('trace-local-with-iif', 'a locally generated packet has no input device', 'drop iif, or drop --from-local');
  if (!request.fromLocal && request.iif === undefined) error('trace-no-iif', 'a received packet needs the device it arrives on (iif)', 'add iif DEV, or --from-local for a packet this host sends');
  if (!request.fromLocal && request.src === undefined) error('trace-no-source', 'a received packet needs its source address (from)', 'add from ADDR');
  return problems;
}

function firstFlight(request: TraceRequest, steps: readonly JourneyStep[]): Flight {
  const unspecified: IpAddress = request.family === 4 ? { family: 4, value: 0 } : { family: 6, value: 0n };
  return {
    probability: 1,
    assumptions: [],
    steps,
    packet: {
      family: request.family,
      saddr: request.src ?? unspecified,
      daddr: request.dst,
      l4proto: request.proto,
      ...(request.sport !== undefined ? { sport: request.sport } : {}),
      ...(request.dport !== undefined ? { dport: request.dport } : {}),
      ...(request.icmpType !== undefined ? { icmpType: request.icmpType } : {}),
      dscp: (request.tos ?? 0) >> 2,
      mark: (request.mark ?? 0) >>> 0,
      ...(request.fromLocal ? { skuid: request.uid ?? 0, ...(request.gid !== undefined ? { skgid: request.gid } : {}) } : {}),
      ct: NO_CT,
    },
    ct: { tracked: true, attached: false, direction: 'original', state: 'new', mark: 0, status: 0n, dstManipDone: false, srcManipDone: false },
  };
}

function outcomeOf(e: Ended, reply?: JourneyResult): JourneyOutcome {
  const f = e.flight;
  return {
    probability: f.probability,
    assumptions: [...new Set(f.assumptions)],
    steps: f.steps,
    packet: f.packet,
    disposition: e.disposition,
    ...(reply ? { reply } : {}),
  };
}

/**
 * Follows `request` through the hooks and routing decisions of `state` (spec §9.1): every way it can go,
 * each with its probability, the assumptions it rests on, its steps and its fate; with `request.reply`,
 * the reply of every outcome that got somewhere (spec §9.3).
 */
export function traceJourney(state: NetworkState, request: TraceRequest, options: JourneyOptions = {}): JourneyResult {
  const problems = requestProblems(request);
  if (problems.length > 0) return { request, outcomes: [], diagnostics: problems };
  const jc: JourneyContext = {
    state,
    engine: options.engine ?? createEngine(state),
    ruleset: state.netfilter,
    family: request.family,
    sysctls: Sysctls.of(state),
    ...(request.fromLocal
      ? { socket: { uid: request.uid ?? 0, ...(request.gid !== undefined ? { gid: request.gid } : {}), ...(request.oif !== undefined ? { oif: request.oif } : {}), ...(request.src ? { boundSrc: request.src } : {}) } }
      : {}),
  };
  const diagnostics: Diagnostic[] = state.netfilter ? [] : [{ severity: 'info', code: 'trace-no-netfilter', message: NO_NETFILTER }];
  const intro: JourneyStep[] = state.netfilter ? [] : [{ kind: 'note', text: NO_NETFILTER }];
  const first = firstFlight(request, intro);
  const ended = request.fromLocal ? traceLocal(jc, first) : traceReceived(jc, first, request.iif ?? '');
  const outcomes = ended.map((e) => {
    const reply = request.reply ? traceReply(jc, request, e) : undefined;
    if (!reply) return outcomeOf(e);
    return outcomeOf(e, { request: reply.request, outcomes: reply.ended.map((r) => outcomeOf(r)), diagnostics: [] });
  });
  return { request, outcomes, diagnostics };
}
