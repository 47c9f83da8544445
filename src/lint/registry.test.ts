import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import type { LintCheck, LintFinding } from '../model/lint.ts';
import { baseRouter } from './lint-test-support.ts';
import { ALL_CHECKS, hasProblems, runLint } from './registry.ts';

const CHECKS_DIR = new URL('./checks/', import.meta.url);

test('every file in src/lint/checks is registered, under its own file name', async () => {
  const files = readdirSync(CHECKS_DIR).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).sort();
  assert.ok(files.length > 0);
  for (const file of files) {
    const module = (await import(new URL(file, CHECKS_DIR).href)) as { check?: LintCheck };
    assert.ok(module.check, `src/lint/checks/${file} exports no \`check\``);
    assert.equal(module.check.id, file.slice(0, -'.ts'.length), `src/lint/checks/${file}: id "${module.check.id}" is not its file name`);
    assert.ok(ALL_CHECKS.includes(module.check), `src/lint/checks/${file} is not in ALL_CHECKS (src/lint/registry.ts)`);
  }
  assert.equal(ALL_CHECKS.length, files.length, 'ALL_CHECKS holds a check that is not a file of src/lint/checks');
});

test('check ids are unique kebab-case, with a title', () => {
  assert.equal(new Set(ALL_CHECKS.map((c) => c.id)).size, ALL_CHECKS.length);
  for (const c of ALL_CHECKS) {
    assert.match(c.id, /^[a-z0-9]+(-[a-z0-9]+)*$/);
    assert.ok(c.title.length > 0, c.id);
  }
});

function fixed(id: string, severity: LintFinding['severity'], message: string): LintCheck {
  return { id, severity, title: id, run: () => [{ id, severity, message, hint: 'h', objects: [] }] };
}

test('runLint sorts by severity, then id, keeping a check’s own order', () => {
  const twice: LintCheck = {
    id: 'b-two',
    severity: 'warning',
    title: 'two',
    run: () => ['second', 'first'].map((message) => ({ id: 'b-two', severity: 'warning' as const, message, hint: 'h', objects: [] })),
  };
  const findings = runLint({ state: baseRouter().build() }, [fixed('a-info', 'info', 'i'), twice, fixed('c-error', 'error', 'e'), fixed('a-warn', 'warning', 'w')]);
  assert.deepEqual(findings.map((f) => `${f.severity} ${f.id} ${f.message}`), ['error c-error e', 'warning a-warn w', 'warning b-two second', 'warning b-two first', 'info a-info i']);
});

test('hasProblems: warning or error, not info', () => {
  const finding = (severity: LintFinding['severity']): LintFinding => ({ id: 'x', severity, message: '', hint: '', objects: [] });
  assert.deepEqual([hasProblems([]), hasProblems([finding('info')]), hasProblems([finding('info'), finding('warning')]), hasProblems([finding('error')])], [false, false, true, true]);
});

test('the base router gives no finding from any check', () => {
  assert.deepEqual(runLint({ state: baseRouter().build() }), []);
});
