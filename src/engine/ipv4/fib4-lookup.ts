// fib_lookup(): the merged local/main fast path or the IPv4 rule walk (include/net/ip_fib.h, net/ipv4/fib_rules.c).
import { ipv4Netmask } from '../../addr/address.ts';
import type { Rule } from '../../model/network-state.ts';
import { LOOPBACK_IFINDEX, RT_SCOPE_LINK, RT_TABLE_DEFAULT, RT_TABLE_LOCAL, RT_TABLE_MAIN } from '../../model/network-state.ts';
import type { Errno, RuleDecision } from '../../model/route-query.ts';
import type { EngineContext } from '../context.ts';
import { ExplainSink, type ExplainText } from '../explain.ts';
import { walkRules, type RuleActionOutcome, type RuleWalkHooks, type SelectorVerdict } from '../rules.ts';
import { l3mdevMasterIfindex, v4 } from './addr4.ts';
import type { GatewayCheck } from './fib4-info.ts';
import { Fib4Table, type FibResult4 } from './fib4-table.ts';
import { fmt4, type Flow4 } from './flow4.ts';

/** Lookups made for the FIB's own bookkeeping, which nobody explains. */
const SILENT = new ExplainSink(false);

export type FibLookup4 =
  | { readonly kind: 'result'; readonly result: FibResult4 }
  | { readonly kind: 'error'; readonly errno: Errno; readonly decidedBy?: RuleDecision };

/** The default rule that stands for a table of the merged fast path: 0 local, 32766 main, 32767 default. */
function defaultRuleOf(tableId: number): RuleDecision {
  const pref = tableId === RT_TABLE_LOCAL ? 0 : tableId === RT_TABLE_DEFAULT ? 32767 : 32766;
  return { pref, table: tableId };
}

/** The IPv4 FIB of a namespace: every table, and the merged local+main trie while no rule was ever changed. */
export class Fib4 {
  private readonly tables = new Map<number, Fib4Table>();
  /** local and main as one trie (has_custom_rules == false) */
  readonly merged: boolean;
  /** rules that make input lookups dissect ports/protocol (fib_rules_require_fldissect) */
  readonly requireFlowDissect: boolean;
  /** some route carries realms (fib_num_tclassid_users > 0): source validation always does the full check */
  readonly realmsUsed: boolean;

  constructor(private readonly ctx: EngineContext) {
    const state = ctx.state;
    this.merged = state.fib.v4TablesMerged;
    const byTable = new Map<number, (typeof state.routes)[number][]>();
    for (const r of state.routes) {
      if (r.family !== 4) continue;
      const id = this.merged && r.table === RT_TABLE_LOCAL ? RT_TABLE_MAIN : r.table;
      const list = byTable.get(id);
      if (list) list.push(r);
      else byTable.set(id, [r]);
    }
    const gatewayScope = (check: GatewayCheck): number => this.gatewayScope(check);
    for (const [id, routes] of byTable) this.tables.set(id, new Fib4Table(id, ctx, routes, gatewayScope));
    this.requireFlowDissect = ctx.rules(4).some((r) => ruleRequiresFlowDissect(ctx, r));
    this.realmsUsed = state.routes.some((r) => r.family === 4 && (r.realms ?? 0) !== 0);
  }

  /** fib_get_table(); while merged, the local table is the main trie. */
  table(id: number): Fib4Table | undefined {
    return this.tables.get(this.merged && id === RT_TABLE_LOCAL ? RT_TABLE_MAIN : id);
  }

