// A rule in the words `ip rule show` prints after "PREF:\t": `pbr rule show` prints them as text or JSON,
// the engine's explanations as text, so both say exactly what ip says.
import { formatIp } from '../addr/address.ts';
import type { IpPrefix } from '../addr/types.ts';
import { dsfieldName, groupName, ipprotoName, protocolId, protocolName } from './iproute2-names.ts';
import type { PortRange, Rule, RuleInterface } from './network-state.ts';
import { tableName, type RtTables } from './rt-tables.ts';

/** One printed piece: its text, and the JSON member it stands for (PRINT_ANY) unless it is text only (PRINT_FP). */
export interface RuleWord {
  readonly text: string;
  readonly json?: { readonly key: string; readonly value: string | number | null };
  /** the text is an address or a device name, which ip colours on a terminal */
  readonly color?: 'inet' | 'inet6' | 'ifname';
}

export interface RuleWordsContext {
  readonly tables: RtTables;
  /** `-d`: the rule protocol is printed even when it is kernel or unspec */
  readonly details: boolean;
  /** whether a rule of the same family has this pref: a goto to any other pref is "[unresolved]" */
  readonly hasPref: (pref: number) => boolean;
}

/** `%#llx` of C: "0" for zero, else "0x…". */
function hashHex(n: number): string {
  return n === 0 ? '0' : `0x${(n >>> 0).toString(16)}`;
}

function any(text: string, key: string, value: string | number | null): RuleWord {
  return { text, json: { key, value } };
}

function selectorPrefix(out: RuleWord[], word: 'from' | 'to', key: 'src' | 'dst', prefix: IpPrefix | undefined): void {
  // the kernel sends FRA_SRC/FRA_DST only for a non-zero prefix length
  if (!prefix || prefix.length === 0) {
    if (word === 'from') out.push(any('from all', 'src', 'all'));
    return;
  }
  const addr = formatIp(prefix.address);
  const v4 = prefix.address.family === 4;
  out.push({ text: word === 'from' ? 'from ' : ' to ' }, { text: addr, json: { key, value: addr }, color: v4 ? 'inet' : 'inet6' });
  if (prefix.length !== (v4 ? 32 : 128)) out.push(any(`/${prefix.length}`, `${key}len`, prefix.length));
}

function portRange(out: RuleWord[], word: 'sport' | 'dport', range: PortRange): void {
  if (range.start === range.end) out.push(any(` ${word} ${range.start}`, word, range.start));
  else out.push(any(` ${word} ${range.start}`, `${word}_start`, range.start), any(`-${range.end}`, `${word}_end`, range.end));
}

function ifSelector(out: RuleWord[], word: 'iif' | 'oif', dev: RuleInterface): void {
  out.push({ text: ` ${word} ` }, { text: dev.name, json: { key: word, value: dev.name }, color: 'ifname' });
  if (dev.detached) out.push(any(' [detached]', `${word}_detached`, null));
}

/** The rule's selectors, action and protocol, as print_rule() prints them after the pref. */
// mirrors print_rule(), ip/iprule.c (iproute2 6.1)
export function ruleWords(r: Rule, ctx: RuleWordsContext): RuleWord[] {
  const out: RuleWord[] = [];
  if (r.invert) out.push(any('not ', 'not', null));
  selectorPrefix(out, 'from', 'src', r.src);
  selectorPrefix(out, 'to', 'dst', r.dst);
  if (r.tos) out.push(any(` tos ${dsfieldName(r.tos)}`, 'tos', dsfieldName(r.tos)));
  if (r.fwmark || r.fwmask) {
    out.push(any(` fwmark ${hashHex(r.fwmark)}`, 'fwmark', hashHex(r.fwmark)));
    if (r.fwmask >>> 0 !== 0xffffffff) out.push(any(`/${hashHex(r.fwmask)}`, 'fwmask', hashHex(r.fwmask)));
  }
  if (r.iif) ifSelector(out, 'iif', r.iif);
  if (r.oif) ifSelector(out, 'oif', r.oif);
  if (r.l3mdev) out.push(any(' lookup [l3mdev-table]', 'l3mdev', null));
  if (r.uidRange) out.push(any(` uidrange ${r.uidRange.start}`, 'uid_start', r.uidRange.start), any(`-${r.uidRange.end}`, 'uid_end', r.uidRange.end));
  if (r.ipProto) out.push(any(` ipproto ${ipprotoName(r.ipProto)}`, 'ipproto', ipprotoName(r.ipProto)));
  if (r.sport) portRange(out, 'sport', r.sport);
  if (r.dport) portRange(out, 'dport', r.dport);
  if (r.tunId) out.push(any(` tun_id ${r.tunId}`, 'tun_id', Number(r.tunId)));
  if (r.table) {
    const name = tableName(ctx.tables, r.table);
    out.push(any(` lookup ${name}`, 'table', name));
    if (r.suppressPrefixlen !== -1) out.push(any(` suppress_prefixlength ${r.suppressPrefixlen}`, 'suppress_prefixlen', r.suppressPrefixlen));
    if (r.suppressIfgroup !== -1) out.push(any(` suppress_ifgroup ${groupName(r.suppressIfgroup)}`, 'suppress_ifgroup', groupName(r.suppressIfgroup)));
  }
  if (r.action === 'goto') {
    out.push(r.gotoTarget !== undefined ? any(` goto ${r.gotoTarget}`, 'goto', r.gotoTarget) : any(' goto none', 'goto', 'none'));
    // the kernel flags FIB_RULE_UNRESOLVED while no rule has the target pref
    if (r.gotoTarget === undefined || !ctx.hasPref(r.gotoTarget)) out.push(any(' [unresolved]', 'unresolved', null));
  } else if (r.action === 'nop') {
    out.push(any(' nop', 'nop', null));
  } else if (r.action !== 'lookup') {
    out.push(any(` ${r.action}`, 'action', r.action));
  }
  if (r.protocol !== undefined) {
    const id = protocolId(r.protocol);
    if ((id !== 0 && id !== 2) || ctx.details) out.push(any(` proto ${protocolName(r.protocol)}`, 'protocol', protocolName(r.protocol)));
  }
  return out;
}

/** A rule as one line of `ip rule show` (without -d), the tab after the pref written as a space. */
export function formatRule(r: Rule, ctx: Omit<RuleWordsContext, 'details'>): string {
  return `${r.priority}: ${ruleWords(r, { ...ctx, details: false }).map((w) => w.text).join('')}`;
}
