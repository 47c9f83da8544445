// `ip route get` output for a RouteAnswer: the route line(s), the error line, --explain and multipath notes.
import { formatIp, maskAddress } from '../addr/address.ts';
import type { Family } from '../addr/types.ts';
import { RT_SCOPE_UNIVERSE, type NexthopObject } from '../model/network-state.ts';
import { ERRNO_MESSAGES, type Errno, type NexthopCandidate, type ResolvedRoute, type RouteAnswer } from '../model/route-query.ts';
import type { RtTables } from '../model/rt-tables.ts';
import { IpPrinter, PLAIN_PALETTE, type Palette } from './ip-printer.ts';
import { flagBits, printRouteFields, printRouteMessage, RT_FLAG_BITS, RTCF_BITS, RTM_F_CLONED, type RouteMessage, type RouteNexthopAttr } from './route-message.ts';

export interface RouteGetRenderOptions {
  readonly family: Family;
  readonly fibmatch: boolean;
  readonly json: boolean;
  readonly explain: boolean;
  readonly tables: RtTables;
  readonly palette?: Palette;
  /** replaces the `RTNETLINK answers: …` line (the kernel's extack message for a refused request) */
  readonly errorLine?: string;
  /** nexthop objects by id: `-j` (as `ip -d -j`) describes the one a fibmatch route uses */
  readonly nexthopObjects?: ReadonlyMap<number, NexthopObject>;
}

/** What a command prints: data for stdout, messages for stderr. */
export interface RenderedOutput {
  readonly stdout: string;
  readonly stderr: string;
}

function nexthopsOf(r: ResolvedRoute): RouteNexthopAttr[] {
  return (r.nexthops ?? []).map((nh) => ({
    ...(nh.gateway ? { gateway: nh.gateway } : {}),
    ...(nh.dev !== undefined ? { dev: nh.dev } : {}),
    weight: nh.weight,
    flags: flagBits(nh.flags, RT_FLAG_BITS),
  }));
}

/**
 * The matched FIB entry. The engine decides its shape as the kernel dumps it: `nexthops` (RTA_MULTIPATH, then
 * no top-level gateway or dev) or one path at top level; a source-specific IPv6 route's `from` with its
 * length; IPv6 reports the input device (iif), IPv4 does not.
 */
// mirrors fib_dump_info() (IPv4) and rt6_fill_node() (IPv6) as inet_rtm_getroute()/inet6_rtm_getroute() call them with fibmatch
function fibmatchMessage(r: ResolvedRoute, family: Family): RouteMessage {
  const length = r.prefixLength ?? (family === 4 ? 32 : 128);
  const multipath = r.nexthops ? nexthopsOf(r) : undefined;
  const srcLen = r.from ? (r.fromPrefixLength ?? (family === 4 ? 32 : 128)) : 0;
  return {
    family,
    type: r.type,
    ...(length > 0 ? { dst: maskAddress(r.dst, length) } : {}),
    dstLen: length,
    ...(r.from && srcLen > 0 ? { src: maskAddress(r.from, srcLen) } : {}),
    srcLen,
    tos: r.tos ?? 0,
    table: r.table,
    protocol: r.protocol ?? 'boot',
    scope: family === 6 ? RT_SCOPE_UNIVERSE : (r.scope ?? RT_SCOPE_UNIVERSE),
    flags: flagBits(r.flags, RT_FLAG_BITS),
    ...(r.nhid !== undefined ? { nhid: r.nhid } : {}),
    ...(!multipath && r.gateway ? { gateway: r.gateway } : {}),
    ...(!multipath ? { dev: r.dev } : {}),
    ...(r.prefsrc ? { prefsrc: r.prefsrc } : {}),
    ...(family === 6 || (r.metric ?? 0) !== 0 ? { metric: r.metric ?? 0 } : {}),
    ...(r.realms !== undefined ? { realms: r.realms } : {}),
    ...(r.expires !== undefined ? { expires: r.expires } : {}),
    ...(r.metrics ? { metrics: r.metrics } : {}),
    ...(r.iif !== undefined ? { iif: r.iif } : {}),
    ...(family === 6 ? { pref: r.pref ?? 'medium' } : {}),
    ...(multipath ? { multipath } : {}),
  };
}

// mirrors rt_fill_info(), net/ipv4/route.c: a cached (cloned) route
function ipv4Message(r: ResolvedRoute): RouteMessage {
  const from = r.from && r.from.value !== 0 ? r.from : undefined;
  return {
    family: 4,
    type: r.type,
    dst: r.dst,
    dstLen: 32,
    ...(from ? { src: from } : {}),
    srcLen: from ? 32 : 0,
    tos: r.tos ?? 0,
    table: r.table,
    protocol: r.protocol ?? 'unspec',
    scope: r.scope ?? RT_SCOPE_UNIVERSE,
    flags: (RTM_F_CLONED | flagBits(r.cache, RTCF_BITS) | flagBits(r.flags, RT_FLAG_BITS)) >>> 0,
    ...(r.gateway ? { gateway: r.gateway } : {}),
    dev: r.dev,
    ...(r.prefsrc ? { prefsrc: r.prefsrc } : {}),
    ...(r.mark ? { mark: r.mark } : {}),
    ...(r.realms !== undefined ? { realms: r.realms } : {}),
    ...(r.metrics ? { metrics: r.metrics } : {}),
    // uid 4294967295 is INVALID_UID: rt_fill_info() leaves RTA_UID out
    ...(r.uid !== undefined && r.uid !== 0xffffffff ? { uid: r.uid } : {}),
    ...(r.iif !== undefined ? { iif: r.iif } : {}),
  };
}

