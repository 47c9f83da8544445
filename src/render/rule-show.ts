// `ip rule show` for a NetworkState: text or JSON, byte for byte as iproute2 6.1 prints it.
import { formatIp } from '../addr/address.ts';
import type { Family, IpPrefix } from '../addr/types.ts';
import type { NetworkState, Rule } from '../model/network-state.ts';
import { tableName, type RtTables } from '../model/rt-tables.ts';
import { printDocument, PLAIN_PALETTE, type IpPrinter, type Palette } from './ip-printer.ts';
import { dsfieldName, groupName, ipprotoName, protocolId, protocolName } from './iproute2-names.ts';

export interface RuleShowOptions {
  /** `-4` / `-6` (default: IPv4, as `ip rule show`) */
  readonly family?: Family;
  readonly json: boolean;
  /** `-d` */
  readonly details?: boolean;
  readonly palette?: Palette;
}

interface RuleContext {
  readonly tables: RtTables;
  readonly details: boolean;
  /** prefs that exist in this family: a goto to any other pref is unresolved */
  readonly prefs: ReadonlySet<number>;
}

/** `%#llx` of C: "0" for zero, else "0x…". */
function hashHex(n: number): string {
  return n === 0 ? '0' : `0x${(n >>> 0).toString(16)}`;
}

function printSelectorPrefix(p: IpPrinter, word: 'from' | 'to', key: 'src' | 'dst', prefix: IpPrefix | undefined): void {
  const lead = word === 'from' ? 'from ' : ' to ';
  // the kernel sends FRA_SRC/FRA_DST only for a non-zero prefix length
  if (!prefix || prefix.length === 0) {
    if (word === 'from') p.any('src', 'from all', 'all');
    return;
  }
  const addr = formatIp(prefix.address);
  const hostLen = prefix.address.family === 4 ? 32 : 128;
  const color = prefix.address.family === 4 ? p.palette.inet : p.palette.inet6;
  p.text(lead);
  p.field(key, addr);
  p.text(color(addr));
  if (prefix.length !== hostLen) p.any(`${key}len`, `/${prefix.length}`, prefix.length);
}

function printPortRange(p: IpPrinter, word: 'sport' | 'dport', range: { start: number; end: number }): void {
  if (range.start === range.end) {
    p.any(word, ` ${word} ${range.start}`, range.start);
    return;
  }
  p.any(`${word}_start`, ` ${word} ${range.start}`, range.start);
  p.any(`${word}_end`, `-${range.end}`, range.end);
}

function printIfSelector(p: IpPrinter, word: 'iif' | 'oif', dev: { name: string; detached: boolean }): void {
  p.text(` ${word} `);
  p.field(word, dev.name);
  p.text(p.palette.ifname(dev.name));
  if (dev.detached) p.any(`${word}_detached`, ' [detached]', null);
}

// mirrors print_rule(), ip/iprule.c (iproute2 6.1)
function printRule(p: IpPrinter, r: Rule, ctx: RuleContext): void {
  p.openObject();
  p.any('priority', `${r.priority}:\t`, r.priority);
  if (r.invert) p.any('not', 'not ', null);
  printSelectorPrefix(p, 'from', 'src', r.src);
  printSelectorPrefix(p, 'to', 'dst', r.dst);
  if (r.tos) {
    const tos = dsfieldName(r.tos);
    p.any('tos', ` tos ${tos}`, tos);
  }
  if (r.fwmark || r.fwmask) {
    p.any('fwmark', ` fwmark ${hashHex(r.fwmark)}`, hashHex(r.fwmark));
    if (r.fwmask >>> 0 !== 0xffffffff) p.any('fwmask', `/${hashHex(r.fwmask)}`, hashHex(r.fwmask));
  }
  if (r.iif) printIfSelector(p, 'iif', r.iif);
  if (r.oif) printIfSelector(p, 'oif', r.oif);
  if (r.l3mdev) p.any('l3mdev', ' lookup [l3mdev-table]', null);
  if (r.uidRange) {
    p.any('uid_start', ` uidrange ${r.uidRange.start}`, r.uidRange.start);
    p.any('uid_end', `-${r.uidRange.end}`, r.uidRange.end);
  }
  if (r.ipProto) {
    const proto = ipprotoName(r.ipProto);
    p.any('ipproto', ` ipproto ${proto}`, proto);
  }
  if (r.sport) printPortRange(p, 'sport', r.sport);
  if (r.dport) printPortRange(p, 'dport', r.dport);
  if (r.tunId) p.any('tun_id', ` tun_id ${r.tunId}`, Number(r.tunId));
  if (r.table) {
    const name = tableName(ctx.tables, r.table);
    p.any('table', ` lookup ${name}`, name);
    if (r.suppressPrefixlen !== -1) {
      p.any('suppress_prefixlen', ` suppress_prefixlength ${r.suppressPrefixlen}`, r.suppressPrefixlen);
    }
    if (r.suppressIfgroup !== -1) {
      const group = groupName(r.suppressIfgroup);
      p.any('suppress_ifgroup', ` suppress_ifgroup ${group}`, group);
    }
  }
  if (r.action === 'goto') {
    if (r.gotoTarget !== undefined) p.any('goto', ` goto ${r.gotoTarget}`, r.gotoTarget);
    else p.any('goto', ' goto none', 'none');
    // the kernel flags FIB_RULE_UNRESOLVED while no rule has the target pref
    if (r.gotoTarget === undefined || !ctx.prefs.has(r.gotoTarget)) p.any('unresolved', ' [unresolved]', null);
  } else if (r.action === 'nop') {
    p.any('nop', ' nop', null);
  } else if (r.action !== 'lookup') {
    p.any('action', ` ${r.action}`, r.action);
  }
  if (r.protocol !== undefined) {
    const id = protocolId(r.protocol);
    if ((id !== 0 && id !== 2) || ctx.details) {
      const proto = protocolName(r.protocol);
      p.any('protocol', ` proto ${proto}`, proto);
    }
  }
  p.text('\n');
  p.closeObject();
}

export function renderRuleShow(state: NetworkState, opts: RuleShowOptions): string {
  const family = opts.family ?? 4;
  const rules = [...(family === 4 ? state.rules4 : state.rules6)].sort((a, b) => a.priority - b.priority || a.order - b.order);
  const ctx: RuleContext = {
    tables: state.rtTables,
    details: opts.details ?? false,
    prefs: new Set(rules.map((r) => r.priority)),
  };
  return printDocument(opts.json, opts.palette ?? PLAIN_PALETTE, (p) => {
    for (const rule of rules) printRule(p, rule, ctx);
  });
}
