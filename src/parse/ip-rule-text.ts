// The text of `ip rule show` / `ip -6 rule show` → Rule[], through the same fields as the JSON form.
import type { Parsed } from '../model/diagnostics.ts';
import type { Rule } from '../model/network-state.ts';
import { DiagnosticSink } from './diagnostic-sink.ts';
import type { RuleParseOptions } from './ip-rule-json.ts';
import { FieldReader, parseUnsigned } from './json-fields.ts';
import { buildRule, ruleContext } from './rule-fields.ts';
import { TokenCursor, tokenizeLine } from './text-tokens.ts';

// mirrors the text branch of print_rule(), ip/iprule.c
export function parseIpRuleText(text: string, options: RuleParseOptions): Parsed<Rule[]> {
  const sink = new DiagnosticSink(options.file ?? `ip -${options.family} rule`);
  const rules: Rule[] = [];
  let index = 0;
  text.split('\n').forEach((line, lineIndex) => {
    if (line.trim() === '') return;
    const where = sink.at(lineIndex + 1, 1);
    const fields = ruleLineFields(line, new TokenCursor(tokenizeLine(line), sink, lineIndex + 1));
    if (fields === undefined) return;
    const rule = buildRule(new FieldReader(fields, sink, where, 'rule'), ruleContext(options, index++));
    if (rule) rules.push(rule);
  });
  return { value: rules, diagnostics: sink.diagnostics };
}

function ruleLineFields(line: string, cur: TokenCursor): Record<string, unknown> | undefined {
  if (cur.peek() === 'Deleted') cur.next();
  const head = cur.next();
  const priority = head === undefined ? undefined : /^(\d+):$/.exec(head)?.[1];
  if (priority === undefined) {
    cur.sink.error('rule-text-no-priority', `expected "PRIORITY:" at the start of "${line.trim()}"`, cur.at(), 'paste the output of `ip rule show`');
    return undefined;
  }
  const fields: Record<string, unknown> = { priority: Number(priority) };
  while (!cur.done()) {
    const word = cur.next() ?? '';
    switch (word) {
      case 'not':
        fields['not'] = null;
        break;
      case 'from':
      case 'to': {
        const [key, lenKey] = word === 'from' ? ['src', 'srclen'] : ['dst', 'dstlen'];
        const value = cur.value(word);
        if (value === undefined) break;
        const slash = value.indexOf('/');
        if (slash < 0) fields[key] = value;
        else {
          fields[key] = value.slice(0, slash);
          put(fields, lenKey, cur.number(value.slice(slash + 1), word));
        }
        break;
      }
      case 'tos':
      case 'ipproto':
      case 'suppress_ifgroup':
      case 'flowlabel':
      case 'dscp': {
        const value = cur.value(word);
        if (value === undefined) break;
        const [main, mask] = splitMask(value);
        fields[word] = main;
        if (mask !== undefined) fields[word === 'dscp' ? 'dscp_mask' : `${word}_mask`] = mask;
        break;
      }
      case 'fwmark': {
        const value = cur.value(word);
        if (value === undefined) break;
        const [mark, mask] = splitMask(value);
        fields['fwmark'] = hexText(mark);
        if (mask !== undefined) fields['fwmask'] = hexText(mask);
        break;
      }
      case 'iif':
      case 'oif': {
        const name = cur.value(word);
        if (name === undefined) break;
        fields[word] = name;
        if (cur.peek() === '[detached]') {
          cur.next();
          fields[`${word}_detached`] = null;
        }
        break;
      }
      case 'lookup': {
        const table = cur.value(word);
        if (table === '[l3mdev-table]') fields['l3mdev'] = null;
        else if (table !== undefined) fields['table'] = table;
        break;
      }
      case 'uidrange': {
        const value = cur.value(word);
        const match = value === undefined ? null : /^(\d+)-(\d+)$/.exec(value);
        if (!match) {
          if (value !== undefined) cur.bad(word, value);
          break;
        }
        fields['uid_start'] = Number(match[1]);
        fields['uid_end'] = Number(match[2]);
        break;
      }
      case 'sport':
      case 'dport':
        portFields(cur, word, fields);
        break;
      case 'tun_id': {
        const value = cur.value(word);
        if (value !== undefined) fields['tun_id'] = value;
        break;
      }
      case 'suppress_prefixlength': {
        const value = cur.value(word);
        if (value !== undefined) put(fields, 'suppress_prefixlen', cur.number(value, word));
        break;
      }
      case 'realms': {
        const value = cur.value(word);
        if (value === undefined) break;
        const [from, to] = value.includes('/') ? value.split('/', 2) : [undefined, value];
        if (from !== undefined) fields['flow_from'] = from;
        fields['flow_to'] = to;
        break;
      }
      case 'map-to':
        put(fields, 'nat_gateway', cur.value(word));
        break;
      case 'masquerade':
        fields['masquerade'] = null;
        break;
      case 'goto': {
        const value = cur.value(word);
        if (value !== undefined) put(fields, 'goto', value === 'none' ? 'none' : cur.number(value, word));
        break;
      }
      case '[unresolved]':
        fields['unresolved'] = null;
        break;
      case 'nop':
        fields['nop'] = null;
        break;
      case 'proto': {
        const value = cur.value(word);
        if (value !== undefined) fields['protocol'] = value;
        break;
      }
      default:
        if (/^[a-z]+$/.test(word) && !fields['action']) fields['action'] = word;
        else cur.unknown(word);
    }
  }
  return fields;
}

function put(fields: Record<string, unknown>, key: string, value: unknown): void {
  if (value !== undefined) fields[key] = value;
}

function splitMask(value: string): [string, string | undefined] {
  const slash = value.indexOf('/');
  return slash < 0 ? [value, undefined] : [value.slice(0, slash), value.slice(slash + 1)];
}

/** The text prints "%#llx" ("0" for zero), JSON prints "0x0": normalise to the JSON form. */
function hexText(text: string): string {
  const value = parseUnsigned(text);
  return value === undefined ? text : `0x${value.toString(16)}`;
}

/** "sport 80", "sport 80-90", or (6.15+) "sport 0x50/0xfff0". */
function portFields(cur: TokenCursor, key: 'sport' | 'dport', fields: Record<string, unknown>): void {
  const value = cur.value(key);
  if (value === undefined) return;
  const range = /^(\d+)-(\d+)$/.exec(value);
  if (range) {
    fields[`${key}_start`] = Number(range[1]);
    fields[`${key}_end`] = Number(range[2]);
    return;
  }
  const [port, mask] = splitMask(value);
  const number = parseUnsigned(port);
  if (number === undefined) {
    cur.bad(key, value);
    return;
  }
  fields[key] = number;
  if (mask !== undefined) fields[`${key}_mask`] = mask;
}
