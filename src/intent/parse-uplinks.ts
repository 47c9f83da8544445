// `uplinks:` of the intent file: the links traffic leaves by, with their gateways, tables and marks.
import { formatIp, parseIp } from '../addr/address.ts';
import { isLimitedBroadcast, isLoopback4, isLoopback6, isMulticast, isUnspecified } from '../addr/classify.ts';
import type { Family, IpAddress } from '../addr/types.ts';
import type { Uplink } from '../model/intent.ts';
import type { Mutable } from '../parse/mutable.ts';
import { formatHex32, readInteger, readInterfaceName, TABLE_NAME, toInteger, UPLINK_NAME } from './intent-values.ts';
import type { ReadOptions } from './parse-options.ts';
import { describe, scalarValue, type YamlField, type YamlReader } from './yaml-reader.ts';

const UPLINK_KEYS = ['interface', 'gateway', 'gateway6', 'table', 'mark', 'weight'] as const;
/** the most a weight may be: numgen ranges stay small and a plan stays readable */
export const MAX_WEIGHT = 1000;

const RESERVED_TABLE_NAMES = new Set(['unspec', 'default', 'main', 'local']);
const MAX_U32 = 0xffffffff;

/** The valid uplinks, and the names of all declared ones (a reference to a wrong one is not a second error). */
export function parseUplinks(r: YamlReader, field: YamlField | undefined, options: ReadOptions): { uplinks: Uplink[]; declared: Set<string> } {
  const declared = new Set<string>();
  if (field === undefined) return { uplinks: [], declared };
  const map = r.map(field.value, field.at, 'uplinks');
  if (!map) return { uplinks: [], declared };
  if (map.items.length === 0) {
    r.error(map, 'intent-missing-key', 'uplinks is empty', 'declare at least one uplink, e.g. isp1: { interface: wan1, gateway: 192.0.2.1 }');
    return { uplinks: [], declared };
  }
  const names = map.items.map((p) => scalarValue(r.resolve(p.key))).filter((n): n is string => typeof n === 'string');
  const uplinks: Uplink[] = [];
  const seenTables = new Map<string | number, string>();
  const seenMarks = new Map<number, string>();
  for (const [name, f] of r.fields(map, 'uplinks', names)) {
    declared.add(name);
    const path = `uplinks.${name}`;
    if (!UPLINK_NAME.test(name)) {
      r.error(f.key, 'intent-bad-name', `uplink name '${name}' is not a plain word`, 'start with a letter; letters, digits, "-" and "_" only, at most 32 characters');
    }
    const parsed = parseUplink(r, name, f, path, options);
    if (!parsed) continue;
    const { uplink, fields } = parsed;
    if (uplink.table !== undefined) {
      const other = seenTables.get(uplink.table);
      if (other !== undefined) r.error(fields.get('table')?.at, 'intent-duplicate-table', `${path}.table ${uplink.table} is also uplink '${other}'s table`, 'each uplink needs a table of its own; leave table out and pbr picks one');
      else seenTables.set(uplink.table, name);
    }
    if (uplink.mark !== undefined) {
      const other = seenMarks.get(uplink.mark);
      if (other !== undefined) r.error(fields.get('mark')?.at, 'intent-duplicate-mark', `${path}.mark ${formatHex32(uplink.mark)} is also uplink '${other}'s mark`, 'each uplink needs a mark of its own; leave mark out and pbr picks one');
      else seenMarks.set(uplink.mark, name);
    }
    uplinks.push(uplink);
  }
  return { uplinks, declared };
}