// mirrors rt6_fill_node(), net/ipv6/route.c: the flow's source is always reported, mark and uid never
function ipv6Message(r: ResolvedRoute): RouteMessage {
  return {
    family: 6,
    type: r.type,
    dst: r.dst,
    dstLen: 128,
    src: r.from ?? { family: 6, value: 0n },
    srcLen: 128,
    tos: r.tos ?? 0,
    table: r.table,
    protocol: r.protocol ?? 'boot',
    scope: RT_SCOPE_UNIVERSE,
    flags: flagBits(r.flags, RT_FLAG_BITS),
    ...(r.gateway ? { gateway: r.gateway } : {}),
    dev: r.dev,
    ...(r.prefsrc ? { prefsrc: r.prefsrc } : {}),
    metric: r.metric ?? 0,
    ...(r.metrics ? { metrics: r.metrics } : {}),
    ...(r.iif !== undefined ? { iif: r.iif } : {}),
    pref: r.pref ?? 'medium',
  };
}

export function resolvedRouteToMessage(r: ResolvedRoute, family: Family, fibmatch: boolean): RouteMessage {
  if (fibmatch) return fibmatchMessage(r, family);
  return family === 4 ? ipv4Message(r) : ipv6Message(r);
}

/** The line `ip` prints on stderr for a failed lookup. */
export function formatLookupError(errno: Errno): string {
  // the kernel attaches an extack message to this one (rtm_getroute_parse_ip_proto()), which ip prints instead
  if (errno === 'EOPNOTSUPP') return 'Error: Unsupported ip proto.';
  return `RTNETLINK answers: ${ERRNO_MESSAGES[errno]}`;
}

function describeCandidate(c: NexthopCandidate): string {
  return `${c.gateway ? `via ${formatIp(c.gateway)} ` : ''}dev ${c.dev} weight ${c.weight}`;
}

/** The stderr note for a multipath choice that depends on an unknown hash seed. */
export function formatCandidatesNote(candidates: readonly NexthopCandidate[]): string {
  const head =
    'pbr: note: net.ipv4.fib_multipath_hash_seed is 0 (random per boot), so the next hop shown is one of:';
  return `${[head, ...candidates.map((c) => `  ${describeCandidate(c)}`)].join('\n')}\n`;
}

/** --explain in text form: the steps as an indented list (the engine's steps already name the kernel log line of a drop). */
export function renderExplainText(answer: RouteAnswer, palette: Palette = PLAIN_PALETTE): string {
  const lines = answer.ok ? ['', 'explain:'] : ['explain:'];
  for (const step of answer.explain) {
    const text = step.kind === 'result' ? palette.ifname(step.text) : step.text;
    lines.push(`${'  '.repeat(step.depth + 1)}${text}`);
  }
  if (answer.ok && answer.candidates) {
    lines.push('  the next hop depends on the multipath hash, whose seed is unknown; any of:');
    for (const c of answer.candidates) lines.push(`    ${describeCandidate(c)}`);
  }
  return `${lines.join('\n')}\n`;
}

function printExplainJson(p: IpPrinter, answer: RouteAnswer): void {
  p.openObject('explain');
  p.openArray('steps');
  for (const step of answer.explain) {
    p.openObject();
    p.field('kind', step.kind);
    p.field('depth', step.depth);
    p.field('text', step.text);
    p.closeObject();
  }
  p.closeArray();
  if (answer.ok && answer.candidates) {
    p.openArray('candidates');
    for (const c of answer.candidates) {
      p.openObject();
      if (c.gateway) p.field('gateway', formatIp(c.gateway));
      p.field('dev', c.dev);
      p.field('weight', c.weight);
      p.closeObject();
    }
    p.closeArray();
  }
  if (!answer.ok && answer.logLine !== undefined) p.field('logLine', answer.logLine);
  p.closeObject();
}

/**
 * The answer as one JSON object (without the enclosing array): the route object `ip -d -j route get`
 * prints, or {"error":{errno,message}}; with explain an extra "explain" key.
 */
export function renderRouteGetJsonObject(answer: RouteAnswer, opts: RouteGetRenderOptions): string {
  const p = new IpPrinter(true);
  p.openObject();
  if (answer.ok) {
    printRouteFields(p, resolvedRouteToMessage(answer.route, opts.family, opts.fibmatch), {
      details: true,
      filterTable: 0,
      tables: opts.tables,
      ...(opts.nexthopObjects ? { nexthopObjects: opts.nexthopObjects } : {}),
    });
  } else {
    p.openObject('error');
    p.field('errno', answer.errno);
    p.field('message', ERRNO_MESSAGES[answer.errno]);
    p.closeObject();
  }
  if (opts.explain) printExplainJson(p, answer);
  p.closeObject();
  return p.toString();
}

/** Everything `pbr route get` prints for one answer. */
export function renderRouteGet(answer: RouteAnswer, opts: RouteGetRenderOptions): RenderedOutput {
  const palette = opts.palette ?? PLAIN_PALETTE;
  const note = answer.ok && answer.candidates ? formatCandidatesNote(answer.candidates) : '';
  if (opts.json) return { stdout: `[${renderRouteGetJsonObject(answer, opts)}]\n`, stderr: note };
  const explain = opts.explain ? renderExplainText(answer, palette) : '';
  if (!answer.ok) return { stdout: explain, stderr: `${opts.errorLine ?? formatLookupError(answer.errno)}\n` };
  const p = new IpPrinter(false, palette);
  printRouteMessage(p, resolvedRouteToMessage(answer.route, opts.family, opts.fibmatch), {
    details: false,
    filterTable: 0,
    tables: opts.tables,
  });
  return { stdout: p.toString() + explain, stderr: note };
}
