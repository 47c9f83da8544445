// rt_tables and rt_tables.d/*.conf → table names, resolved exactly as iproute2 resolves them.
import type { Diagnostic, Parsed } from '../model/diagnostics.ts';
import { BUILTIN_RT_TABLES, type RtTables } from '../model/rt-tables.ts';
import { DiagnosticSink } from './diagnostic-sink.ts';

export interface RtTablesFile {
  readonly path: string;
  readonly content: string;
}

interface Entry {
  readonly id: number;
  readonly name: string;
}

const HASH_SIZE = 256;

/**
 * Reads the files in the order iproute2 reads them (rt_tables first, then rt_tables.d/*.conf in
 * directory order). Later entries win when printing an id; a name is read as the id found first
 * when scanning hash buckets 0…255 (id & 255), newest entry first within a bucket.
 */
// mirrors rtnl_rttable_initialize(), rtnl_rttable_n2a() and rtnl_rttable_a2n(), lib/rt_names.c
export function parseRtTablesFiles(files: readonly RtTablesFile[]): Parsed<RtTables> {
  const buckets: Entry[][] = Array.from({ length: HASH_SIZE }, () => []);
  for (const [id, name] of BUILTIN_RT_TABLES) buckets[id & (HASH_SIZE - 1)]?.unshift({ id, name });
  const diagnostics: Diagnostic[] = [];
  for (const file of files) {
    const sink = new DiagnosticSink(file.path);
    for (const { entry } of readIdNameLines(file.content, sink)) {
      buckets[entry.id & (HASH_SIZE - 1)]?.unshift(entry);
    }
    diagnostics.push(...sink.diagnostics);
  }
  const names = new Map<number, string>();
  const ids = new Map<string, number>();
  const namesOfId = new Map<number, Set<string>>();
  for (const bucket of buckets) {
    for (const { id, name } of bucket) {
      if (!names.has(id)) names.set(id, name);
      if (!ids.has(name)) ids.set(name, id);
      namesOfId.set(id, (namesOfId.get(id) ?? new Set()).add(name));
    }
  }
  reportAmbiguities(names, ids, namesOfId, diagnostics);
  return { value: { names, ids }, diagnostics };
}

function reportAmbiguities(
  names: ReadonlyMap<number, string>,
  ids: ReadonlyMap<string, number>,
  namesOfId: ReadonlyMap<number, ReadonlySet<string>>,
  diagnostics: Diagnostic[],
): void {
  const idsOfName = new Map<string, number[]>();
  for (const [id, name] of names) idsOfName.set(name, [...(idsOfName.get(name) ?? []), id]);
  for (const [name, list] of idsOfName) {
    if (list.length < 2) continue;
    diagnostics.push({
      severity: 'warning',
      code: 'rt-tables-duplicate-name',
      message: `table name "${name}" is printed for tables ${list.sort((a, b) => a - b).join(', ')}, and read back as table ${String(ids.get(name))}`,
      source: { file: 'rt_tables' },
      hint: 'give every table its own name in rt_tables',
    });
  }
  for (const [id, set] of namesOfId) {
    if (set.size < 2) continue;
    diagnostics.push({
      severity: 'info',
      code: 'rt-tables-several-names',
      message: `table ${id} has several names (${[...set].join(', ')}); iproute2 prints "${String(names.get(id))}"`,
      source: { file: 'rt_tables' },
    });
  }
}

const SPACE = '[ \\t\\n\\v\\f\\r]';
const HEX_LINE = new RegExp(`^0x${SPACE}*([+-]?)(?:0[xX])?([0-9a-fA-F]+)(?![0-9a-fA-F])${SPACE}*([^ \\t\\n\\v\\f\\r]+)`);
const DEC_LINE = new RegExp(`^${SPACE}*([+-]?)(\\d+)(?!\\d)${SPACE}*([^ \\t\\n\\v\\f\\r]+)`);

/** The "ID NAME" lines of one file, as fread_id_name() reads them; stops at the first bad line. */
// mirrors fread_id_name() and rtnl_hash_initialize(), lib/rt_names.c
function* readIdNameLines(content: string, sink: DiagnosticSink): Generator<{ entry: Entry; line: number }> {
  const lines = content.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = index + 1;
    const text = (lines[index] ?? '').replace(/^[ \t]+/, '');
    if (text === '' || text.startsWith('#') || text === '\r') continue;
    const hex = HEX_LINE.exec(text);
    const match = hex ?? DEC_LINE.exec(text);
    if (!match) {
      const rest = lines.length - index - 1;
      sink.warning(
        'rt-tables-bad-line',
        `cannot read "${text.trim()}" as "ID NAME"; iproute2 reports the file as corrupted and ignores it from here on${rest > 0 ? ` (${rest} more line${rest === 1 ? '' : 's'})` : ''}`,
        sink.at(line, 1),
        'each line is a table number and a name, e.g. "100 isp1"',
      );
      return;
    }
    const id = toCInt(match[1] === '-', match[2] ?? '0', hex ? 16 : 10);
    const name = match[3] ?? '';
    if (id < 0) {
      sink.warning(
        'rt-tables-bad-id',
        `table number ${match[1] ?? ''}${hex ? '0x' : ''}${match[2] ?? ''} is negative as a C int; iproute2 ignores the line`,
        sink.at(line, 1),
        'table numbers above 2147483647 cannot be named in rt_tables',
      );
      continue;
    }
    yield { entry: { id, name }, line };
  }
}

/** sscanf("%d") / ("%x") into an int: strtol/strtoul saturation, then truncation to 32 bits. */
function toCInt(negative: boolean, digits: string, radix: 10 | 16): number {
  const limit = radix === 10 ? 2n ** 63n - 1n : 2n ** 64n - 1n;
  let value = BigInt(radix === 16 ? `0x${digits}` : digits);
  if (value > limit) value = limit;
  if (negative) value = -value;
  return Number(BigInt.asIntN(32, value));
}
