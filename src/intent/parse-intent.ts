// Reads an intent file (pbr.yaml) into a validated Intent; every problem is located at file:line:col.
import { LineCounter, parseDocument } from 'yaml';
import type { Diagnostic, Parsed } from '../model/diagnostics.ts';
import type { Intent, IntentOptions } from '../model/intent.ts';
import type { Mutable } from '../parse/mutable.ts';
import { DEFAULT_INTENT_OPTIONS, parseOptions, type ReadOptions } from './parse-options.ts';
import { parsePolicies } from './parse-policies.ts';
import { parseUplinks } from './parse-uplinks.ts';
import { readUplinkReference, type UplinkIndex } from './parse-via.ts';
import { YamlReader } from './yaml-reader.ts';

const INTENT_KEYS = ['uplinks', 'policies', 'default', 'options'] as const;

/** The Intent, or undefined when there is any error; the diagnostics say what and where. */
export function parseIntent(text: string, file: string): Parsed<Intent | undefined> {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const r = new YamlReader(file, doc, lines);
  for (const e of doc.errors) {
    const code = e.code === 'DUPLICATE_KEY' ? 'intent-duplicate-key' : 'intent-yaml-syntax';
    r.sink.error(code, e.message, r.locateOffset(e.pos[0]), e.code === 'DUPLICATE_KEY' ? 'each key may appear once in a mapping' : 'see https://yaml.org/spec/1.2.2/ for the syntax');
  }
  if (doc.errors.length > 0 || !r.checkAliases()) return { value: undefined, diagnostics: r.sink.diagnostics };
  const root = r.resolve(doc.contents);
  if (root === undefined) {
    r.sink.error('intent-empty', 'the intent file is empty', r.sink.at(1, 1), 'start with uplinks: and policies:; see docs/intent.md');
    return { value: undefined, diagnostics: r.sink.diagnostics };
  }
  const map = r.map(root, root, 'the intent');
  if (!map) return { value: undefined, diagnostics: r.sink.diagnostics };
  const f = r.fields(map, '', INTENT_KEYS, ['uplinks']);
  const options = parseOptions(r, f.get('options'));
  const { uplinks, declared } = parseUplinks(r, f.get('uplinks'), options);
  const index: UplinkIndex = { valid: new Map(uplinks.map((u) => [u.name, u])), declared };
  const policies = parsePolicies(r, f.get('policies'), index);
  const complete = completeOptions(options);
  const intent: Mutable<Intent> = { uplinks, policies, options: complete ?? DEFAULT_INTENT_OPTIONS, file };
  const defaultField = f.get('default');
  if (defaultField) {
    const ref = readUplinkReference(r, defaultField.value, defaultField.at, 'default', index);
    if (ref) intent.default = ref.uplink.name;
  }
  return { value: r.errorCount > 0 || !complete ? undefined : intent, diagnostics: inFileOrder(r.sink.diagnostics) };
}

function inFileOrder(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const key = (d: Diagnostic): number => (d.source?.line ?? 0) * 1e6 + (d.source?.column ?? 0);
  return [...diagnostics].sort((a, b) => key(a) - key(b));
}

function completeOptions(o: ReadOptions): IntentOptions | undefined {
  const { rulePriorities, tableIds, markMask, forwarding, rpFilter, logMartians } = o;
  if (rulePriorities === undefined || tableIds === undefined || markMask === undefined) return undefined;
  if (forwarding === undefined || rpFilter === undefined || logMartians === undefined) return undefined;
  return { rulePriorities, tableIds, markMask, forwarding, rpFilter, logMartians };
}
