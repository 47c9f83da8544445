// The benchmark's one table: each figure beside the baseline measured in the same run, and their ratio.

export interface BenchRow {
  readonly what: string;
  readonly pbr: string;
  readonly baseline: string;
  /** pbr ÷ baseline, already formatted (empty when there is nothing to divide) */
  readonly ratio: string;
}

/** A row for a measurement that could not run. */
export function skippedRow(what: string, reason: string): BenchRow {
  return { what, pbr: `skipped (${reason})`, baseline: '', ratio: '' };
}

export function formatRate(perSec: number, unit: string): string {
  if (perSec >= 1e6) return `${(perSec / 1e6).toFixed(perSec >= 1e8 ? 0 : 1)}M ${unit}/s`;
  if (perSec >= 1e3) return `${(perSec / 1e3).toFixed(perSec >= 1e5 ? 0 : 1)}k ${unit}/s`;
  return `${perSec.toFixed(perSec >= 100 ? 0 : 1)} ${unit}/s`;
}

export function formatMs(ms: number): string {
  return ms >= 100 ? `${ms.toFixed(0)} ms` : `${ms.toFixed(1)} ms`;
}

export function formatBytes(bytes: number): string {
  return bytes >= 100 ? `${bytes.toFixed(0)} B` : `${bytes.toFixed(1)} B`;
}

/** pbr ÷ baseline with three significant digits. */
export function formatRatio(pbr: number, baseline: number): string {
  if (!(baseline > 0) || !Number.isFinite(pbr)) return '';
  const r = pbr / baseline;
  const digits = r >= 100 ? 0 : r >= 10 ? 1 : r >= 1 ? 2 : 3;
  return `${r.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })}×`;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** A Markdown table (readable as is in a terminal, and pasted unchanged into docs/performance.md). */
export function renderBenchTable(rows: readonly BenchRow[]): string {
  const header: BenchRow = { what: 'measurement', pbr: 'pbr', baseline: 'baseline (same run)', ratio: 'pbr ÷ baseline' };
  const all = [header, ...rows];
  const keys = ['what', 'pbr', 'baseline', 'ratio'] as const;
  const width = keys.map((k) => Math.max(...all.map((r) => r[k].length)));
  const line = (r: BenchRow): string => `| ${keys.map((k, i) => (k === 'ratio' ? r[k].padStart(width[i]!) : r[k].padEnd(width[i]!))).join(' | ')} |`;
  const rule = `|${keys.map((k, i) => (k === 'ratio' ? `${'-'.repeat(width[i]! + 1)}:` : '-'.repeat(width[i]! + 2))).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}