  /** Runs fib_lookup() for `flow` (which __fib_lookup may update with the L3 domain). */
  // mirrors fib_lookup(), include/net/ip_fib.h, and __fib_lookup(), net/ipv4/fib_rules.c
  lookup(flow: Flow4, ignoreLinkstate: boolean, explain: ExplainSink): FibLookup4 {
    const ctx = this.ctx;
    if (this.merged) {
      explain.add('table', 'no rule was ever added or deleted: local and main are one trie (fast path)');
      const main = this.tables.get(RT_TABLE_MAIN);
      let out = main ? explain.nest(() => main.lookup(ctx, flow, ignoreLinkstate, explain)) : undefined;
      if (out?.kind === 'result') return { kind: 'result', result: { ...out.result, decidedBy: defaultRuleOf(out.result.alias.tableId) } };
      if (out?.kind === 'error') return { kind: 'error', errno: out.errno, decidedBy: defaultRuleOf(out.alias.tableId) };
      const dflt = this.tables.get(RT_TABLE_DEFAULT);
      if (dflt) {
        explain.add('table', 'nothing in main/local, trying table default');
        out = explain.nest(() => dflt.lookup(ctx, flow, ignoreLinkstate, explain));
        if (out.kind === 'result') return { kind: 'result', result: { ...out.result, decidedBy: defaultRuleOf(RT_TABLE_DEFAULT) } };
        if (out.kind === 'error') return { kind: 'error', errno: out.errno, decidedBy: defaultRuleOf(RT_TABLE_DEFAULT) };
      }
      explain.add('table', () => `no route to ${fmt4(flow.daddr)}: ENETUNREACH`);
      return { kind: 'error', errno: 'ENETUNREACH' };
    }
    updateL3mdevFlow(ctx, flow);
    const walked = walkRules(ctx.rules(4), flow, this.hooks(flow, ignoreLinkstate, explain), ctx, explain);
    if (walked.kind === 'result') return { kind: 'result', result: { ...walked.result, decidedBy: { pref: walked.rule.priority, table: walked.result.table } } };
    if (walked.kind === 'error') {
      explain.add('rule', () => `lookup fails with ${walked.errno}`);
      const table = walked.rule.action === 'lookup' ? this.ruleTable(walked.rule, flow) : 0;
      return { kind: 'error', errno: walked.errno, decidedBy: { pref: walked.rule.priority, table } };
    }
    return { kind: 'error', errno: 'ENETUNREACH' };
  }

  /**
   * The scope of the route a gateway resolved through when its route was added (nh_scope), taking the
   * snapshot's routes as the ones that existed then; link when nothing resolves it now. The kernel never
   * re-resolves: a local or scope-host route added over the gateway later leaves nh_scope link, history a
   * snapshot does not show.
   */
  // mirrors fib_check_nh_v4_gw(), net/ipv4/fib_semantics.c
  private gatewayScope(check: GatewayCheck): number {
    const flow = (): Flow4 => ({
      daddr: check.gateway,
      saddr: 0,
      tos: 0,
      scope: Math.max(check.scope + 1, RT_SCOPE_LINK),
      iif: LOOPBACK_IFINDEX,
      oif: check.oif,
      mark: 0,
      uid: 0,
      proto: 0,
      sport: 0,
      dport: 0,
      l3mdev: 0,
      l3mdevFromOif: false,
    });
    const own = check.table !== RT_TABLE_MAIN ? this.table(check.table)?.lookup(this.ctx, flow(), true, SILENT) : undefined;
    // "on error or if no table given do full lookup": the gateway may be in the local table
    const found = own?.kind === 'result' ? own : this.lookup(flow(), true, SILENT);
    if (found.kind !== 'result' || (found.result.type !== 'unicast' && found.result.type !== 'local')) return RT_SCOPE_LINK;
    return found.result.fi.route.scope;
  }

  private hooks(flow: Flow4, ignoreLinkstate: boolean, explain: ExplainSink): RuleWalkHooks<FibResult4> {
    return {
      matchFamily: (rule) => matchFib4Rule(rule, flow),
      action: (rule) => this.ruleAction(rule, flow, ignoreLinkstate, explain),
      suppress: (rule, result) => suppressFib4Result(rule, result),
    };
  }

  /** The table a lookup rule reads: its own, or for an l3mdev rule the flow's VRF table. */
  private ruleTable(rule: Rule, flow: Flow4): number {
    return rule.l3mdev ? (this.ctx.linkByIndex(flow.l3mdev)?.vrfTable ?? 0) : rule.table;
  }

  // mirrors fib4_rule_action(), net/ipv4/fib_rules.c
  private ruleAction(rule: Rule, flow: Flow4, ignoreLinkstate: boolean, explain: ExplainSink): RuleActionOutcome<FibResult4> {
    switch (rule.action) {
      case 'unreachable':
        explain.add('rule', 'action unreachable: ENETUNREACH');
        return { kind: 'error', errno: 'ENETUNREACH' };
      case 'prohibit':
        explain.add('rule', 'action prohibit: EACCES');
        return { kind: 'error', errno: 'EACCES' };
      case 'lookup':
        break;
      default:
        explain.add('rule', () => `action ${rule.action}: EINVAL`);
        return { kind: 'error', errno: 'EINVAL' };
    }
    const id = this.ruleTable(rule, flow);
    const table = this.table(id);
    if (!table) return { kind: 'continue', why: () => `table ${this.ctx.tableName(id)} does not exist` };
    explain.add('table', () => `looking up ${fmt4(flow.daddr)} in table ${this.ctx.tableName(id)}`);
    const out = explain.nest(() => table.lookup(this.ctx, flow, ignoreLinkstate, explain));
    if (out.kind === 'error') return { kind: 'error', errno: out.errno };
    return out;
  }
}

