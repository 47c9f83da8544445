// `ip [-d] -j -4 rule show` / `ip [-d] -j -6 rule show` → Rule[] (-d adds the protocol when it is kernel or unspec).
import type { Family } from '../addr/types.ts';
import type { Parsed } from '../model/diagnostics.ts';
import type { Rule } from '../model/network-state.ts';
import type { RtTables } from '../model/rt-tables.ts';
import { DiagnosticSink } from './diagnostic-sink.ts';
import { parseJsonArrayDocument } from './json-document.ts';
import { FieldReader, forEachJsonObject } from './json-fields.ts';
import { buildRule, ruleContext } from './rule-fields.ts';

export interface RuleParseOptions {
  readonly family: Family;
  /** names the dump was printed with; the built-in names when absent */
  readonly rtTables?: RtTables;
  /** label for diagnostics */
  readonly file?: string;
}

export function parseIpRuleJson(text: string, options: RuleParseOptions): Parsed<Rule[]> {
  const sink = new DiagnosticSink(options.file ?? `ip -${options.family} rule`);
  const doc = parseJsonArrayDocument(text, sink);
  const rules: Rule[] = [];
  forEachJsonObject(doc, sink, 'rule', (item, where, index) => {
    const rule = buildRule(new FieldReader(item, sink, where, 'rule'), ruleContext(options, index));
    if (rule) rules.push(rule);
  });
  return { value: rules, diagnostics: sink.diagnostics };
}
