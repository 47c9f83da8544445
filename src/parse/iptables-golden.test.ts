// Golden tests on dumps recorded from real iptables (scripts/record-iptables-fixtures.ts), and the mark arithmetic
// of every MARK/CONNMARK/TOS/DSCP form against what the kernel did to real packets.
// UPDATE_GOLDEN=1 rewrites test/fixtures/netfilter/iptables/<case>/expected-*.json from the current parser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Parsed } from '../model/diagnostics.ts';
import type { NfStatement } from '../model/netfilter.ts';
import { parseIptablesSave } from './iptables-save.ts';
import { applySets, matchesAll, renderStatement, type MarkState } from './iptables-test-support.ts';

const FIXTURES = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'netfilter', 'iptables');
const update = process.env['UPDATE_GOLDEN'] === '1';

/** JSON of a model value with bigints as "<decimal>n". */
const toJson = (value: unknown): string => `${JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v), 2)}\n`;

function assertGolden(path: string, parsed: Parsed<unknown>): void {
  const actual = toJson({ value: parsed.value, diagnostics: parsed.diagnostics });
  if (update) {
    writeFileSync(path, actual);
    return;
  }
  assert.deepEqual(JSON.parse(actual), JSON.parse(readFileSync(path, 'utf8')), `golden ${path} (UPDATE_GOLDEN=1 to rewrite)`);
}

const CASES = readdirSync(FIXTURES, { withFileTypes: true })
  .filter((e) => e.isDirectory() && existsSync(join(FIXTURES, e.name, 'iptables-save.txt')))
  .map((e) => e.name);

test('the fixture cases are there', () => {
  assert.deepEqual(CASES.sort(), ['legacy', 'mangle-chains', 'router']);
});

for (const name of CASES) {
  for (const [file, family, program] of [['iptables-save.txt', 4, 'iptables'], ['ip6tables-save.txt', 6, 'ip6tables']] as const) {
    test(`${name}: ${program}-save golden`, () => {
      const parsed = parseIptablesSave(readFileSync(join(FIXTURES, name, file), 'utf8'), family, `${name}/${file}`);
      assertGolden(join(FIXTURES, name, `expected-${program}.json`), parsed);
      // an empty dump (no ip6tables rules in the case) has no header and so no variant
      assert.equal(parsed.value.variant, parsed.value.tables.length === 0 ? 'unknown' : name === 'legacy' ? 'legacy' : 'nf_tables');
      assert.ok(parsed.diagnostics.every((d) => d.severity !== 'error'), 'a real dump reads without errors');
    });
  }
  test(`${name}: every rule of rules.v4/rules.v6 is in the dump, and read`, () => {
    for (const [rules, dump, family] of [['rules.v4', 'iptables-save.txt', 4], ['rules.v6', 'ip6tables-save.txt', 6]] as const) {
      if (!existsSync(join(FIXTURES, name, rules))) continue;
      const written = readFileSync(join(FIXTURES, name, rules), 'utf8').split('\n').filter((l) => l.startsWith('-A ')).length;
      const parsed = parseIptablesSave(readFileSync(join(FIXTURES, name, dump), 'utf8'), family, dump);
      const read = parsed.value.tables.flatMap((t) => t.chains.flatMap((c) => c.rules));
      assert.equal(read.length, written, `${name}/${dump}`);
    }
  });
}

interface MarkRun {
  readonly variant: string;
  readonly rule: string;
  readonly saved: string;
  readonly initial: { mark: string; ctmark: string; tos: string };
  readonly observed: { mark: string; ctmark: string; tos: string };
}

interface MatchRun {
  readonly variant: string;
  readonly rule: string;
  readonly saved: string;
  readonly initial: { mark: string; ctmark: string; tos: string };
  readonly matched: boolean;
}

const observed = JSON.parse(readFileSync(join(FIXTURES, 'mark-ops', 'observed.json'), 'utf8')) as { kernel: string; runs: MarkRun[]; matches: MatchRun[] };

const stateOf = (initial: { mark: string; ctmark: string; tos: string }): MarkState => ({
  mark: BigInt(initial.mark),
  ctmark: BigInt(initial.ctmark),
  dscp: BigInt(initial.tos) >> 2n,
});

/** The statements of `-A OUTPUT <rule>` in mangle. */
function statementsOf(rule: string): readonly NfStatement[] {
  const parsed = parseIptablesSave(`*mangle\n:OUTPUT ACCEPT [0:0]\n-A OUTPUT ${rule}\nCOMMIT\n`, 4, 'op');
  assert.deepEqual(parsed.diagnostics, []);
  return parsed.value.tables[0]?.chains[0]?.rules[0]?.statements ?? [];
}

test('mark-ops: recorded with both iptables variants', () => {
  assert.deepEqual([...new Set(observed.runs.map((r) => r.variant))].sort(), ['legacy', 'nf_tables']);
  assert.ok(observed.runs.length >= 100);
});

for (const run of observed.runs) {
  for (const form of [run.rule, run.saved]) {
    test(`mark-ops (${run.variant}, mark ${run.initial.mark}, ct ${run.initial.ctmark}, tos ${run.initial.tos}): ${form}`, () => {
      const statements = statementsOf(form);
      const after = applySets(statements, stateOf(run.initial));
      const got = { mark: `0x${after.mark.toString(16)}`, ctmark: `0x${after.ctmark.toString(16)}`, dscp: `0x${after.dscp.toString(16)}` };
      const kernel = { mark: run.observed.mark, ctmark: run.observed.ctmark, dscp: `0x${(BigInt(run.observed.tos) >> 2n).toString(16)}` };
      assert.deepEqual(got, kernel, statements.map((s) => renderStatement(s)).join('; '));
    });
  }
}

test('match-ops: recorded', () => assert.ok(observed.matches.length >= 60));

for (const run of observed.matches) {
  for (const form of new Set([run.rule, run.saved])) {
    test(`match-ops (${run.variant}, mark ${run.initial.mark}, ct ${run.initial.ctmark}, tos ${run.initial.tos}): ${form} ${run.matched ? 'matches' : 'does not match'}`, () => {
      const statements = statementsOf(form);
      assert.equal(matchesAll(statements, stateOf(run.initial)), run.matched, statements.map((s) => renderStatement(s)).join('; '));
    });
  }
}
