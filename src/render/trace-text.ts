// `pbr trace` for a terminal: numbered steps, the disposition and a `why:` line, read off the trace document.
import type { ChainRef } from '../model/journey.ts';
import { PLAIN_PALETTE, type Palette } from './palette.ts';
import type { DispositionDoc, OutcomeDoc, RouteResultDoc, StepDoc, TraceDocument, TraceRequestDoc } from './trace-document.ts';


/** The request in the command's own grammar, so it can be pasted back. */
export function formatTraceRequest(r: TraceRequestDoc, c: Palette = PLAIN_PALETTE): string {
  const words: string[] = [];
  if (r.fromLocal) words.push('--from-local');
  words.push(c.addr(r.dst));
  if (r.src !== undefined) words.push('from', c.addr(r.src));
  if (r.iif !== undefined) words.push('iif', c.ifname(r.iif));
  if (r.oif !== undefined) words.push('oif', c.ifname(r.oif));
  if (r.mark !== undefined) words.push('mark', r.mark);
  if (r.tos !== undefined) words.push('tos', r.tos);
  if (r.uid !== undefined) words.push('uid', String(r.uid));
  if (r.gid !== undefined) words.push('gid', String(r.gid));
  words.push('proto', r.protoName);
  if (r.sport !== undefined) words.push('sport', String(r.sport));
  if (r.dport !== undefined) words.push('dport', String(r.dport));
  if (r.icmpType !== undefined) words.push('icmp-type', String(r.icmpType));
  return words.join(' ');
}

export function formatProbability(p: number): string {
  return `${Number((p * 100).toFixed(2))}%`;
}

function chainName(ch: ChainRef): string {
  return `${ch.family} ${ch.table} ${ch.chain}`;
}

const LEVEL: Readonly<Record<StepDoc['kind'], number>> = { hook: 0, chain: 1, rule: 2, policy: 2, route: 0, conntrack: 0, nat: 0, note: 0 };

function routeTarget(r: RouteResultDoc, c: Palette): string {
  if (!r.ok) return c.bad(`${r.message} (${r.errno})`);
  const type = r.type === 'unicast' ? '' : `${r.type} `;
  const via = r.gateway !== undefined ? ` via ${c.addr(r.gateway)}` : '';
  const src = r.src !== undefined ? ` src ${c.addr(r.src)}` : '';
  return `${type}${c.addr(r.dst)}${via} dev ${c.ifname(r.dev)}${src}`;
}

/** The first line of a step and its continuation lines. */
function stepText(s: StepDoc, c: Palette): { head: string; more: string[] } {
  switch (s.kind) {
    case 'hook':
      return { head: c.bold(`hook ${s.hook}`), more: [] };
    case 'chain':
      return { head: `chain ${chainName(s.chain)}  (${s.chain.origin}, type ${s.type}, priority ${s.priority})`, more: [] };
    case 'rule': {
      const ref = s.rule.source ?? (s.rule.handle !== undefined ? `handle ${s.rule.handle}` : undefined);
      const head = `rule${ref !== undefined ? ` ${ref}` : ''}: ${s.rule.text}`;
      const markChanged = s.markBefore !== s.markAfter;
      const ctChanged = s.ctMarkBefore !== s.ctMarkAfter;
      if (s.result === 'not-matched' && s.effect === undefined && s.verdict === undefined && !markChanged && !ctChanged) {
        return { head: c.dim(`${head}  — no match`), more: [] };
      }
      const result = s.result === 'matched' ? c.good('matched') : s.result === 'unknown' ? c.warn('unknown (pbr does not model it)') : 'not matched';
      const parts = [`${result}${s.effect !== undefined ? `: ${s.effect}` : ''}`];
      if (s.verdict !== undefined) parts.push(`verdict ${s.verdict}`);
      // the net change, unless one of the effects already says exactly that
      const effects = s.effect?.split(', ') ?? [];
      for (const [changed, change] of [[markChanged, `mark ${s.markBefore} → ${s.markAfter}`], [ctChanged, `ct mark ${s.ctMarkBefore} → ${s.ctMarkAfter}`]] as const) {
        if (changed && !effects.includes(change)) parts.push(change);
      }
      return { head, more: [parts.join(', ')] };
    }
    case 'policy':
      return { head: `policy ${s.verdict === 'drop' ? c.bad('drop') : 'accept'} (${chainName(s.chain)})`, more: [] };
    case 'route': {
      const mark = s.query.mark !== undefined && s.query.mark !== '0x0' ? ` (mark ${s.query.mark})` : '';
      const by = s.rulePref !== undefined ? `rule ${s.rulePref}, table ${s.table ?? '?'} → ` : s.table !== undefined ? `table ${s.table} → ` : '';
      const more = s.explain.filter((e) => e.kind === 'check').map((e) => e.text);
      if (s.result.ok && s.result.candidates) {
        const nexthops = s.result.candidates.map((n) => `${n.gateway !== undefined ? `via ${c.addr(n.gateway)} ` : ''}dev ${c.ifname(n.dev)} weight ${n.weight}`);
        more.push(`the next hop depends on the multipath hash, whose seed is unknown: one of ${nexthops.join('; ')}`);
      }
      return { head: `route ${s.phase}${mark}: ${by}${routeTarget(s.result, c)}`, more };
    }
    case 'conntrack':
      return { head: `conntrack ${s.action}: ${s.text}${s.mark !== '0x0' ? ` (ct mark ${s.mark})` : ''}`, more: [] };
    case 'nat':
      return { head: `nat ${s.type}: ${s.text}`, more: [] };
    case 'note':
      return { head: `note: ${s.text}`, more: [] };
  }
}

