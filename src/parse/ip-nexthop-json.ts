// `ip -j [-d] nexthop show` → NexthopObject[].
import type { Parsed } from '../model/diagnostics.ts';
import type { NexthopObject } from '../model/network-state.ts';
import { parseIp } from '../addr/ip.ts';
import { DiagnosticSink } from './diagnostic-sink.ts';
import { parseJsonArrayDocument } from './json-document.ts';
import type { Mutable } from './mutable.ts';
import { FieldReader, forEachJsonObject } from './json-fields.ts';

// mirrors print_nexthop() and print_nh_group(), ip/ipnexthop.c (iproute2 6.1)
export function parseIpNexthopJson(text: string, file = 'ip nexthop'): Parsed<NexthopObject[]> {
  const sink = new DiagnosticSink(file);
  const doc = parseJsonArrayDocument(text, sink);
  const objects: NexthopObject[] = [];
  forEachJsonObject(doc, sink, 'nexthop', (item, where, index) => {
    const object = buildNexthopObject(new FieldReader(item, sink, where, `nexthop #${index + 1}`));
    if (object) objects.push(object);
  });
  return { value: objects, diagnostics: sink.diagnostics };
}

function buildNexthopObject(f: FieldReader): NexthopObject | undefined {
  const id = f.uint('id');
  if (id === undefined) {
    if (!f.has('id')) f.sink.error('nexthop-missing-id', `${f.what}: no "id"`, f.where);
    return undefined;
  }
  const what = `nexthop ${id}`;
  const errorsBefore = f.sink.errorCount;
  const gatewayText = f.string('gateway');
  const gateway = gatewayText === undefined ? undefined : parseIp(gatewayText, 'strict');
  if (gatewayText !== undefined && gateway === undefined) {
    f.sink.error('nexthop-bad-gateway', `${what}: gateway "${gatewayText}" is not an IP address`, f.where);
    return undefined;
  }
  const dev = f.string('dev');
  const flags = f.stringArray('flags') ?? [];
  const groupList = f.objectArray('group');
  let group: { id: number; weight: number }[] | undefined;
  if (groupList !== undefined) {
    group = [];
    for (const member of groupList) {
      const m = f.nested(member, `${what} group member`);
      const memberId = m.uint('id');
      // print_nh_group() prints weight+1 and omits it for the default weight 1
      const weight = m.has('weight') ? m.uint('weight') : 1;
      if (memberId === undefined || weight === undefined) {
        f.sink.error('nexthop-bad-group', `${what}: bad group member ${JSON.stringify(member)}`, f.where);
        return undefined;
      }
      group.push({ id: memberId, weight });
    }
  }
  const typeText = f.string('type');
  const groupType = typeText === 'resilient' ? 'resilient' : 'mpath';
  if (typeText !== undefined && typeText !== 'resilient' && typeText !== 'mpath') {
    f.sink.warning('nexthop-unknown-group-type', `${what}: unknown group type "${typeText}", taken as mpath`, f.where);
  }
  const protocol = f.string('protocol');
  if (f.sink.errorCount > errorsBefore) return undefined;
  const object: Mutable<NexthopObject> = {
    id,
    onlink: flags.includes('onlink'),
    blackhole: f.flag('blackhole'),
    fdb: f.flag('fdb'),
    dead: flags.includes('dead'),
    linkdown: flags.includes('linkdown'),
  };
  if (gateway !== undefined) {
    object.family = gateway.family;
    object.gateway = gateway;
  }
  if (dev !== undefined) object.dev = dev;
  if (group !== undefined) {
    object.group = group;
    object.groupType = groupType;
  }
  if (protocol !== undefined) object.protocol = protocol;
  return object;
}
