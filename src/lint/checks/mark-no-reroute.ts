// mark-no-reroute: a mark meant for routing is set where the route is already chosen and nothing looks it up again.
import type { LintCheck, LintFinding } from '../../model/lint.ts';
import type { NfBaseChain, NfChain, NfTable } from '../../model/netfilter.ts';
import {
  canProduce, collectMarkUses, describeBase, describePlace, possibleMarkBits, reachingBaseChains, readBitsOf, ruleMarkSelector, type MarkPlace, type MarkWrite,
} from '../mark-bits.ts';
import { describeRule } from '../rule-text.ts';

const ID = 'mark-no-reroute';

/** why a mark set on this base chain cannot change the packet's route; undefined where it can */
// mirrors nf_route_table_hook() (nft route chains) and ipt_mangle_out(): only these reroute after OUTPUT
function whyNoReroute(base: NfBaseChain): string | undefined {
  switch (base.hook) {
    case 'output': return base.type === 'filter' ? 'only a `type route` output chain (iptables: the mangle table) makes the kernel look the route up again when the mark changes' : undefined;
    case 'forward': return 'forwarded packets were routed before the forward hook';
    case 'input': return 'the packet was already routed to this host before the input hook';
    case 'postrouting':
    case 'egress': return 'the packet was already routed and is leaving';
    default: return undefined;
  }
}

/** `ct mark set … meta mark …` at or after the write in its chain: the mark is kept for the connection's later packets */
function savedToConntrack(w: MarkWrite, table: NfTable, chain: NfChain): boolean {
  const from = chain.rules.indexOf(w.place.rule);
  return chain.rules.slice(from).some((rule) =>
    rule.statements.some((st) => st.kind === 'set' && st.target.kind === 'ct' && st.target.key === 'mark' && (readBitsOf(st.value, table).get('meta') ?? 0n) !== 0n));
}

function fixFor(base: NfBaseChain, place: MarkPlace): string {
  const local = base.hook === 'output' || base.hook === 'postrouting' || base.hook === 'egress';
  if (place.table.origin !== 'nft') {
    return local
      ? `move the rule to the mangle table's OUTPUT chain (\`${place.table.origin} -t mangle -A OUTPUT …\`), which reroutes when the mark changes`
      : `move the rule to the mangle table's PREROUTING chain (\`${place.table.origin} -t mangle -A PREROUTING …\`), before the routing decision`;
  }
  return local
    ? 'set it in a `type route hook output` chain (e.g. `chain out { type route hook output priority mangle; … }`), which reroutes when the mark changes'
    : 'set it in a `hook prerouting` chain (e.g. `chain pre { type filter hook prerouting priority mangle; … }`), before the routing decision';
}

export const check: LintCheck = {
  id: ID,
  severity: 'warning',
  title: 'a mark for routing is set where it cannot change the route',
  run({ state }) {
    if (state.netfilter === undefined) return [];
    const markRules = [...state.rules4, ...state.rules6].filter((r) => !r.invert && (ruleMarkSelector(r)?.value ?? 0n) !== 0n);
    if (markRules.length === 0) return [];
    const { writes } = collectMarkUses(state.netfilter);
    const possible = possibleMarkBits(writes);
    const findings: LintFinding[] = [];
    const reaching = new Map<NfTable, Map<string, NfChain[]>>();
    for (const w of writes) {
      if (!w.exact || w.target !== 'meta') continue;
      // the ip rules that would take a packet carrying this mark
      const readers = markRules.filter((r) => {
        const sel = ruleMarkSelector(r);
        return sel !== undefined && canProduce(w, sel.value, sel.mask, possible);
      });
      if (readers.length === 0) continue;
      const { table, chain } = w.place;
      let byChain = reaching.get(table);
      if (!byChain) reaching.set(table, (byChain = reachingBaseChains(table)));
      if (savedToConntrack(w, table, chain)) continue;
      for (const base of byChain.get(chain.name) ?? []) {
        const why = base.base ? whyNoReroute(base.base) : undefined;
        if (!base.base || why === undefined) continue;
        const where = describePlace(w.place);
        const via = base === chain ? '' : ` (reached from base chain ${base.name})`;
        findings.push({
          id: ID,
          severity: 'warning',
          message: `${where} ("${w.place.rule.text}") sets a meta mark that ${readers.map((r) => describeRule(state, r)).join(', ')} route${readers.length === 1 ? 's' : ''} by, ` +
            `in a ${describeBase(base.base)} chain${via}: ${why}, so the mark cannot change the route`,
          hint: `${fixFor(base.base, w.place)}; if the mark is meant for the connection's replies, save it with \`ct mark set meta mark\` and restore it where they are routed`,
          objects: [where, `chain ${base.name}`],
        });
      }
    }
    return findings;
  },
};
