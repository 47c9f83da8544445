import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExitCode, InvalidInputError } from '../model/errors.ts';
import { loadSnapshot } from './load-snapshot.ts';

const lab = readFileSync(join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'parse', 'lab.snapshot.json'), 'utf8');

function withFile(content: string, body: (path: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pbrp-load-'));
    try {
      const path = join(dir, 'snap.json');
      writeFileSync(path, content);
      await body(path);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test('a good snapshot file loads', withFile(lab, async (path) => {
  const parsed = await loadSnapshot(path);
  assert.ok(parsed.value.links.length > 0);
  assert.equal(parsed.diagnostics.filter((d) => d.severity === 'error').length, 0);
}));

test("'-' reads standard input", async () => {
  const parsed = await loadSnapshot('-', { readStdin: async () => lab });
  assert.ok(parsed.value.routes.length > 0);
});

const unusable: readonly [string, string, RegExp][] = [
  ['invalid JSON', '{"format": "pbr-snapshot",\n  "version": 1,,}', /^\S+snap\.json:2:16: not valid JSON: expected a double-quoted property name, found ','$/],
  ['not a snapshot', '{"hello": 1}', /^\S+snap\.json: snapshot\.format: expected "pbr-snapshot", found nothing$/],
  ['empty file', '', /^\S+snap\.json: empty file, not a snapshot$/],
];
for (const [name, content, message] of unusable) {
  test(`unusable snapshot: ${name} → InvalidInputError (exit 3) naming the file`, withFile(content, async (path) => {
    await assert.rejects(loadSnapshot(path), (error: unknown) => {
      assert.ok(error instanceof InvalidInputError);
      assert.equal(error.exitCode, ExitCode.invalidInput);
      assert.match(error.message, message);
      assert.equal(error.message.includes('\n'), false);
      return true;
    });
  }));
}

test('a missing file is an InvalidInputError', async () => {
  await assert.rejects(loadSnapshot('/nonexistent/pbrp.json'), /^InvalidInputError: cannot read snapshot \/nonexistent\/pbrp\.json: no such file$/);
});

test('errors inside sources do not make the snapshot unusable: they are diagnostics', withFile(
  JSON.stringify({ format: 'pbr-snapshot', version: 1, capturedAt: '', kernelRelease: '6.18.44', notes: [], sources: { ipRoute4: { exitCode: 0, stdout: '[{"type":"bogus","dst":"default","flags":[]}]', stderr: '' } } }),
  async (path) => {
    const parsed = await loadSnapshot(path);
    assert.deepEqual(parsed.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code), ['route-unknown-type']);
  },
));
