// `ip -j [-d] -4|-6 route show table all` → Route[] (dump order kept in `order`).
import type { Family } from '../addr/types.ts';
import type { Parsed } from '../model/diagnostics.ts';
import { RT_TABLE_MAIN, type Route } from '../model/network-state.ts';
import type { RtTables } from '../model/rt-tables.ts';
import { DiagnosticSink } from './diagnostic-sink.ts';
import { parseJsonArrayDocument } from './json-document.ts';
import { FieldReader, forEachJsonObject } from './json-fields.ts';
import type { Mutable } from './mutable.ts';
import { buildRoute, type RouteContext } from './route-fields.ts';

export interface RouteParseOptions {
  readonly family: Family;
  /** names the dump was printed with; the built-in names when absent */
  readonly rtTables?: RtTables;
  /** table of routes printed without "table" (`ip route show table X` omits it); main by default */
  readonly table?: number;
  /** label for diagnostics */
  readonly file?: string;
}

export function parseIpRouteJson(text: string, options: RouteParseOptions): Parsed<Route[]> {
  const sink = new DiagnosticSink(options.file ?? `ip -${options.family} route`);
  const doc = parseJsonArrayDocument(text, sink);
  const routes: Route[] = [];
  forEachJsonObject(doc, sink, 'route', (item, where, index) => {
    const route = buildRoute(new FieldReader(item, sink, where, 'route'), routeContext(options, index));
    if (route) routes.push(route);
  });
  return { value: routes, diagnostics: sink.diagnostics };
}

export function routeContext(options: RouteParseOptions, order: number): RouteContext {
  const ctx: Mutable<RouteContext> = { family: options.family, order, defaultTable: options.table ?? RT_TABLE_MAIN };
  if (options.rtTables) ctx.rtTables = options.rtTables;
  return ctx;
}