function parseUplink(r: YamlReader, name: string, f: YamlField, path: string, options: ReadOptions): { uplink: Uplink; fields: Map<string, YamlField> } | undefined {
  const map = r.map(f.value, f.at, path);
  if (!map) return undefined;
  const before = r.errorCount;
  const x = r.fields(map, path, UPLINK_KEYS, ['interface']);
  const uplink: Mutable<Uplink> = { name, interface: '', location: r.locate(f.key) };
  const iface = x.get('interface');
  if (iface) uplink.interface = readInterfaceName(r, iface.value, iface.at, `${path}.interface`) ?? '';
  const gateway = x.get('gateway');
  if (gateway) {
    const gw = readGateway(r, gateway, `${path}.gateway`, 4);
    if (gw) uplink.gateway = gw;
  }
  const gateway6 = x.get('gateway6');
  if (gateway6) {
    const gw = readGateway(r, gateway6, `${path}.gateway6`, 6);
    if (gw) uplink.gateway6 = gw;
  }
  if (!gateway && !gateway6) {
    r.error(map, 'intent-missing-key', `${path} needs 'gateway' or 'gateway6'`, 'the next hop of the uplink\'s default route: gateway for IPv4, gateway6 for IPv6 (a link-local fe80:: address is fine)');
  }
  const table = x.get('table');
  if (table) {
    const t = readTable(r, table, `${path}.table`, options);
    if (t !== undefined) uplink.table = t;
  }
  const mark = x.get('mark');
  if (mark) {
    const m = readUplinkMark(r, mark, `${path}.mark`, options.markMask);
    if (m !== undefined) uplink.mark = m;
  }
  const weight = x.get('weight');
  if (weight) {
    const w = readInteger(r, weight.value, weight.at, `${path}.weight`, { min: 1, max: MAX_WEIGHT, code: 'intent-bad-weight', what: 'a whole number' });
    if (w !== undefined) uplink.weight = w;
  }
  return r.errorCount === before ? { uplink, fields: x } : undefined;
}

function readGateway(r: YamlReader, f: YamlField, path: string, family: Family): IpAddress | undefined {
  const text = scalarValue(f.value);
  const address = typeof text === 'string' ? parseIp(text.trim()) : undefined;
  if (!address) {
    r.error(f.at, 'intent-bad-address', `${path} must be an IPv${family} address, not ${describe(f.value)}`);
    return undefined;
  }
  if (address.family !== family) {
    const other = family === 4 ? 'gateway6' : 'gateway';
    r.error(f.at, 'intent-gateway-family', `${path} ${formatIp(address)} is an IPv${address.family} address`, `write it as ${other}: ${JSON.stringify(formatIp(address))}`);
    return undefined;
  }
  if (isUnspecified(address) || isMulticast(address) || isLimitedBroadcast(address) || isLoopback4(address) || isLoopback6(address)) {
    r.error(f.at, 'intent-bad-gateway', `${path} ${formatIp(address)} cannot be a next hop`, 'give the address of the router at the other end of the uplink');
    return undefined;
  }
  return address;
}

function readTable(r: YamlReader, f: YamlField, path: string, options: ReadOptions): string | number | undefined {
  const v = scalarValue(f.value);
  const id = toInteger(v);
  if (id !== undefined) {
    if (id === 0 || id > MAX_U32) {
      r.error(f.at, 'intent-bad-table', `${path} must be a table id from 1 to 4294967295 or a name, not ${describe(f.value)}`);
      return undefined;
    }
    if (id >= 253 && id <= 255) {
      r.error(f.at, 'intent-reserved-table', `${path} ${id} is the kernel's ${['default', 'main', 'local'][id - 253]} table`, 'pbr puts each uplink in a table of its own; leave table out and pbr picks one');
      return undefined;
    }
    const range = options.tableIds;
    if (range && (id < range.start || id > range.end)) {
      r.error(f.at, 'intent-table-out-of-range', `${path} ${id} is outside options.table_ids ${range.start}-${range.end}`, 'pbr only creates tables in its own range; pick an id inside it or widen options.table_ids');
      return undefined;
    }
    return id;
  }
  if (typeof v !== 'string' || !TABLE_NAME.test(v)) {
    r.error(f.at, 'intent-bad-table', `${path} must be a table id or a name (a word such as isp1), not ${describe(f.value)}`);
    return undefined;
  }
  if (RESERVED_TABLE_NAMES.has(v)) {
    r.error(f.at, 'intent-reserved-table', `${path} '${v}' is one of the kernel's tables`, 'pbr puts each uplink in a table of its own; leave table out and pbr picks one');
    return undefined;
  }
  return v;
}

function readUplinkMark(r: YamlReader, f: YamlField, path: string, mask: number | undefined): number | undefined {
  const mark = toInteger(scalarValue(f.value));
  if (mark === undefined || mark === 0 || mark > MAX_U32) {
    r.error(f.at, 'intent-bad-mark', `${path} must be a non-zero 32-bit mark such as 0x01000000, not ${describe(f.value)}`);
    return undefined;
  }
  if (mask !== undefined && (mark & ~mask) >>> 0 !== 0) {
    r.error(f.at, 'intent-mark-outside-mask', `${path} ${formatHex32(mark)} has bits outside options.mark_mask ${formatHex32(mask)}`,
      `pbr's marks live inside its mask so they never touch other software's bits; e.g. ${formatHex32((mask & -mask) >>> 0)}`);
    return undefined;
  }
  return mark;
}
