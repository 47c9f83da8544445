// `ip -j maddr show` → MulticastMembership[] (IPv4 and IPv6 groups; link-layer entries are skipped).
import type { Parsed } from '../model/diagnostics.ts';
import type { MulticastMembership } from '../model/network-state.ts';
import { parseIp } from '../addr/ip.ts';
import { DiagnosticSink } from './diagnostic-sink.ts';
import { parseJsonArrayDocument } from './json-document.ts';
import { FieldReader, forEachJsonObject } from './json-fields.ts';

// mirrors print_mlist(), ip/ipmaddr.c (iproute2 6.1)
export function parseIpMaddrJson(text: string, file = 'ip maddr'): Parsed<MulticastMembership[]> {
  const sink = new DiagnosticSink(file);
  const doc = parseJsonArrayDocument(text, sink);
  const memberships: MulticastMembership[] = [];
  forEachJsonObject(doc, sink, 'device', (item, where, index) => {
    const f = new FieldReader(item, sink, where, `device #${index + 1}`);
    const dev = f.string('ifname');
    if (dev === undefined) {
      sink.error('maddr-missing-field', `${f.what}: no "ifname"`, where);
      return;
    }
    for (const entry of f.objectArray('maddr') ?? []) {
      const e = f.nested(entry, `multicast entry of ${dev}`);
      const family = e.string('family');
      if (family !== 'inet' && family !== 'inet6') continue;
      const text = e.string('address') ?? '';
      const group = parseIp(text, 'strict', family === 'inet' ? 4 : 6);
      if (group === undefined) {
        sink.error('maddr-bad-address', `${e.what}: "${text}" is not an ${family} address`, where);
        continue;
      }
      memberships.push({ dev, group });
    }
  });
  return { value: memberships, diagnostics: sink.diagnostics };
}
