// Expected problems in input: parsers return them beside their value and keep going.
export type Severity = 'error' | 'warning' | 'info';

export interface SourceLocation {
  /** file name or a label such as "snapshot:sources.ipRule4" */
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
}

export interface Diagnostic {
  readonly severity: Severity;
  /** stable kebab-case code, e.g. "route-unknown-type" */
  readonly code: string;
  readonly message: string;
  readonly source?: SourceLocation;
  readonly hint?: string;
}

export interface Parsed<T> {
  readonly value: T;
  readonly diagnostics: Diagnostic[];
}

export function formatLocation(loc: SourceLocation | undefined): string {
  if (!loc) return '';
  return [loc.file, loc.line, loc.column].filter((p) => p !== undefined).join(':');
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = formatLocation(d.source);
  const head = `${where ? `${where}: ` : ''}${d.severity}: ${d.message} [${d.code}]`;
  return d.hint ? `${head}\n  hint: ${d.hint}` : head;
}
