import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { formatDiagnostic } from '../model/diagnostics.ts';
import { ISSUE_EXAMPLE } from './intent-cases-test-support.ts';
import { intentFileSchema } from './intent-schema.ts';
import { parseIntent } from './parse-intent.ts';

const DOC = readFileSync(new URL('../../docs/intent.md', import.meta.url), 'utf8');

/** The fenced code blocks of a Markdown text with their language and the text after the previous block. */
function fencedBlocks(markdown: string): { lang: string; text: string; before: string }[] {
  const out: { lang: string; text: string; before: string }[] = [];
  let open: { lang: string; lines: string[] } | undefined;
  let prose: string[] = [];
  for (const line of markdown.split('\n')) {
    if (open === undefined && line.startsWith('```')) {
      open = { lang: line.slice(3).trim(), lines: [] };
    } else if (open !== undefined && line === '```') {
      out.push({ lang: open.lang, text: open.lines.map((l) => `${l}\n`).join(''), before: prose.join('\n') });
      open = undefined;
      prose = [];
    } else if (open !== undefined) open.lines.push(line);
    else prose.push(line);
  }
  return out;
}

const BLOCKS = fencedBlocks(DOC);
const blocks = (lang: string): string[] => BLOCKS.filter((b) => b.lang === lang).map((b) => b.text);
/** the complete intent files among the examples (fragments start with another key) */
const intents = blocks('yaml').filter((b) => b.startsWith('uplinks:'));

test('docs/intent.md: the first example is the example of issue 4', () => {
  assert.equal(intents[0], ISSUE_EXAMPLE);
});

intents.forEach((text, i) => {
  test(`docs/intent.md: example ${i + 1} parses and the schema accepts it`, () => {
    const r = parseIntent(text, 'pbr.yaml');
    assert.deepEqual(r.diagnostics.map(formatDiagnostic), []);
    assert.ok(r.value);
    assert.ok(intentFileSchema.safeParse(parse(text)).success);
  });
});

test('docs/intent.md: the error example is what parseIntent prints', () => {
  const printed = BLOCKS.find((b) => b.lang === '' && b.before.includes('## Errors'))?.text;
  const text = ISSUE_EXAMPLE.replace('dport: 22', 'dprot: 22').replace('via: isp2\n', 'via: isp3\n');
  assert.equal(printed, `${parseIntent(text, 'pbr.yaml').diagnostics.map(formatDiagnostic).join('\n')}\n`);
});

test('docs/intent.md: every diagnostic code is listed', () => {
  const source = ['parse-intent', 'parse-options', 'parse-uplinks', 'parse-match', 'parse-via', 'parse-policies', 'yaml-reader', 'intent-values']
    .map((f) => readFileSync(new URL(`./${f}.ts`, import.meta.url), 'utf8'))
    .join('\n');
  const codes = new Set([...source.matchAll(/'(intent-[a-z0-9-]+)'/g)].map((m) => m[1] ?? ''));
  for (const code of codes) assert.ok(DOC.includes(`\`${code}\``), `${code} is not in docs/intent.md`);
});
