// Golden files: compares text with test/fixtures/render-golden/NAME; UPDATE_GOLDEN=1 rewrites the file instead.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'render-golden');

export function assertGolden(name: string, actual: string): void {
  const path = join(DIR, name);
  if (process.env['UPDATE_GOLDEN'] === '1') {
    writeFileSync(path, actual);
    return;
  }
  assert.equal(actual, readFileSync(path, 'utf8'), `golden file ${name} (UPDATE_GOLDEN=1 rewrites it)`);
}
