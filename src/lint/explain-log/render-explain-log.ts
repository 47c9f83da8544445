// Text and JSON of an explain-log report, from one document so they cannot drift.
import { formatIp } from '../../addr/address.ts';
import type { ExplainedEntry, KernelLogReport } from './explain-kernel-log.ts';
import type { MartianFix } from './explain-martian.ts';

export interface ExplainLogEntryDocument {
  readonly line: number;
  readonly text: string;
  readonly kind: 'source' | 'destination';
  readonly src: string;
  readonly dst: string;
  readonly dev: string;
  readonly uptime?: number;
  readonly linkHeader?: { readonly srcMac: string; readonly dstMac: string; readonly etherType: string } | { readonly bytes: string };
  readonly verdict: string;
  readonly check: string;
  readonly reason: string;
  readonly rpFilter?: number;
  readonly reverseLookup?: {
    readonly forward: string;
    readonly iif: string;
    readonly mark: string;
    readonly rule?: { readonly pref: number; readonly table: string };
    readonly route: string;
    readonly usesInputDev: boolean;
  };
  readonly fixes: readonly MartianFix[];
}

export interface ExplainLogDocument {
  readonly entries: readonly ExplainLogEntryDocument[];
  readonly unrecognized: readonly { readonly line: number; readonly text: string; readonly why: string }[];
  readonly summary: { readonly martians: number; readonly fixable: number; readonly genuine: number; readonly unrecognized: number };
}

const hex = (n: number): string => `0x${n.toString(16)}`;

function entryDocument({ entry, explanation: why }: ExplainedEntry): ExplainLogEntryDocument {
  const header = entry.linkHeader;
  const path = why.reversePath;
  return {
    line: entry.line,
    text: entry.text,
    kind: entry.kind,
    src: formatIp(entry.src),
    dst: formatIp(entry.dst),
    dev: entry.dev,
    ...(entry.uptime !== undefined ? { uptime: entry.uptime } : {}),
    ...(header
      ? {
          linkHeader: header.ethernet
            ? { srcMac: header.ethernet.srcMac, dstMac: header.ethernet.dstMac, etherType: `0x${header.ethernet.etherType.toString(16).padStart(4, '0')}` }
            : { bytes: header.bytes.map((b) => b.toString(16).padStart(2, '0')).join(' ') },
        }
      : {}),
    verdict: why.verdict,
    check: why.check,
    reason: why.reason,
    ...(why.rpFilter !== undefined ? { rpFilter: why.rpFilter } : {}),
    ...(path
      ? {
          reverseLookup: {
            forward: path.forward.kind === 'forward' ? `forwarded out ${path.forward.dev}` : path.forward.kind === 'local' ? 'local delivery' : `no route (${path.forward.errno})`,
            iif: path.reverseIif,
            mark: hex(path.reverseMark),
            ...(path.rule ? { rule: { pref: path.rule.pref, table: path.rule.tableName } } : {}),
            route: 'errno' in path.route ? path.route.errno : path.route.text,
            usesInputDev: path.usesInputDev,
          },
        }
      : {}),
    fixes: why.fixes,
  };
}

export function explainLogDocument(report: KernelLogReport): ExplainLogDocument {
  const entries = report.entries.map(entryDocument);
  return {
    entries,
    unrecognized: report.unrecognized,
    summary: {
      martians: entries.length,
      fixable: entries.filter((e) => e.verdict === 'fixable').length,
      genuine: entries.filter((e) => e.verdict === 'genuine').length,
      unrecognized: report.unrecognized.length,
    },
  };
}

const VERDICT_WORDS: Readonly<Record<string, string>> = {
  fixable: 'dropped, and a change lets it through',
  genuine: 'dropped, and it should stay dropped',
  accepted: 'accepted on this state',
  'unknown-device': 'cannot say',
  unexplained: 'dropped, no single change found',
};

function renderEntry(e: ExplainLogEntryDocument): string {
  const lines = [`line ${e.line}: martian ${e.kind} ${e.src} → ${e.dst} on ${e.dev}`];
  if (e.linkHeader) lines.push(`  link header: ${'srcMac' in e.linkHeader ? `from ${e.linkHeader.srcMac} to ${e.linkHeader.dstMac}, ethertype ${e.linkHeader.etherType}` : e.linkHeader.bytes}`);
  lines.push(`  verdict: ${VERDICT_WORDS[e.verdict] ?? e.verdict}`);
  lines.push(`  dropped by: ${e.check}`);
  lines.push(`  why: ${e.reason}`);
  const r = e.reverseLookup;
  if (r) {
    const rule = r.rule ? `rule ${r.rule.pref} → table ${r.rule.table}` : 'no rule';
    lines.push(`  reverse lookup: ${r.forward}; iif ${r.iif}${r.mark !== '0x0' ? ` mark ${r.mark}` : ''}, ${rule}: ${r.route}`);
  }
  e.fixes.forEach((fix, i) => {
    lines.push(`  ${i === 0 ? 'fix' : 'or'}: ${fix.text}`);
    for (const command of fix.commands) lines.push(`      ${command}`);
  });
  return lines.join('\n');
}

export function renderExplainLogText(doc: ExplainLogDocument): string {
  const parts = doc.entries.map(renderEntry);
  const s = doc.summary;
  const summary = [`${s.martians} martian line${s.martians === 1 ? '' : 's'}: ${s.fixable} with a fix, ${s.genuine} to keep dropping`];
  if (s.unrecognized > 0) {
    summary.push(`${s.unrecognized} line${s.unrecognized === 1 ? '' : 's'} not understood:`);
    for (const u of doc.unrecognized) summary.push(`  line ${u.line} (${u.why}): ${u.text}`);
  }
  parts.push(summary.join('\n'));
  return `${parts.join('\n\n')}\n`;
}
