// rp-filter-drops: strict rp_filter on an interface the policy routes out of, where the reverse lookup of a packet
// arriving there takes another interface, so the kernel drops it as a martian source. One concrete source per interface.
import { formatIp } from '../../addr/address.ts';
import { makeIpv4, parseIpv4 } from '../../addr/ipv4.ts';
import type { Ipv4Address } from '../../addr/types.ts';
import { describeRoute } from '../../engine/format.ts';
import { Sysctls } from '../../engine/sysctl.ts';
import { createEngine } from '../../engine/engine.ts';
import type { LintCheck, LintFinding } from '../../model/lint.ts';
import type { NfExpr } from '../../model/netfilter.ts';
import { RT_TABLE_LOCAL, type Link, type NetworkState, type Route } from '../../model/network-state.ts';
import { explainMartian, type MartianExplanation } from '../explain-log/explain-martian.ts';
import { tableObject } from '../rule-text.ts';

const ID = 'rp-filter-drops';

/** Stands for "any Internet source" when a table's default route leaves by the interface (RFC 2544 benchmarking range). */
const ANY_INTERNET_SOURCE = parseIpv4('198.18.0.1') ?? makeIpv4(0);

interface Candidate {
  readonly src: Ipv4Address;
  /** the route that sends `src` out of the interface */
  readonly route: Route;
}

/** Sources tried per interface: enough for the default and the policy tables' routes, bounded on full routing tables. */
const MAX_CANDIDATES = 16;

/** The addresses the tables send out of `dev`, widest routes first: a representative of each route's prefix, and the gateways. */
function candidatesOf(state: NetworkState, dev: string): Candidate[] {
  const seen = new Set<number>();
  const out: Candidate[] = [];
  const add = (src: Ipv4Address, route: Route): void => {
    if (seen.has(src.value)) return;
    seen.add(src.value);
    out.push({ src, route });
  };
  const routes = state.routes
    .filter((r) => r.family === 4 && r.table !== RT_TABLE_LOCAL && r.type === 'unicast' && r.nexthops.some((nh) => nh.dev === dev))
    .sort((a, b) => a.dst.length - b.dst.length || a.order - b.order);
  for (const route of routes) {
    const { address, length } = route.dst;
    if (address.family !== 4) continue;
    add(length === 0 ? ANY_INTERNET_SOURCE : length >= 31 ? address : makeIpv4((address.value + 1) >>> 0), route);
    for (const nh of route.nexthops) if (nh.dev === dev && nh.gateway?.family === 4) add(nh.gateway, route);
  }
  return out.slice(0, MAX_CANDIDATES);
}

function readsCtMark(expr: NfExpr): boolean {
  if (expr.kind === 'ct') return expr.key === 'mark';
  if (expr.kind === 'binop') return readsCtMark(expr.left) || readsCtMark(expr.right);
  return false;
}

/** Some netfilter rule copies the conntrack mark into the packet mark (`meta mark set ct mark`, CONNMARK --restore-mark). */
function restoresMark(state: NetworkState): boolean {
  return (state.netfilter?.tables ?? []).some((t) =>
    t.chains.some((c) => c.rules.some((r) => r.statements.some((st) => st.kind === 'set' && st.target.kind === 'meta' && st.target.key === 'mark' && readsCtMark(st.value)))),
  );
}

/** With src_valid_mark and a restored mark, the reverse lookup sees the mark of a fwmark rule: a packet carrying one of them passes. */
function passesWithRestoredMark(state: NetworkState, dev: string, src: Ipv4Address, dst: Ipv4Address): boolean {
  if (!Sysctls.of(state).srcValidMark(dev) || !restoresMark(state)) return false;
  const engine = createEngine(state);
  return state.rules4.some((r) => r.fwmark !== 0 && engine.routeGet({ family: 4, dst, from: src, iif: dev, mark: r.fwmark }).ok);
}

function localAddressOf(state: NetworkState, dev: string): Ipv4Address | undefined {
  const a = state.addresses.find((x) => x.dev === dev && x.family === 4 && !x.secondary);
  return a?.local.family === 4 ? a.local : undefined;
}

function findingOf(state: NetworkState, link: Link, candidate: Candidate, dst: Ipv4Address, why: MartianExplanation): LintFinding {
  const path = why.reversePath;
  const src = formatIp(candidate.src);
  const back = path && !('errno' in path.route) ? path.route.text : 'no route';
  const reverseRule = path?.rule ? `rule ${path.rule.pref} → table ${path.rule.tableName}` : 'no rule';
  const sendingTable = tableObject(state, candidate.route.table);
  const fixes = why.fixes.map((f) => `${f.label}: \`${f.commands.join('` and `')}\``);
  return {
    id: ID,
    severity: 'warning',
    message:
      `strict rp_filter on ${link.name} drops packets from ${src} arriving there (e.g. to ${formatIp(dst)}) as martian source: ` +
      `${sendingTable} sends ${src} out ${link.name} (${describeRoute(candidate.route)}), but the reverse lookup (iif ${path?.reverseIif ?? 'lo'}) ` +
      `takes ${reverseRule}: ${back}`,
    hint: fixes.length > 0 ? `one of: ${fixes.join('; or ')}` : `route ${src} back via ${link.name} in the table the reverse lookup uses, or set rp_filter=2 on ${link.name}`,
    objects: [`dev ${link.name}`, ...(path?.rule ? [`rule ${path.rule.pref}`, `table ${path.rule.tableName}`] : []), sendingTable].filter((o, i, all) => all.indexOf(o) === i),
  };
}

export const check: LintCheck = {
  id: ID,
  severity: 'warning',
  title: 'strict rp_filter drops packets the policy routes out of the same interface',
  run({ state }) {
    const sysctls = Sysctls.of(state);
    const findings: LintFinding[] = [];
    for (const link of state.links) {
      if (link.loopback || sysctls.rpFilter(link.name) !== 1) continue;
      const dst = localAddressOf(state, link.name);
      if (!dst) continue;
      for (const candidate of candidatesOf(state, link.name)) {
        const why = explainMartian(state, { kind: 'source', src: candidate.src, dst, dev: link.name });
        if (why.verdict !== 'fixable' || why.check !== 'rp_filter strict' || passesWithRestoredMark(state, link.name, candidate.src, dst)) continue;
        findings.push(findingOf(state, link, candidate, dst, why));
        break;
      }
    }
    return findings;
  },
};
