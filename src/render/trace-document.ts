// A JourneyResult as one plain JSON-ready object: `pbr trace -j` prints it, the text renderer reads it.
// Addresses are strings in iproute2 form; marks, ct marks, ct status and tos are "0x…" hex strings;
// ports, protocol numbers, ids, priorities, prefs and probabilities are JSON numbers.
import { formatIp } from '../addr/address.ts';
import type { Family } from '../addr/types.ts';
import { formatLocation, type Diagnostic, type Severity } from '../model/diagnostics.ts';
import { ipprotoName } from '../model/iproute2-names.ts';
import type {
  ChainRef,
  CtStateName,
  Disposition,
  DispositionKind,
  JourneyOutcome,
  JourneyResult,
  JourneyStep,
  NfPacketState,
  TraceRequest,
} from '../model/journey.ts';
import type { NfChainType, NfHook } from '../model/netfilter.ts';
import type { RouteType } from '../model/network-state.ts';
import { ERRNO_MESSAGES, type Errno, type ExplainStep, type RouteAnswer, type RouteQuery } from '../model/route-query.ts';
import { tableName, type RtTables } from '../model/rt-tables.ts';

export interface TraceRequestDoc {
  readonly family: Family;
  readonly dst: string;
  readonly src?: string;
  readonly iif?: string;
  readonly fromLocal: boolean;
  readonly oif?: string;
  readonly mark?: string;
  readonly tos?: string;
  readonly uid?: number;
  readonly gid?: number;
  readonly proto: number;
  readonly protoName: string;
  readonly sport?: number;
  readonly dport?: number;
  readonly icmpType?: number;
  readonly reply: boolean;
}

export interface PacketDoc {
  readonly family: Family;
  readonly saddr: string;
  readonly daddr: string;
  readonly proto: number;
  readonly protoName: string;
  readonly sport?: number;
  readonly dport?: number;
  readonly icmpType?: number;
  readonly dscp: number;
  readonly mark: string;
  readonly iifname?: string;
  readonly oifname?: string;
  readonly skuid?: number;
  readonly skgid?: number;
  readonly ct: { readonly state: CtStateName; readonly direction: 'original' | 'reply'; readonly mark: string; readonly status: string };
}

export interface RouteQueryDoc {
  readonly dst: string;
  readonly from?: string;
  readonly iif?: string;
  readonly oif?: string;
  readonly mark?: string;
  readonly tos?: string;
  readonly uid?: number;
  readonly ipproto?: number;
  readonly sport?: number;
  readonly dport?: number;
}

export type RouteResultDoc =
  | {
      readonly ok: true;
      readonly type: RouteType;
      readonly dst: string;
      readonly gateway?: string;
      readonly dev: string;
      readonly src?: string;
      readonly table: string;
      /** multipath without a hash seed: every next hop the kernel may pick */
      readonly candidates?: readonly { readonly gateway?: string; readonly dev: string; readonly weight: number }[];
    }
  | { readonly ok: false; readonly errno: Errno; readonly message: string; readonly logLine?: string };

export type StepDoc =
  | { readonly kind: 'hook'; readonly hook: NfHook }
  | { readonly kind: 'chain'; readonly chain: ChainRef; readonly type: NfChainType; readonly priority: number }
  | {
      readonly kind: 'rule';
      readonly chain: ChainRef;
      readonly rule: { readonly text: string; readonly handle?: number; readonly source?: string };
      readonly result: 'matched' | 'not-matched' | 'unknown';
      readonly effect?: string;
      readonly verdict?: string;
      readonly markBefore: string;
      readonly markAfter: string;
      readonly ctMarkBefore: string;
      readonly ctMarkAfter: string;
    }
  | { readonly kind: 'policy'; readonly chain: ChainRef; readonly verdict: 'accept' | 'drop' }
  | {
      readonly kind: 'route';
      readonly phase: 'input' | 'output' | 'reroute';
      readonly rulePref?: number;
      readonly table?: string;
      readonly query: RouteQueryDoc;
      readonly result: RouteResultDoc;
      readonly explain: readonly ExplainStep[];
    }
  | { readonly kind: 'conntrack'; readonly action: 'new' | 'found' | 'untracked'; readonly mark: string; readonly text: string }
  | { readonly kind: 'nat'; readonly type: 'snat' | 'dnat' | 'masquerade' | 'redirect' | 'reverse'; readonly text: string }
  | { readonly kind: 'note'; readonly text: string };

export interface DispositionDoc {
  readonly kind: DispositionKind;
  readonly dev?: string;
  readonly gateway?: string;
  readonly src?: string;
  readonly dst?: string;
  readonly errno?: Errno;
  readonly message?: string;
  readonly by?: string;
  readonly why: string;
}

export interface OutcomeDoc {
  readonly probability: number;
  readonly assumptions: readonly string[];
  readonly steps: readonly StepDoc[];
  readonly packet: PacketDoc;
  readonly disposition: DispositionDoc;
  readonly reply?: TraceDocument;
}

export interface DiagnosticDoc {
  readonly severity: Severity;
  readonly code: string;
  readonly message: string;
  readonly source?: string;
  readonly hint?: string;
}

export interface TraceDocument {
  readonly request: TraceRequestDoc;
  readonly outcomes: readonly OutcomeDoc[];
  readonly diagnostics: readonly DiagnosticDoc[];
}

/** Marks and other bit fields: "0x…" in lower case, as nft and iproute2 print them. */
export function hex(value: number | bigint): string {
  return `0x${value.toString(16)}`;
}

