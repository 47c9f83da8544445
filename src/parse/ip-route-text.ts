// The text of `ip [-d] route show` (v4 or v6, any table) → Route[], through the same fields as the JSON form.
import type { Parsed } from '../model/diagnostics.ts';
import type { Route } from '../model/network-state.ts';
import { DiagnosticSink } from './diagnostic-sink.ts';
import { routeContext, type RouteParseOptions } from './ip-route-json.ts';
import { FieldReader } from './json-fields.ts';
import { buildRoute } from './route-fields.ts';
import { TokenCursor, tokenizeLine } from './text-tokens.ts';

/** Flag words of print_rt_flags(), ip/iproute.c. */
const FLAG_WORDS: ReadonlySet<string> = new Set([
  'dead', 'onlink', 'pervasive', 'offload', 'trap', 'notify', 'linkdown', 'unresolved',
  'rt_offload', 'rt_trap', 'rt_offload_failed',
]);

/** Route metrics (RTAX_*) print "NAME [lock] VALUE": the text word → the JSON key (the same but for congctl). */
const METRIC_WORDS: ReadonlyMap<string, string> = new Map([
  ...['mtu', 'window', 'rtt', 'rttvar', 'ssthresh', 'cwnd', 'advmss', 'reordering', 'hoplimit',
    'initcwnd', 'features', 'rto_min', 'initrwnd', 'quickack', 'fastopen_no_cookie'].map((w): [string, string] => [w, w]),
  ['congctl', 'congestion'],
]);

/** Metrics printed as a time: "30ms" or "1.5s", kept in milliseconds as the JSON form has them. */
const TIME_METRICS: ReadonlySet<string> = new Set(['rtt', 'rttvar', 'rto_min']);

/** Words followed by one value that the model does not keep. */
const IGNORED_WITH_VALUE: ReadonlySet<string> = new Set(['error', 'users', 'used', 'age', 'ipid', 'ts', 'tsage', 'ttl-propogate']);

// mirrors the text branch of print_route(), ip/iproute.c (iproute2 6.1)
export function parseIpRouteText(text: string, options: RouteParseOptions): Parsed<Route[]> {
  const sink = new DiagnosticSink(options.file ?? `ip -${options.family} route`);
  const routes: Route[] = [];
  let current: { fields: Record<string, unknown>; line: number } | undefined;
  let index = 0;
  const finish = (): void => {
    if (current === undefined) return;
    const route = buildRoute(new FieldReader(current.fields, sink, sink.at(current.line, 1), 'route'), routeContext(options, index++));
    if (route) routes.push(route);
    current = undefined;
  };
  text.split('\n').forEach((line, lineIndex) => {
    if (line.trim() === '') return;
    const cur = new TokenCursor(tokenizeLine(line), sink, lineIndex + 1);
    if (/^\s/.test(line)) {
      if (current === undefined) {
        sink.error('route-text-orphan-line', 'an indented line without a route before it', cur.at());
        return;
      }
      continuationFields(cur, current.fields);
      return;
    }
    finish();
    current = { fields: routeLineFields(cur), line: lineIndex + 1 };
  });
  finish();
  return { value: routes, diagnostics: sink.diagnostics };
}

