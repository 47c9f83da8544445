// One rule's fields as `ip [-d] -j rule show` names them → a Rule. The text parser produces the same fields.
import type { Family, IpPrefix } from '../addr/types.ts';
import type { PortRange, Rule, RuleAction, RuleInterface } from '../model/network-state.ts';
import { RT_TABLE_UNSPEC } from '../model/network-state.ts';
import type { RtTables } from '../model/rt-tables.ts';
import { makeIpv4, makeIpv6, parseIp } from '../addr/ip.ts';
import type { FieldReader } from './json-fields.ts';
import type { Mutable } from './mutable.ts';
import { parseDeviceGroup, parseDscp, parseDsfield, parseIpProto } from './iproute2-names.ts';
import { resolveTableName } from './table-names.ts';

/** The context of the rule at position `order` of a dump. */
export function ruleContext(options: { readonly family: Family; readonly rtTables?: RtTables }, order: number): RuleContext {
  const ctx: Mutable<RuleContext> = { family: options.family, order };
  if (options.rtTables) ctx.rtTables = options.rtTables;
  return ctx;
}

export interface RuleContext {
  readonly family: Family;
  readonly rtTables?: RtTables;
  readonly order: number;
}

const ACTIONS: ReadonlyMap<string, RuleAction> = new Map<string, RuleAction>([
  ['blackhole', 'blackhole'],
  ['unreachable', 'unreachable'],
  ['prohibit', 'prohibit'],
  // `ip -N` prints the FR_ACT_* number
  ['6', 'blackhole'],
  ['7', 'unreachable'],
  ['8', 'prohibit'],
]);

const MAX_U32 = 0xffffffff;

/** undefined (with an error diagnostic) when the rule cannot be represented. */
// mirrors print_rule(), ip/iprule.c (iproute2 6.1, plus the dscp/flowlabel/port-mask keys of 6.12–6.18)
export function buildRule(f: FieldReader, ctx: RuleContext): Rule | undefined {
  const { sink, where } = f;
  const priority = f.uint('priority');
  if (priority === undefined) {
    if (!f.has('priority')) sink.error('rule-missing-priority', 'rule: no "priority"', where);
    return undefined;
  }
  const what = `rule ${priority}`;
  const errorsBefore = sink.errorCount;
  const fail = (code: string, message: string, hint?: string): undefined => {
    sink.error(code, `${what}: ${message}`, where, hint);
    return undefined;
  };

  const src = rulePrefix(f, 'src', 'srclen', ctx.family, fail);
  const dst = rulePrefix(f, 'dst', 'dstlen', ctx.family, fail);

  const tosText = f.string('tos');
  const tos = tosText === undefined ? 0 : (parseDsfield(tosText) ?? fail('rule-bad-tos', `bad tos "${tosText}"`));

  // FRA_FWMARK is only dumped when non-zero and FRA_FWMASK only when the mask is not 0xffffffff, so a
  // printed fwmark without fwmask has the full mask, and "fwmark 0x0" is `fwmark 0/0xffffffff`.
  const fwmark = f.has('fwmark') ? f.numericString('fwmark') : 0;
  const fwmask = f.has('fwmask') ? f.numericString('fwmask') : f.has('fwmark') ? MAX_U32 : 0;

  const iif = ruleInterface(f, 'iif');
  const oif = ruleInterface(f, 'oif');

  const uidStart = f.uint('uid_start');
  const uidEnd = f.uint('uid_end');
  if ((uidStart === undefined) !== (uidEnd === undefined)) fail('rule-bad-uidrange', 'uid_start and uid_end come together');

  const ipProtoText = f.string('ipproto');
  const ipProto = ipProtoText === undefined
    ? undefined
    : (parseIpProto(ipProtoText) ?? fail('rule-bad-ipproto', `unknown IP protocol "${ipProtoText}"`, 'use a number, e.g. "ipproto 47"'));

  const sport = rulePorts(f, 'sport', fail);
  const dport = rulePorts(f, 'dport', fail);

  const tunId = ruleTunId(f, fail);

  const dscpText = f.string('dscp');
  const dscpValue = dscpText === undefined ? undefined : (parseDscp(dscpText) ?? fail('rule-bad-dscp', `bad dscp "${dscpText}"`));
  const dscpMask = f.has('dscp_mask') ? f.numericString('dscp_mask') : 0x3f;

  const flowlabel = f.has('flowlabel') ? f.numericString('flowlabel') : undefined;
  const flowlabelMask = f.has('flowlabel_mask') ? f.numericString('flowlabel_mask') : 0xfffff;

  const tableText = f.string('table');
  const table = tableText === undefined ? RT_TABLE_UNSPEC : resolveTableName(tableText, ctx.rtTables, sink, where, what);

  const suppressPrefixlen = f.has('suppress_prefixlen') ? f.int('suppress_prefixlen') : -1;
  const groupText = f.string('suppress_ifgroup');
  const suppressIfgroup = groupText === undefined
    ? -1
    : (parseDeviceGroup(groupText) ?? fail('rule-bad-ifgroup', `unknown device group "${groupText}"`, 'device group names other than "default" come from /etc/iproute2/group, which a snapshot does not record; use numbers'));

  const action = ruleAction(f, fail);
  let gotoTarget: number | undefined;
  if (action === 'goto') {
    const target = f.object['goto'];
    if (typeof target === 'number' && Number.isInteger(target) && target >= 0) gotoTarget = target;
    else if (target !== 'none') fail('rule-bad-goto', `bad goto target ${JSON.stringify(target)}`);
  }
  if (action === 'lookup' && tableText === undefined && !f.flag('l3mdev')) {
    fail('rule-missing-table', 'a lookup rule without a table', 'iproute2 prints "lookup TABLE" for every lookup rule');
  }

  const protocol = f.string('protocol');
  if (sink.errorCount > errorsBefore || action === undefined || suppressPrefixlen === undefined ||
      fwmark === undefined || fwmask === undefined || table === undefined) {
    return undefined;
  }
  const rule: Mutable<Rule> = {
    family: ctx.family,
    priority,
    action,
    table,
    invert: f.flag('not'),
    tos: tos ?? 0,
    fwmark,
    fwmask,
    l3mdev: f.flag('l3mdev'),
    suppressPrefixlen,
    suppressIfgroup: suppressIfgroup ?? -1,
    order: ctx.order,
  };
  if (gotoTarget !== undefined) rule.gotoTarget = gotoTarget;
  if (src !== undefined) rule.src = src;
  if (dst !== undefined) rule.dst = dst;
  if (dscpValue !== undefined && dscpMask !== undefined) rule.dscp = { value: dscpValue, mask: dscpMask };
  if (iif !== undefined) rule.iif = iif;
  if (oif !== undefined) rule.oif = oif;
  if (uidStart !== undefined && uidEnd !== undefined) rule.uidRange = { start: uidStart, end: uidEnd };
  if (ipProto !== undefined) rule.ipProto = ipProto;
  if (sport !== undefined) rule.sport = sport;
  if (dport !== undefined) rule.dport = dport;
  if (tunId !== undefined) rule.tunId = tunId;
  if (flowlabel !== undefined && flowlabelMask !== undefined) rule.flowlabel = { value: flowlabel, mask: flowlabelMask };
  if (protocol !== undefined) rule.protocol = protocol;
  return rule;
}

