// Collects the diagnostics of one parse, each located in the input it came from.
import type { Diagnostic, Severity, SourceLocation } from '../model/diagnostics.ts';
import type { Mutable } from './mutable.ts';

export class DiagnosticSink {
  readonly diagnostics: Diagnostic[] = [];

  constructor(readonly file: string) {}

  /** errors so far: a builder compares counts to drop an item that produced one */
  get errorCount(): number {
    return this.diagnostics.filter((d) => d.severity === 'error').length;
  }

  at(line?: number, column?: number): SourceLocation {
    const location: Mutable<SourceLocation> = { file: this.file };
    if (line !== undefined) location.line = line;
    if (column !== undefined) location.column = column;
    return location;
  }

  report(severity: Severity, code: string, message: string, source?: SourceLocation, hint?: string): void {
    this.diagnostics.push({
      severity,
      code,
      message,
      source: source ?? this.at(),
      ...(hint === undefined ? {} : { hint }),
    });
  }

  error(code: string, message: string, source?: SourceLocation, hint?: string): void {
    this.report('error', code, message, source, hint);
  }

  warning(code: string, message: string, source?: SourceLocation, hint?: string): void {
    this.report('warning', code, message, source, hint);
  }

  info(code: string, message: string, source?: SourceLocation, hint?: string): void {
    this.report('info', code, message, source, hint);
  }
}
