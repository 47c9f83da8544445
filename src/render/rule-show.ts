// `ip rule show` for a NetworkState: text or JSON, byte for byte as iproute2 6.1 prints it.
import type { Family } from '../addr/types.ts';
import type { NetworkState, Rule } from '../model/network-state.ts';
import { ruleWords, type RuleWordsContext } from '../model/rule-words.ts';
import { printDocument, PLAIN_PALETTE, type IpPrinter, type Palette } from './ip-printer.ts';

export interface RuleShowOptions {
  /** `-4` / `-6` (default: IPv4, as `ip rule show`) */
  readonly family?: Family;
  readonly json: boolean;
  /** `-d` */
  readonly details?: boolean;
  readonly palette?: Palette;
}

// mirrors print_rule(), ip/iprule.c (iproute2 6.1)
function printRule(p: IpPrinter, r: Rule, ctx: RuleWordsContext): void {
  p.openObject();
  p.any('priority', `${r.priority}:\t`, r.priority);
  for (const word of ruleWords(r, ctx)) {
    const text = word.color ? p.palette[word.color](word.text) : word.text;
    if (word.json) p.any(word.json.key, text, word.json.value);
    else p.text(text);
  }
  p.text('\n');
  p.closeObject();
}

export function renderRuleShow(state: NetworkState, opts: RuleShowOptions): string {
  const family = opts.family ?? 4;
  const rules = [...(family === 4 ? state.rules4 : state.rules6)].sort((a, b) => a.priority - b.priority || a.order - b.order);
  const prefs = new Set(rules.map((r) => r.priority));
  const ctx: RuleWordsContext = { tables: state.rtTables, details: opts.details ?? false, hasPref: (pref) => prefs.has(pref) };
  return printDocument(opts.json, opts.palette ?? PLAIN_PALETTE, (p) => {
    for (const rule of rules) printRule(p, rule, ctx);
  });
}
