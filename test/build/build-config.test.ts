// What `npm run build` puts into dist: the program, never the tests or their helpers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join, relative } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');

test('tsconfig.build.json compiles no test files and no test-support helpers', () => {
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--listFilesOnly'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const ours = r.stdout.split('\n').filter((f) => f.startsWith(join(ROOT, 'src'))).map((f) => relative(ROOT, f));
  assert.ok(ours.includes('src/cli/main.ts'), 'the program is compiled');
  assert.deepEqual(ours.filter((f) => f.endsWith('.test.ts') || f.endsWith('test-support.ts')), []);
});
