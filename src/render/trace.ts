// Everything `pbr trace` prints for one JourneyResult: the document as JSON, or as text with diagnostics on stderr.
import { formatDiagnostic } from '../model/diagnostics.ts';
import type { JourneyResult } from '../model/journey.ts';
import type { RtTables } from '../model/rt-tables.ts';
import type { RenderedOutput } from './route-get.ts';
import { buildTraceDocument } from './trace-document.ts';
import type { Palette } from './palette.ts';
import { renderTraceText } from './trace-text.ts';

export interface TraceRenderOptions {
  readonly json: boolean;
  readonly tables: RtTables;
  readonly palette?: Palette;
}

function allDiagnostics(result: JourneyResult): string[] {
  const lines = result.diagnostics.map((d) => `pbr: ${formatDiagnostic(d)}`);
  for (const o of result.outcomes) if (o.reply) lines.push(...allDiagnostics(o.reply));
  return lines;
}

export function renderTrace(result: JourneyResult, opts: TraceRenderOptions): RenderedOutput {
  const doc = buildTraceDocument(result, opts.tables);
  if (opts.json) return { stdout: `${JSON.stringify(doc)}\n`, stderr: '' };
  const notes = [...new Set(allDiagnostics(result))];
  return { stdout: renderTraceText(doc, opts.palette), stderr: notes.map((n) => `${n}\n`).join('') };
}