export function formatDisposition(d: DispositionDoc, c: Palette = PLAIN_PALETTE): string {
  const path = [
    d.dev !== undefined ? ` via ${c.ifname(d.dev)}` : '',
    d.gateway !== undefined ? ` gateway ${c.addr(d.gateway)}` : '',
    d.src !== undefined ? ` from ${c.addr(d.src)}` : '',
    d.dst !== undefined ? ` to ${c.addr(d.dst)}` : '',
  ].join('');
  const by = d.by !== undefined ? ` by ${d.by}` : '';
  switch (d.kind) {
    case 'delivered':
      return c.good('delivered locally') + (d.dst !== undefined ? ` to ${c.addr(d.dst)}` : '') + (d.src !== undefined ? ` from ${c.addr(d.src)}` : '') + (d.dev !== undefined ? ` (arrived on ${c.ifname(d.dev)})` : '');
    case 'forwarded':
    case 'sent':
      return c.good(d.kind) + path;
    case 'dropped':
    case 'rejected':
      return c.bad(d.kind) + by;
    case 'unreachable':
      return c.bad('unreachable') + (d.message !== undefined ? `: ${d.message} (${d.errno})` : '') + by;
    case 'unknown':
      return c.warn('unknown') + by;
  }
}

function outcomeHeader(o: OutcomeDoc, k: number, n: number, c: Palette): string[] {
  if (o.assumptions.length === 0) return [c.bold(`outcome ${k} of ${n}: probability ${formatProbability(o.probability)}`)];
  return [c.bold(`outcome ${k} of ${n}: `) + c.warn('possible, assuming:'), ...o.assumptions.map((a) => `  - ${a}`)];
}

function sharedPrefix(a: readonly StepDoc[], b: readonly StepDoc[]): number {
  let i = 0;
  while (i < a.length && i < b.length && JSON.stringify(a[i]) === JSON.stringify(b[i])) i++;
  return i;
}

function outcomeLines(o: OutcomeDoc, first: OutcomeDoc | undefined, c: Palette, indent: string): string[] {
  const lines: string[] = [];
  const width = String(o.steps.length).length;
  const shared = first ? sharedPrefix(first.steps, o.steps) : 0;
  if (shared > 0) lines.push(`${c.dim(shared === 1 ? '1'.padStart(width) : `1–${shared}`)}  as in outcome 1`);
  o.steps.forEach((step, i) => {
    if (i < shared) return;
    const { head, more } = stepText(step, c);
    const pad = '  '.repeat(LEVEL[step.kind]);
    lines.push(`${c.dim(String(i + 1).padStart(width))}  ${pad}${head}`);
    for (const m of more) lines.push(`${' '.repeat(width)}  ${pad}    ${m}`);
  });
  lines.push(`${c.bold('result:')} ${formatDisposition(o.disposition, c)}`, `${c.bold('why:')} ${o.disposition.why}`);
  const out = lines.map((l) => indent + l);
  if (o.reply) out.push(...documentLines(o.reply, c, `${indent}    `, 'reply'));
  return out;
}

function documentLines(doc: TraceDocument, c: Palette, indent: string, title: string): string[] {
  const lines = [`${indent}${c.bold(title)} ${formatTraceRequest(doc.request, c)}`];
  const [only, ...rest] = doc.outcomes;
  if (only === undefined) return [...lines, `${indent}no outcome`];
  if (rest.length === 0 && only.assumptions.length === 0) return [...lines, ...outcomeLines(only, undefined, c, indent)];
  doc.outcomes.forEach((o, k) => {
    lines.push(...outcomeHeader(o, k + 1, doc.outcomes.length, c).map((l) => indent + l));
    lines.push(...outcomeLines(o, k === 0 ? undefined : only, c, indent));
  });
  return lines;
}

/** The trace as text: the request, each outcome's numbered steps, its result and why, and replies indented below. */
export function renderTraceText(doc: TraceDocument, palette: Palette = PLAIN_PALETTE): string {
  return `${documentLines(doc, palette, '', 'trace').join('\n')}\n`;
}
