// `ip -j -d link show` → Link[].
import type { Parsed } from '../model/diagnostics.ts';
import type { Link } from '../model/network-state.ts';
import { DiagnosticSink } from './diagnostic-sink.ts';
import { parseDeviceGroup } from './iproute2-names.ts';
import { parseJsonArrayDocument } from './json-document.ts';
import type { Mutable } from './mutable.ts';
import { FieldReader, forEachJsonObject } from './json-fields.ts';

// mirrors print_linkinfo(), ip/ipaddress.c (iproute2 6.1)
export function parseIpLinkJson(text: string, file = 'ip link'): Parsed<Link[]> {
  const sink = new DiagnosticSink(file);
  const doc = parseJsonArrayDocument(text, sink);
  const links: Link[] = [];
  forEachJsonObject(doc, sink, 'link', (item, where, index) => {
    const link = buildLink(new FieldReader(item, sink, where, `link #${index + 1}`));
    if (link) links.push(link);
  });
  return { value: links, diagnostics: sink.diagnostics };
}

/** Also used for the device part of `ip -j addr show`, which prints the same fields. */
export function buildLink(f: FieldReader): Link | undefined {
  const ifindex = f.uint('ifindex');
  const name = f.string('ifname');
  if (ifindex === undefined || name === undefined) {
    if (!f.has('ifindex') || !f.has('ifname')) f.sink.error('link-missing-field', `${f.what}: "ifindex" and "ifname" are required`, f.where);
    return undefined;
  }
  const what = `link ${name}`;
  const errorsBefore = f.sink.errorCount;
  const flags = f.stringArray('flags') ?? [];
  const mtu = f.uint('mtu') ?? 0;
  const groupText = f.string('group');
  let group = 0;
  if (groupText !== undefined) {
    const parsed = parseDeviceGroup(groupText);
    if (parsed === undefined) {
      f.sink.warning('link-unknown-group', `${what}: device group "${groupText}" is a name from /etc/iproute2/group, which is not recorded; taken as 0`, f.where,
        'give groups numbers instead of names when suppress_ifgroup rules depend on them');
    } else group = parsed;
  }
  const linkinfo = f.child('linkinfo');
  const info = linkinfo === undefined ? undefined : f.nested(linkinfo, what);
  const kind = info?.string('info_kind');
  const infoData = info?.child('info_data');
  const vrfTable = kind === 'vrf' && infoData !== undefined && info !== undefined ? info.nested(infoData, what).uint('table') : undefined;
  const master = f.string('master');
  const macAddress = f.string('address');
  if (f.sink.errorCount > errorsBefore) return undefined;
  const link: Mutable<Link> = {
    ifindex,
    name,
    up: flags.includes('UP'),
    carrier: flags.includes('LOWER_UP'),
    loopback: flags.includes('LOOPBACK'),
    flags,
    mtu,
    group,
    l3Master: kind === 'vrf',
  };
  if (kind !== undefined) link.kind = kind;
  if (master !== undefined) link.master = master;
  if (vrfTable !== undefined) link.vrfTable = vrfTable;
  if (macAddress !== undefined) link.macAddress = macAddress;
  return link;
}
