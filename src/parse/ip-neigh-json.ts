// `ip -j neigh show [nud all]` → Neighbour[].
import type { Parsed } from '../model/diagnostics.ts';
import type { Neighbour } from '../model/network-state.ts';
import { parseIp } from '../addr/ip.ts';
import { DiagnosticSink } from './diagnostic-sink.ts';
import { parseJsonArrayDocument } from './json-document.ts';
import type { Mutable } from './mutable.ts';
import { FieldReader, forEachJsonObject } from './json-fields.ts';

// mirrors print_neigh(), ip/ipneigh.c (iproute2 6.1)
export function parseIpNeighJson(text: string, file = 'ip neigh'): Parsed<Neighbour[]> {
  const sink = new DiagnosticSink(file);
  const doc = parseJsonArrayDocument(text, sink);
  const neighbours: Neighbour[] = [];
  forEachJsonObject(doc, sink, 'neighbour', (item, where, index) => {
    const f = new FieldReader(item, sink, where, `neighbour #${index + 1}`);
    const errorsBefore = sink.errorCount;
    // proxy entries answer for others; they are not next-hop state
    if (f.flag('proxy')) return;
    const dstText = f.string('dst');
    const dev = f.string('dev');
    const address = dstText === undefined ? undefined : parseIp(dstText, 'strict');
    if (address === undefined || dev === undefined) {
      sink.error('neigh-bad-entry', `${f.what}: needs "dst" (an IP address) and "dev"`, where);
      return;
    }
    const lladdr = f.string('lladdr');
    const state = f.stringArray('state') ?? [];
    if (sink.errorCount > errorsBefore) return;
    const neighbour: Mutable<Neighbour> = { dev, address, state };
    if (lladdr !== undefined) neighbour.lladdr = lladdr;
    neighbours.push(neighbour);
  });
  return { value: neighbours, diagnostics: sink.diagnostics };
}
