import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SystemError } from '../model/errors.ts';
import type { SnapshotFile } from '../model/snapshot.ts';
import type { CaptureOptions } from './capture-snapshot.ts';
import { runSnapshotCommand } from './snapshot-command.ts';

const snapshot: SnapshotFile = {
  format: 'pbr-snapshot',
  version: 1,
  capturedAt: '2025-01-01T00:00:00.000Z',
  kernelRelease: '6.18.44',
  sources: { uname: { argv: ['uname', '-r'], exitCode: 0, stdout: '6.18.44\n', stderr: '' } },
  notes: ['nft is not installed: nft not captured'],
};

test('writes the snapshot to stdout and the notes to stderr; passes --netns on', async () => {
  let out = '';
  const err: string[] = [];
  const seen: CaptureOptions[] = [];
  const status = await runSnapshotCommand({ netns: 'lab' }, {
    capture: async (options) => {
      seen.push(options);
      return snapshot;
    },
    writeStdout: async (text) => {
      out += text;
    },
    writeStderr: (text) => err.push(text),
  });
  assert.equal(status, 0);
  assert.deepEqual(JSON.parse(out), snapshot);
  assert.deepEqual(seen, [{ netns: 'lab' }]);
  assert.deepEqual(err, ['pbr snapshot: note: nft is not installed: nft not captured\n']);
});

test('-o FILE writes the file (and nothing else is left in the directory)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pbrp-cmd-'));
  try {
    const output = join(dir, 'snap.json');
    const status = await runSnapshotCommand({ output }, { capture: async () => snapshot, writeStderr: () => undefined });
    assert.equal(status, 0);
    assert.deepEqual(JSON.parse(readFileSync(output, 'utf8')), snapshot);
    assert.deepEqual(readdirSync(dir), ['snap.json']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an unwritable output is a SystemError', async () => {
  await assert.rejects(
    runSnapshotCommand({ output: '/nonexistent-dir/snap.json' }, { capture: async () => snapshot, writeStderr: () => undefined }),
    (error: unknown) => error instanceof SystemError && /^cannot write \/nonexistent-dir\/snap\.json: /.test(error.message),
  );
});
