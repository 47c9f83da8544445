// mark-unused: a netfilter rule sets mark bits that no ip rule and no netfilter rule reads.
import type { LintCheck, LintFinding } from '../../model/lint.ts';
import { collectMarkUses, describePlace, hex, possibleMarkBits, ruleReadBits, setBitsOf, type MarkKey } from '../mark-bits.ts';

const ID = 'mark-unused';

export const check: LintCheck = {
  id: ID,
  severity: 'warning',
  title: 'a mark is set that no ip rule or netfilter rule reads',
  run({ state }) {
    if (state.netfilter === undefined) return [];
    const { writes, reads } = collectMarkUses(state.netfilter);
    const possible = possibleMarkBits(writes);
    const fromRules = ruleReadBits(state);
    const findings: LintFinding[] = [];
    for (const w of writes) {
      if (!w.exact || w.value === 'any') continue;
      // a rule's own guard (`meta mark 0 meta mark set 0x1`) is not a reader of what it sets
      const readers = reads.filter((r) => r.from === w.target && r.place.rule !== w.place.rule);
      const read = readers.reduce((acc, r) => acc | r.bits, w.target === 'meta' ? fromRules : 0n);
      const unread = setBitsOf(w.value, possible) & ~read;
      if (unread === 0n) continue;
      const where = describePlace(w.place);
      findings.push({
        id: ID,
        severity: 'warning',
        message: `${where} ("${w.place.rule.text}") sets ${label(w.target)} bits ${hex(unread)} that no ip rule${w.target === 'meta' ? ' (fwmark)' : ''} and no netfilter rule reads` +
          (w.target === 'ct' ? ' (nothing restores or matches them)' : ''),
        hint: w.target === 'meta'
          ? `add the ip rule that should use the mark (\`ip rule add fwmark ${hex(unread)}/${hex(unread)} lookup <table>\`), make the value agree with the fwmark/mask of the rule meant to read it, or remove the statement; marks read only by tc or other programs are invisible to pbr`
          : `restore it for the packets that need it (\`meta mark set ct mark\` in prerouting and in a \`type route hook output\` chain, or \`-j CONNMARK --restore-mark\`), match it (\`ct mark ${hex(unread)}\`), or remove the statement`,
        objects: [where],
      });
    }
    return findings;
  },
};

function label(key: MarkKey): string {
  return key === 'meta' ? 'meta mark' : 'ct mark';
}
