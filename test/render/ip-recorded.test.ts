// pbr's output against what the real `ip` printed on the same state (fixtures from scripts/record-render-fixtures.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../src/cli/main.ts';
import { memoryIo } from '../cli/memory-io.ts';

interface RecordedCase {
  readonly args: readonly string[];
  readonly batch?: string;
  readonly ip: readonly string[];
  readonly stdout: string;
  readonly stderr: string;
  readonly status: number;
}

const ROOT = join(import.meta.dirname, '..', 'fixtures', 'render');

/** pbr's stderr without what pbr adds to ip's (multipath notes, hints). */
function ipPartOfStderr(stderr: string): string {
  return stderr
    .split('\n')
    .filter((line) => !line.startsWith('pbr: note:') && !line.startsWith('  ') && !line.startsWith('hint: '))
    .join('\n');
}

for (const scenario of readdirSync(ROOT).sort()) {
  const snapshot = join(ROOT, scenario, 'snapshot.json');
  const cases = JSON.parse(readFileSync(join(ROOT, scenario, 'cases.json'), 'utf8')) as RecordedCase[];
  for (const c of cases) {
    const kind = c.args.includes('get') ? 'route get (engine + renderer)' : 'listing';
    test(`${scenario}: ${kind}: ${c.ip.join(' ')}`, async () => {
      const io = memoryIo({ uid: 0, ...(c.batch !== undefined ? { stdin: c.batch } : {}) });
      const status = await runCli([...c.args, '--snapshot', snapshot], io);
      assert.equal(io.stdout.text, c.stdout, 'stdout');
      // a batch read from stdin is named "-" where ip named the file
      assert.equal(ipPartOfStderr(io.stderr.text), c.stderr.replaceAll('{batch}', '-'), 'stderr');
      assert.equal(status, c.status === 0 ? 0 : 2, 'exit status');
    });
  }
}
