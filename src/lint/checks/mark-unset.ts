// mark-unset: an ip rule matches a fwmark that no netfilter rule sets, so it never takes a packet.
import type { LintCheck, LintFinding } from '../../model/lint.ts';
import { canProduce, collectMarkUses, hex, possibleMarkBits, ruleMarkSelector } from '../mark-bits.ts';
import { describeRule, ruleObject } from '../rule-text.ts';

const ID = 'mark-unset';

const SO_MARK = 'a program that marks its own packets with SO_MARK (wg-quick, Tailscale, a VPN client) is invisible to pbr; if so, this rule is fine';

export const check: LintCheck = {
  id: ID,
  severity: 'warning',
  title: 'an ip rule matches a fwmark that no netfilter rule sets',
  run({ state }) {
    const rules = [...state.rules4, ...state.rules6].filter((r) => !r.invert && (ruleMarkSelector(r)?.value ?? 0n) !== 0n);
    const findings: LintFinding[] = [];
    if (state.netfilter === undefined) {
      for (const rule of rules) {
        const sel = ruleMarkSelector(rule);
        if (!sel) continue;
        findings.push({
          id: ID,
          severity: 'info',
          message: `${describeRule(state, rule)} matches fwmark ${hex(sel.value)}/${hex(sel.mask)}, but the snapshot holds no netfilter rule set (nft or iptables), so whether anything sets that mark is unknown`,
          hint: `take the snapshot where \`nft\` or \`iptables-save\` can run (as root) so lint can see the rules that set marks; ${SO_MARK}`,
          objects: [ruleObject(rule)],
        });
      }
      return findings;
    }
    const { writes } = collectMarkUses(state.netfilter);
    const possible = possibleMarkBits(writes);
    const metaWrites = writes.filter((w) => w.target === 'meta');
    for (const rule of rules) {
      const sel = ruleMarkSelector(rule);
      if (!sel || metaWrites.some((w) => canProduce(w, sel.value, sel.mask, possible))) continue;
      const keep = hex(0xffffffffn & ~sel.mask);
      const set = sel.mask === 0xffffffffn ? `meta mark set ${hex(sel.value)}` : `meta mark set meta mark & ${keep} | ${hex(sel.value)}`;
      const seen = possible.get('meta') ?? 0n;
      findings.push({
        id: ID,
        severity: 'warning',
        message: `${describeRule(state, rule)} matches fwmark ${hex(sel.value)}/${hex(sel.mask)}, but no netfilter rule sets the mark to such a value` +
          ` (${seen === 0n ? 'no rule sets a meta mark at all' : `the meta mark bits rules may set: ${hex(seen)}`}), so the rule never takes a packet`,
        hint: `set the mark where the route is chosen: \`${set}\` in a \`type filter hook prerouting\` chain for forwarded and inbound packets, or a \`type route hook output\` chain for this host's own; ` +
          `or correct the rule's fwmark/mask to the value the netfilter rules set. ${SO_MARK[0]?.toUpperCase()}${SO_MARK.slice(1)}`,
        objects: [ruleObject(rule)],
      });
    }
    return findings;
  },
};
