// Golden tests of the nft parser on outputs recorded from real nft 1.0.6 (scripts/record-nft-fixtures.ts).
// UPDATE_GOLDEN=1 rewrites test/fixtures/netfilter/nft/<case>/expected.json from the current parser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NfTable } from '../model/netfilter.ts';
import { parseNftRuleset } from './nft-json.ts';

const CASES = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'netfilter', 'nft');
const update = process.env['UPDATE_GOLDEN'] === '1';

/** JSON-friendly form: bigints as "Nn" strings. */
const toGolden = (value: unknown): unknown => JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)));

/** What the JSON alone decides: every chain's rules with their handles, comments and statements. */
function ruleStatements(tables: readonly NfTable[]): unknown {
  return toGolden(tables.map((t) => t.chains.map((c) => [c.name, c.rules.map((r) => [r.handle, r.comment, r.statements])])));
}

const cases = readdirSync(CASES, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();

test('every recorded case is here', () => {
  assert.deepEqual(cases, ['iptables-nft', 'policy-routing', 'unmodelled']);
});

for (const name of cases) {
  const dir = join(CASES, name);
  const json = readFileSync(join(dir, 'nft.json'), 'utf8');
  const text = readFileSync(join(dir, 'nft.txt'), 'utf8');

  test(`${name}: nft -j list ruleset + nft -a list ruleset → golden model`, () => {
    const parsed = parseNftRuleset(json, `${name}/nft.json`, text);
    const actual = toGolden({ value: parsed.value, diagnostics: parsed.diagnostics });
    const path = join(dir, 'expected.json');
    if (update) writeFileSync(path, `${JSON.stringify(actual, null, 2)}\n`);
    else assert.deepEqual(actual, JSON.parse(readFileSync(path, 'utf8')), `golden ${name} (UPDATE_GOLDEN=1 to rewrite)`);
  });

  test(`${name}: every rule's text is the line nft printed, without its handle`, () => {
    const parsed = parseNftRuleset(json, name, text);
    const printed = new Set(text.split('\n').map((l) => l.replace(/\s*# handle \d+$/, '').trim()));
    for (const rule of parsed.value.flatMap((t) => t.chains.flatMap((c) => c.rules))) {
      assert.ok(printed.has(rule.text), rule.text);
      assert.doesNotMatch(rule.text, /# handle/);
    }
  });

  test(`${name}: without the text, the same model with texts rendered from the JSON`, () => {
    const withText = parseNftRuleset(json, name, text);
    const withoutText = parseNftRuleset(json, name);
    assert.deepEqual(ruleStatements(withoutText.value), ruleStatements(withText.value));
    for (const rule of withoutText.value.flatMap((t) => t.chains.flatMap((c) => c.rules))) assert.notEqual(rule.text.trim(), '');
  });
}
