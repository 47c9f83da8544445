import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { memoryIo } from '../../test/cli/memory-io.ts';
import { baseRouter } from '../lint/lint-test-support.ts';
import type { LintCheck } from '../model/lint.ts';
import type { NetworkState } from '../model/network-state.ts';
import { renderLintText, runLintCommand } from './lint-command.ts';
import { runCli } from './main.ts';

const EXAMPLE_SNAPSHOT = fileURLToPath(new URL('../../examples/two-uplinks.snapshot.json', import.meta.url));
const EXAMPLE_INTENT = fileURLToPath(new URL('../../examples/pbr.yaml', import.meta.url));

const finding = (severity: 'error' | 'warning' | 'info', id = `x-${severity}`) => ({ id, severity, message: `m ${severity}`, hint: `h ${severity}`, objects: ['rule 1'] });
const fixed = (severity: 'error' | 'warning' | 'info'): LintCheck => ({ id: `x-${severity}`, severity, title: 't', run: () => [finding(severity)] });

test('renderLintText: one block per finding, nothing for none', () => {
  assert.equal(renderLintText([]), '');
  assert.equal(renderLintText([finding('warning', 'rule-table-empty')]), 'warning rule-table-empty: m warning\n  hint: h warning\n  see docs/lint/rule-table-empty.md\n');
});

const exits: readonly { checks: readonly LintCheck[]; printed: readonly ('error' | 'warning' | 'info')[]; code: number }[] = [
  { checks: [], printed: [], code: 0 },
  { checks: [fixed('info')], printed: ['info'], code: 0 },
  { checks: [fixed('info'), fixed('warning')], printed: ['warning', 'info'], code: 1 },
  { checks: [fixed('error')], printed: ['error'], code: 1 },
];

for (const { checks, printed, code } of exits) {
  test(`runLintCommand: ${checks.map((c) => c.severity).join('+') || 'no finding'} → exit ${code}`, async () => {
    for (const json of [false, true]) {
      const io = memoryIo();
      const state = baseRouter().build();
      assert.equal(await runLintCommand({ json }, { io, loadState: () => Promise.resolve(state), checks }), code);
      if (json) assert.deepEqual(JSON.parse(io.stdout.text), printed.map((severity) => finding(severity)));
      else assert.deepEqual(io.stdout.text.split('\n').filter((l) => /^\w+ x-/.test(l)).map((l) => l.split(' ')[0]), printed);
      if (!json && checks.length === 0) assert.equal(io.stdout.text, '');
    }
  });
}

test('runLintCommand -c: the intent is linted with the state it produces', async () => {
  const seen: { state: NetworkState; hasIntent: boolean }[] = [];
  const spy: LintCheck = { id: 'spy', severity: 'info', title: 't', run: (input) => (seen.push({ state: input.state, hasIntent: input.intent !== undefined }), []) };
  const { loadSnapshot } = await import('../host/load-snapshot.ts');
  const live = (await loadSnapshot(EXAMPLE_SNAPSHOT)).value;
  const io = memoryIo();
  assert.equal(await runLintCommand({ json: false, config: EXAMPLE_INTENT }, { io, loadState: () => Promise.resolve(live), checks: [spy] }), 0);
  const [input] = seen;
  assert.equal(input?.hasIntent, true);
  // pbr's fwmark rules and tables exist only after the apply
  assert.equal(live.rules4.some((r) => r.fwmark !== 0), false);
  assert.equal(input?.state.rules4.some((r) => r.fwmark !== 0), true);
});

test('pbr lint on a host without problems prints nothing and exits 0', async () => {
  const io = memoryIo();
  assert.equal(await runLintCommand({ json: false }, { io, loadState: () => Promise.resolve(baseRouter().build()) }), 0);
  assert.equal(io.stdout.text, '');
});

test('pbr lint -c: the example intent applied to the example host leaves nothing to report', async () => {
  const io = memoryIo();
  assert.equal(await runCli(['lint', '--snapshot', EXAMPLE_SNAPSHOT, '-c', EXAMPLE_INTENT], io), 0, io.stderr.text);
  assert.equal(io.stdout.text, '');
});

test('pbr lint: the recorded example host has nothing at warning or above: exit 0', async () => {
  const io = memoryIo();
  assert.equal(await runCli(['lint', '--snapshot', EXAMPLE_SNAPSHOT, '--json'], io), 0, io.stderr.text);
  const findings = JSON.parse(io.stdout.text) as { severity: string }[];
  assert.deepEqual(findings.filter((f) => f.severity !== 'info'), []);
});

test('pbr lint --json on a host with a fall-through rule: exit 1, the finding as JSON', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pbr-lint-'));
  const lab = fileURLToPath(new URL('../../test/fixtures/parse/lab.snapshot.json', import.meta.url));
  const io = memoryIo();
  assert.equal(await runCli(['lint', '--snapshot', lab, '--json'], io), 1, io.stderr.text);
  const findings = JSON.parse(io.stdout.text) as { id: string; severity: string }[];
  assert.ok(findings.some((f) => f.id === 'priority-duplicate' && f.severity === 'warning'));
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, '{"format": "nonsense"}');
  const badIo = memoryIo();
  assert.equal(await runCli(['lint', '--snapshot', bad], badIo), 3);
  const badIntent = join(dir, 'bad.yaml');
  writeFileSync(badIntent, 'uplinks: 7\n');
  const intentIo = memoryIo();
  assert.equal(await runCli(['lint', '--snapshot', EXAMPLE_SNAPSHOT, '-c', badIntent], intentIo), 3);
  const usageIo = memoryIo();
  assert.equal(await runCli(['lint', 'extra'], usageIo), 2);
});