// mirrors fib_rule_requires_fldissect(), include/net/fib_rules.h
function ruleRequiresFlowDissect(ctx: EngineContext, r: Rule): boolean {
  const iifIndex = r.iif ? (r.iif.detached ? -1 : ctx.ifindexOf(r.iif.name) || -1) : 0;
  const portSet = (p: Rule['sport']) => p !== undefined && p.start !== 0 && p.end !== 0;
  return iifIndex !== LOOPBACK_IFINDEX && ((r.ipProto ?? 0) !== 0 || portSet(r.sport) || portSet(r.dport));
}

// mirrors fib4_rule_match(), net/ipv4/fib_rules.c
export function matchFib4Rule(rule: Rule, flow: Flow4): SelectorVerdict {
  const passed: (() => string)[] = [];
  if (rule.src) {
    const src = rule.src;
    if (((flow.saddr ^ v4(src.address)) & ipv4Netmask(src.length)) !== 0) {
      return { ok: false, why: () => `source ${flow.saddr === 0 ? 'none (0.0.0.0)' : fmt4(flow.saddr)} not in ${fmt4(v4(src.address))}/${src.length}` };
    }
    if (src.length > 0) passed.push(() => `source ${fmt4(flow.saddr)} in ${fmt4(v4(src.address))}/${src.length}`);
  }
  if (rule.dst) {
    const dst = rule.dst;
    if (((flow.daddr ^ v4(dst.address)) & ipv4Netmask(dst.length)) !== 0) {
      return { ok: false, why: () => `destination ${fmt4(flow.daddr)} not in ${fmt4(v4(dst.address))}/${dst.length}` };
    }
    if (dst.length > 0) passed.push(() => `destination ${fmt4(flow.daddr)} in ${fmt4(v4(dst.address))}/${dst.length}`);
  }
  if (rule.dscp) {
    const dscp = rule.dscp;
    // `dscp` compares the full DSCP (6 bits), with an optional mask (6.15+)
    if (((dscp.value ^ (flow.tos >>> 2)) & dscp.mask) !== 0) return { ok: false, why: () => `dscp ${flow.tos >>> 2} does not match ${dscp.value}` };
    passed.push(() => `dscp ${flow.tos >>> 2} matches`);
  } else if (rule.tos !== 0) {
    // legacy `tos`: only the bits 0x1c of the packet's tos are compared
    if (rule.tos !== (flow.tos & 0x1c)) return { ok: false, why: () => `tos 0x${flow.tos.toString(16)} & 0x1c ≠ 0x${rule.tos.toString(16)}` };
    passed.push(() => `tos 0x${flow.tos.toString(16)} & 0x1c = 0x${rule.tos.toString(16)}`);
  }
  return { ok: true, why: passed.length === 0 ? '' : () => passed.map((p) => p()).join(', ') };
}

// mirrors fib4_rule_suppress(), net/ipv4/fib_rules.c
export function suppressFib4Result(rule: Rule, result: FibResult4): ExplainText | undefined {
  if (result.prefixLength <= rule.suppressPrefixlen) {
    return () => `prefix length ${result.prefixLength} ≤ suppress_prefixlength ${rule.suppressPrefixlen}`;
  }
  const dev = result.fi.nexthops[0]?.dev;
  if (rule.suppressIfgroup !== -1 && dev && dev.group === rule.suppressIfgroup) {
    return () => `device ${dev.name} is in group ${rule.suppressIfgroup} (suppress_ifgroup)`;
  }
  return undefined;
}

// mirrors l3mdev_update_flow(), net/l3mdev/l3mdev.c
function updateL3mdevFlow(ctx: EngineContext, flow: Flow4): void {
  if (flow.oif !== 0) {
    const dev = ctx.linkByIndex(flow.oif);
    if (dev) {
      if (flow.l3mdev === 0) {
        flow.l3mdev = l3mdevMasterIfindex(ctx, flow.oif);
        flow.l3mdevFromOif = true;
      }
      if (dev.l3Master) flow.oif = 0;
      return;
    }
  }
  if (flow.iif > LOOPBACK_IFINDEX && flow.l3mdev === 0) flow.l3mdev = l3mdevMasterIfindex(ctx, flow.iif);
}
