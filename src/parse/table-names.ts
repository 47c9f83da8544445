// Table names as iproute2 prints them → table ids, through the snapshot's rt_tables.
import { builtinRtTables, tableId, type RtTables } from '../model/rt-tables.ts';
import type { SourceLocation } from '../model/diagnostics.ts';
import type { DiagnosticSink } from './diagnostic-sink.ts';

const BUILTIN = builtinRtTables();

/** The table id of a printed table name or number; reports an unknown name. */
export function resolveTableName(
  text: string,
  rtTables: RtTables | undefined,
  sink: DiagnosticSink,
  where: SourceLocation,
  what: string,
): number | undefined {
  const id = tableId(rtTables ?? BUILTIN, text);
  if (id === undefined) {
    sink.error(
      'unknown-table-name',
      `${what}: table "${text}" is neither a number nor a name in rt_tables`,
      where,
      'include the rt_tables files the output was printed with (pbr snapshot records them)',
    );
  }
  return id;
}
