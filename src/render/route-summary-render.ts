// The --summary table of `pbr route get --batch`, as aligned text or one JSON object.
import { formatIp, maskAddress } from '../addr/address.ts';
import { tableName, type RtTables } from '../model/rt-tables.ts';
import type { RouteSummaryResult, RouteSummaryRow } from './route-summary.ts';

const NONE = '-';

// as iproute2 prints a destination: "default", a host address alone, else ADDR/LEN
function formatPrefix(prefix: NonNullable<RouteSummaryRow['prefix']>): string {
  if (prefix.length === 0) return 'default';
  const host = prefix.address.family === 4 ? 32 : 128;
  const address = formatIp(maskAddress(prefix.address, prefix.length));
  return prefix.length === host ? address : `${address}/${prefix.length}`;
}

function routeText(row: RouteSummaryRow): string {
  const parts: string[] = [];
  if (row.prefix) parts.push(formatPrefix(row.prefix));
  if (row.gateway) parts.push(`via ${formatIp(row.gateway)}`);
  return parts.join(' ');
}

function shareOf(count: number, queries: number): number {
  return queries === 0 ? 0 : count / queries;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Columns count, share, rule, table, route, dev, disposition; numbers right-aligned; then a total line. */
export function renderRouteSummaryText(summary: RouteSummaryResult, tables: RtTables): string {
  const header = ['count', 'share', 'rule', 'table', 'route', 'dev', 'disposition'];
  const cells = summary.rows.map((row) => [
    String(row.count),
    `${(shareOf(row.count, summary.queries) * 100).toFixed(1)}%`,
    row.pref !== undefined ? String(row.pref) : NONE,
    row.table !== undefined ? tableName(tables, row.table) : NONE,
    routeText(row) || NONE,
    row.dev || NONE,
    row.errno ?? row.type ?? NONE,
  ]);
  const rightAligned = [true, true, true, false, false, false, false];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: readonly string[]): string =>
    c.map((text, i) => (rightAligned[i] ? text.padStart(widths[i]!) : text.padEnd(widths[i]!))).join('  ').trimEnd();
  const total = `total: ${plural(summary.queries, 'query', 'queries')}, ${plural(summary.failed, 'line', 'lines')} failed`;
  return `${[line(header), ...cells.map(line), total].join('\n')}\n`;
}

/** {"rows":[{pref,table,route,dev,gateway,type|errno,count,share}],"total":N,"failed":N}; absent values are null. */
export function renderRouteSummaryJson(summary: RouteSummaryResult, tables: RtTables): string {
  const rows = summary.rows.map((row) => ({
    pref: row.pref ?? null,
    table: row.table !== undefined ? tableName(tables, row.table) : null,
    route: row.prefix ? formatPrefix(row.prefix) : null,
    dev: row.dev || null,
    gateway: row.gateway ? formatIp(row.gateway) : null,
    ...(row.errno !== undefined ? { errno: row.errno } : { type: row.type ?? null }),
    count: row.count,
    share: shareOf(row.count, summary.queries),
  }));
  return `${JSON.stringify({ rows, total: summary.queries, failed: summary.failed })}\n`;
}