function routeLineFields(cur: TokenCursor): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  if (cur.peek() === 'Deleted') cur.next();
  const first = cur.next() ?? '';
  // a leading word that is not "default" is a route type, known or not (buildRoute reports unknown ones)
  if (/^[a-z][a-z_-]*$/.test(first) && first !== 'default' && !cur.done()) {
    fields['type'] = first;
    fields['dst'] = cur.next();
  } else {
    fields['dst'] = first;
  }
  const flags: string[] = [];
  fields['flags'] = flags;
  while (!cur.done()) {
    const word = cur.next() ?? '';
    if (FLAG_WORDS.has(word)) {
      flags.push(word);
      continue;
    }
    const metric = METRIC_WORDS.get(word);
    if (metric !== undefined) {
      metricFields(cur, word, metric, fields);
      continue;
    }
    if (IGNORED_WITH_VALUE.has(word)) {
      cur.value(word);
      continue;
    }
    switch (word) {
      case 'from':
      case 'tos':
      case 'dev':
      case 'table':
      case 'pref':
      case 'iif':
        put(fields, word, cur.value(word));
        break;
      case 'proto':
        put(fields, 'protocol', cur.value(word));
        break;
      case 'scope':
        put(fields, 'scope', cur.value(word));
        break;
      case 'src':
        put(fields, 'prefsrc', cur.value(word));
        break;
      case 'via':
        viaFields(cur, fields);
        break;
      case 'nhid':
      case 'metric':
      case 'uid':
      case 'mark': {
        const value = cur.value(word);
        if (value !== undefined) put(fields, word, cur.number(value, word));
        break;
      }
      case 'expires': {
        const value = cur.value(word);
        const seconds = value === undefined ? undefined : /^(-?\d+)sec$/.exec(value)?.[1];
        if (seconds === undefined) {
          if (value !== undefined) cur.bad(word, value);
        } else fields['expires'] = Number(seconds);
        break;
      }
      case 'realm':
      case 'realms': {
        // "realm TO" or "realms FROM/TO", as the JSON form's "flow"
        const value = cur.value(word);
        if (value === undefined) break;
        const [from, to] = value.includes('/') ? value.split('/', 2) : [undefined, value];
        fields['flow'] = { ...(from !== undefined ? { from } : {}), to };
        break;
      }
      default:
        cur.unknown(word);
    }
  }
  return fields;
}

/** One metric in the JSON form's shape: "metrics": [{KEY: VALUE}], locked names in "metrics_lock". */
// mirrors print_rta_metrics() and print_rtax_features(), ip/iproute.c
function metricFields(cur: TokenCursor, word: string, key: string, fields: Record<string, unknown>): void {
  fields['metrics'] ??= [{}];
  const values = (fields['metrics'] as Record<string, unknown>[])[0] as Record<string, unknown>;
  if (cur.peek() === 'lock') {
    cur.next();
    fields['metrics_lock'] = [...((fields['metrics_lock'] as string[] | undefined) ?? []), key];
  }
  const text = cur.value(word);
  if (text === undefined) return;
  if (word === 'features' && text === 'ecn') {
    values['ecn'] = null;
    if (cur.peek()?.startsWith('0x')) values['features'] = cur.next();
  } else if (word === 'congctl') {
    values[key] = text;
  } else if (TIME_METRICS.has(word)) {
    const m = /^(\d+(?:\.\d+)?)(ms|s)$/.exec(text);
    if (m) values[key] = m[2] === 's' ? Math.round(Number(m[1]) * 1000) : Number(m[1]);
    else cur.bad(word, text);
  } else if (word === 'features') {
    values[key] = text;
  } else {
    const value = cur.number(text, word);
    if (value !== undefined) values[key] = value;
  }
}

/** "\tnexthop via GW dev D weight W FLAGS", or the -d line "\tnh_info …" (ignored: the nexthop objects carry it). */
function continuationFields(cur: TokenCursor, fields: Record<string, unknown>): void {
  const first = cur.next();
  if (first === 'nh_info' || first === 'cache') return;
  if (first !== 'nexthop') {
    cur.unknown(first ?? '');
    return;
  }
  const hop: Record<string, unknown> = {};
  const flags: string[] = [];
  while (!cur.done()) {
    const word = cur.next() ?? '';
    if (FLAG_WORDS.has(word)) flags.push(word);
    else if (word === 'via') viaFields(cur, hop);
    else if (word === 'dev') put(hop, 'dev', cur.value(word));
    else if (word === 'weight') {
      const value = cur.value(word);
      if (value !== undefined) put(hop, 'weight', cur.number(value, word));
    } else if (word === 'realm' || word === 'realms') cur.value(word);
    else cur.unknown(word);
  }
  hop['flags'] = flags;
  const list = Array.isArray(fields['nexthops']) ? (fields['nexthops'] as unknown[]) : [];
  list.push(hop);
  fields['nexthops'] = list;
}

/** "via GW" or "via FAMILY GW" (a gateway of another family, RTA_VIA). */
function viaFields(cur: TokenCursor, fields: Record<string, unknown>): void {
  const first = cur.value('via');
  if (first === undefined) return;
  if (first === 'inet' || first === 'inet6') {
    const host = cur.value(`via ${first}`);
    if (host !== undefined) fields['via'] = { family: first, host };
    return;
  }
  fields['gateway'] = first;
}

function put(fields: Record<string, unknown>, key: string, value: unknown): void {
  if (value !== undefined) fields[key] = value;
}
