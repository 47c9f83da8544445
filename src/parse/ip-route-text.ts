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

/** Route metrics (RTAX_*) print "NAME [lock] VALUE"; the model does not keep them. */
const METRIC_WORDS: ReadonlySet<string> = new Set([
  'mtu', 'window', 'rtt', 'rttvar', 'ssthresh', 'cwnd', 'advmss', 'reordering', 'hoplimit',
  'initcwnd', 'features', 'rto_min', 'initrwnd', 'quickack', 'congctl', 'fastopen_no_cookie',
]);

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
    if (METRIC_WORDS.has(word)) {
      if (cur.peek() === 'lock') cur.next();
      cur.value(word);
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
      case 'realms':
        cur.value(word);
        break;
      default:
        cur.unknown(word);
    }
  }
  return fields;
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