const ip = formatIp;
const opt = <K extends string, T, R>(key: K, value: T | undefined, f: (v: T) => R): { [P in K]?: R } =>
  (value === undefined ? {} : { [key]: f(value) }) as { [P in K]?: R };
const same = <T>(v: T): T => v;

function requestDoc(r: TraceRequest): TraceRequestDoc {
  return {
    family: r.family,
    dst: ip(r.dst),
    ...opt('src', r.src, ip),
    ...opt('iif', r.iif, same),
    fromLocal: r.fromLocal,
    ...opt('oif', r.oif, same),
    ...opt('mark', r.mark, hex),
    ...opt('tos', r.tos, hex),
    ...opt('uid', r.uid, same),
    ...opt('gid', r.gid, same),
    proto: r.proto,
    protoName: ipprotoName(r.proto),
    ...opt('sport', r.sport, same),
    ...opt('dport', r.dport, same),
    ...opt('icmpType', r.icmpType, same),
    reply: r.reply,
  };
}

function packetDoc(p: NfPacketState): PacketDoc {
  return {
    family: p.family,
    saddr: ip(p.saddr),
    daddr: ip(p.daddr),
    proto: p.l4proto,
    protoName: ipprotoName(p.l4proto),
    ...opt('sport', p.sport, same),
    ...opt('dport', p.dport, same),
    ...opt('icmpType', p.icmpType, same),
    dscp: p.dscp,
    mark: hex(p.mark),
    ...opt('iifname', p.iifname, same),
    ...opt('oifname', p.oifname, same),
    ...opt('skuid', p.skuid, same),
    ...opt('skgid', p.skgid, same),
    ct: { state: p.ct.state, direction: p.ct.direction, mark: hex(p.ct.mark), status: hex(p.ct.status) },
  };
}

function queryDoc(q: RouteQuery): RouteQueryDoc {
  return {
    dst: ip(q.dst),
    ...opt('from', q.from, ip),
    ...opt('iif', q.iif, same),
    ...opt('oif', q.oif, same),
    ...opt('mark', q.mark, hex),
    ...opt('tos', q.tos, hex),
    ...opt('uid', q.uid, same),
    ...opt('ipproto', q.ipproto, same),
    ...opt('sport', q.sport, same),
    ...opt('dport', q.dport, same),
  };
}

function routeResultDoc(a: RouteAnswer, tables: RtTables): RouteResultDoc {
  if (!a.ok) return { ok: false, errno: a.errno, message: ERRNO_MESSAGES[a.errno], ...opt('logLine', a.logLine, same) };
  const r = a.route;
  return {
    ok: true,
    type: r.type,
    dst: ip(r.dst),
    ...opt('gateway', r.gateway, ip),
    dev: r.dev,
    ...opt('src', r.prefsrc, ip),
    table: tableName(tables, r.table),
    ...opt('candidates', a.candidates, (cs) => cs.map((c) => ({ ...opt('gateway', c.gateway, ip), dev: c.dev, weight: c.weight }))),
  };
}

function stepDoc(s: JourneyStep, tables: RtTables): StepDoc {
  switch (s.kind) {
    case 'rule':
      return {
        kind: 'rule',
        chain: s.chain,
        rule: { text: s.rule.text, ...opt('handle', s.rule.handle, same), ...opt('source', s.rule.source, formatLocation) },
        result: s.result,
        ...opt('effect', s.effect, same),
        ...opt('verdict', s.verdict, same),
        markBefore: hex(s.markBefore),
        markAfter: hex(s.markAfter),
        ctMarkBefore: hex(s.ctMarkBefore),
        ctMarkAfter: hex(s.ctMarkAfter),
      };
    case 'route':
      return {
        kind: 'route',
        phase: s.phase,
        ...opt('rulePref', s.rulePref, same),
        ...opt('table', s.table, (t) => tableName(tables, t)),
        query: queryDoc(s.query),
        result: routeResultDoc(s.answer, tables),
        explain: s.answer.explain,
      };
    case 'conntrack':
      return { kind: 'conntrack', action: s.action, mark: hex(s.mark), text: s.text };
    default:
      return s;
  }
}

function dispositionDoc(d: Disposition): DispositionDoc {
  return {
    kind: d.kind,
    ...opt('dev', d.dev, same),
    ...opt('gateway', d.gateway, ip),
    ...opt('src', d.src, ip),
    ...opt('dst', d.dst, ip),
    ...opt('errno', d.errno, same),
    ...opt('message', d.errno, (e) => ERRNO_MESSAGES[e]),
    ...opt('by', d.by, same),
    why: d.why,
  };
}

function diagnosticDoc(d: Diagnostic): DiagnosticDoc {
  return {
    severity: d.severity,
    code: d.code,
    message: d.message,
    ...opt('source', d.source, formatLocation),
    ...opt('hint', d.hint, same),
  };
}

function outcomeDoc(o: JourneyOutcome, tables: RtTables): OutcomeDoc {
  return {
    probability: o.probability,
    assumptions: o.assumptions,
    steps: o.steps.map((s) => stepDoc(s, tables)),
    packet: packetDoc(o.packet),
    disposition: dispositionDoc(o.disposition),
    ...opt('reply', o.reply, (r) => buildTraceDocument(r, tables)),
  };
}

/** The whole trace as plain data; `tables` names the routing tables as iproute2 does. */
export function buildTraceDocument(result: JourneyResult, tables: RtTables): TraceDocument {
  return {
    request: requestDoc(result.request),
    outcomes: result.outcomes.map((o) => outcomeDoc(o, tables)),
    diagnostics: result.diagnostics.map(diagnosticDoc),
  };
}
