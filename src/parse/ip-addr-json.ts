// `ip -j addr show` → InterfaceAddress[] (each device's dump order kept in `order`).
import type { Family } from '../addr/types.ts';
import type { Parsed } from '../model/diagnostics.ts';
import type { InterfaceAddress } from '../model/network-state.ts';
import { maskAddress, parseIp } from '../addr/ip.ts';
import { DiagnosticSink } from './diagnostic-sink.ts';
import { parseScope } from './iproute2-names.ts';
import type { Mutable } from './mutable.ts';
import { parseJsonArrayDocument } from './json-document.ts';
import { FieldReader, forEachJsonObject } from './json-fields.ts';

/** Boolean keys print_ifa_flags() prints (ip/ipaddress.c); "secondary" has its own field. */
const ADDRESS_FLAGS = [
  'temporary', 'nodad', 'optimistic', 'dadfailed', 'home', 'deprecated', 'tentative', 'dynamic',
  'mngtmpaddr', 'noprefixroute', 'autojoin', 'stable-privacy',
] as const;

const FAMILIES: ReadonlyMap<string, Family> = new Map<string, Family>([['inet', 4], ['inet6', 6]]);

// mirrors print_addrinfo(), ip/ipaddress.c (iproute2 6.1)
export function parseIpAddrJson(text: string, file = 'ip addr'): Parsed<InterfaceAddress[]> {
  const sink = new DiagnosticSink(file);
  const doc = parseJsonArrayDocument(text, sink);
  const addresses: InterfaceAddress[] = [];
  forEachJsonObject(doc, sink, 'device', (item, where, index) => {
    const f = new FieldReader(item, sink, where, `device #${index + 1}`);
    const ifindex = f.uint('ifindex');
    const dev = f.string('ifname');
    if (ifindex === undefined || dev === undefined) {
      if (!f.has('ifindex') || !f.has('ifname')) sink.error('addr-missing-field', `${f.what}: "ifindex" and "ifname" are required`, where);
      return;
    }
    const list = f.objectArray('addr_info') ?? [];
    list.forEach((info, order) => {
      const address = buildAddress(f.nested(info, `address #${order + 1} of ${dev}`), ifindex, dev, order);
      if (address) addresses.push(address);
    });
  });
  return { value: addresses, diagnostics: sink.diagnostics };
}

function buildAddress(f: FieldReader, ifindex: number, dev: string, order: number): InterfaceAddress | undefined {
  const errorsBefore = f.sink.errorCount;
  const familyText = f.string('family');
  const family = familyText === undefined ? undefined : FAMILIES.get(familyText);
  if (family === undefined) {
    if (familyText !== undefined) f.sink.info('addr-other-family', `${f.what}: family "${familyText}" ignored`, f.where);
    else f.sink.error('addr-missing-field', `${f.what}: no "family"`, f.where);
    return undefined;
  }
  const localText = f.string('local');
  const local = localText === undefined ? undefined : parseIp(localText, 'strict', family);
  const prefixLength = f.uint('prefixlen');
  if (local === undefined || prefixLength === undefined || prefixLength > (family === 4 ? 32 : 128)) {
    f.sink.error('addr-bad-address', `${f.what}: bad address "${localText ?? ''}/${String(f.object['prefixlen'])}"`, f.where);
    return undefined;
  }
  const scopeText = f.string('scope');
  const scope = scopeText === undefined ? 0 : parseScope(scopeText);
  if (scope === undefined) {
    f.sink.error('addr-bad-scope', `${f.what}: unknown scope "${scopeText ?? ''}"`, f.where);
    return undefined;
  }
  const peerText = f.string('address');
  const peerAddress = peerText === undefined ? undefined : parseIp(peerText, 'strict', family);
  if (peerText !== undefined && peerAddress === undefined) {
    f.sink.error('addr-bad-address', `${f.what}: bad peer "${peerText}"`, f.where);
    return undefined;
  }
  const broadcastText = f.string('broadcast');
  const broadcast = broadcastText === undefined ? undefined : parseIp(broadcastText, 'strict', family);
  const label = f.string('label');
  const flags = ADDRESS_FLAGS.filter((flag) => f.flag(flag));
  if (f.sink.errorCount > errorsBefore) return undefined;
  const address: Mutable<InterfaceAddress> = { ifindex, dev, family, local, prefixLength, scope, secondary: f.flag('secondary'), flags, order };
  if (peerAddress !== undefined) address.peer = { address: maskAddress(peerAddress, prefixLength), length: prefixLength };
  if (broadcast !== undefined) address.broadcast = broadcast;
  if (label !== undefined) address.label = label;
  return address;
}