type Fail = (code: string, message: string, hint?: string) => undefined;

/**
 * "src": "all" | address, with "srclen" unless it is a host prefix. Host bits are kept as the kernel
 * keeps them (`ip rule` shows `from 10.0.0.1/8`); matching ignores them (kernelHostBitsPolicy).
 */
function rulePrefix(f: FieldReader, key: string, lenKey: string, family: Family, fail: Fail): IpPrefix | undefined {
  const text = f.string(key);
  if (text === undefined || text === 'all') return undefined;
  const bits = family === 4 ? 32 : 128;
  const length = f.has(lenKey) ? f.uint(lenKey) : bits;
  if (length === undefined) return undefined;
  if (length > bits) return fail('rule-bad-prefix', `${key} length ${length} is longer than ${bits}`);
  // print_rule() prints "0" when the kernel sent a length without an address
  const address = text === '0' ? (family === 4 ? makeIpv4(0) : makeIpv6(0n)) : parseIp(text, 'strict', family);
  if (address === undefined) return fail('rule-bad-address', `${key} "${text}" is not an IPv${family} address`);
  return { address, length };
}

function ruleInterface(f: FieldReader, key: 'iif' | 'oif'): RuleInterface | undefined {
  const name = f.string(key);
  if (name === undefined) return undefined;
  return { name, detached: f.flag(`${key}_detached`) };
}

/** "sport": N (with "sport_mask" in 6.15+) or "sport_start"/"sport_end". */
function rulePorts(f: FieldReader, key: 'sport' | 'dport', fail: Fail): (PortRange & { readonly mask?: number }) | undefined {
  const single = f.uint(key);
  const start = f.uint(`${key}_start`);
  const end = f.uint(`${key}_end`);
  const mask = f.has(`${key}_mask`) ? f.numericString(`${key}_mask`) : undefined;
  if (single !== undefined) {
    return { start: single, end: single, ...(mask === undefined ? {} : { mask }) };
  }
  if (start !== undefined && end !== undefined) return { start, end };
  if (start !== undefined || end !== undefined) return fail('rule-bad-ports', `${key}_start and ${key}_end come together`);
  return undefined;
}

function ruleAction(f: FieldReader, fail: Fail): RuleAction | undefined {
  if (f.has('goto')) return 'goto';
  if (f.flag('nop')) return 'nop';
  if (f.has('nat_gateway') || f.flag('masquerade')) {
    return fail('rule-nat', 'the nat action was removed from the kernel in 2.6; this rule is not supported');
  }
  const text = f.string('action');
  if (text === undefined) return 'lookup';
  return ACTIONS.get(text) ?? fail('rule-unknown-action', `unknown action "${text}"`);
}

/** tun_id is a u64: a JSON number, or the exact digits the text parser keeps as a string. */
function ruleTunId(f: FieldReader, fail: Fail): bigint | undefined {
  if (!f.has('tun_id')) return undefined;
  const raw = f.object['tun_id'];
  if (typeof raw === 'number' && Number.isInteger(raw) && raw >= 0) return BigInt(raw);
  if (typeof raw === 'string' && /^\d+$/.test(raw)) return BigInt(raw);
  return fail('rule-bad-tun-id', `bad tun_id ${JSON.stringify(raw)}`);
}
