// `pbr doctor` as text (sections with ✓/✗/!/? marks) and as one JSON object, both read off the same report.
import type { Severity } from '../model/diagnostics.ts';
import type { CapabilityResult } from '../lint/doctor/kernel-capabilities.ts';
import { doctorExitStatus, summarizeDoctor, type DoctorReport, type DoctorSummary } from '../lint/doctor/report.ts';
import type { ToolResult } from '../lint/doctor/tools.ts';
import { PLAIN_PALETTE, type Palette } from './palette.ts';


/** ✓ fine · ✗ error or warning · ! worth a look · ? unknown. The same marks on a terminal and in a pipe: the words beside them carry the meaning. */
function mark(c: Palette, severity: Severity | 'ok' | 'unknown'): string {
  switch (severity) {
    case 'ok':
      return c.good('✓');
    case 'unknown':
      return c.warn('?');
    case 'info':
      return c.warn('!');
    default:
      return c.bad('✗');
  }
}

function capabilityLine(r: CapabilityResult, c: Palette): string[] {
  const m = r.verdict === 'yes' ? mark(c, 'ok') : r.verdict === 'unknown' ? mark(c, 'unknown') : mark(c, r.severity);
  const lines = [`  ${m} ${r.title}: ${r.verdict} ${c.dim(`(${r.evidence})`)}`];
  if (r.hint !== undefined) lines.push(`      fix: ${r.hint}`);
  return lines;
}

function toolLine(t: ToolResult, c: Palette): string[] {
  if (!t.present) return [`  ${mark(c, t.severity)} ${t.id}: ${t.detail}`, ...(t.hint !== undefined ? [`      fix: ${t.hint}`] : [])];
  if (t.version === undefined) return [`  ${mark(c, 'ok')} ${t.id} ${c.dim(`(${t.detail})`)}`];
  return [`  ${mark(c, 'ok')} ${t.id} ${t.version}${t.variant !== undefined ? ` (${t.variant} backend)` : ''}`];
}

function summaryLine(s: DoctorSummary): string {
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  return `${plural(s.errors, 'error')}, ${plural(s.warnings, 'warning')}, ${plural(s.notes, 'note')}`;
}

export function renderDoctorText(report: DoctorReport, c: Palette = PLAIN_PALETTE): string {
  const out: string[] = [];
  out.push(c.bold(`Kernel ${report.kernelRelease}`));
  for (const source of report.kernelSources) out.push(`  ${c.dim(source)}`);
  for (const r of report.capabilities) out.push(...capabilityLine(r, c));
  out.push('', c.bold('Tools'));
  for (const t of report.tools) out.push(...toolLine(t, c));
  out.push('', c.bold(`Sysctls (${report.netns !== undefined ? `namespace ${report.netns}` : 'this namespace'})`));
  for (const s of report.sysctls) {
    out.push(`  ${s.status === 'ok' ? mark(c, 'ok') : mark(c, 'info')} ${s.name} = ${s.value}: ${s.meaning}`);
    if (s.hint !== undefined) out.push(`      fix: ${s.hint}`);
  }
  out.push('', c.bold(`Lint (${report.lint.length === 0 ? 'no findings' : `${report.lint.length} finding${report.lint.length === 1 ? '' : 's'}`})`));
  if (report.lint.length === 0) out.push(`  ${mark(c, 'ok')} nothing found`);
  for (const f of report.lint) {
    out.push(`  ${mark(c, f.severity)} ${f.severity} ${f.id}: ${f.message}`);
    out.push(`      fix: ${f.hint}`);
  }
  if (report.notes.length > 0) {
    out.push('', c.bold('Not captured'));
    for (const n of report.notes) out.push(`  ${mark(c, 'unknown')} ${n}`);
  }
  out.push('', summaryLine(summarizeDoctor(report)));
  return `${out.join('\n')}\n`;
}

/** The JSON object of `pbr doctor -j` (no colour, ever). */
export function renderDoctorJson(report: DoctorReport): object {
  const summary = summarizeDoctor(report);
  return {
    kernelRelease: report.kernelRelease,
    ...(report.netns !== undefined ? { netns: report.netns } : {}),
    kernel: { sources: report.kernelSources, capabilities: report.capabilities },
    tools: report.tools,
    sysctls: report.sysctls,
    lint: report.lint,
    notes: report.notes,
    summary: { ...summary, status: doctorExitStatus(summary) },
  };
}
