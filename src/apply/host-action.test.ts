import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecOptions, ExecResult } from '../host/exec.ts';
import { ActionError, executeHostAction, restoreFileBackup, takeFileBackup } from './host-action.ts';
import { listFiles } from './apply-test-support.ts';

async function withRoot(body: (root: string) => Promise<void>): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'pbr-action-'));
  try {
    await body(root);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

function recorder(exitCode = 0): { calls: { argv: readonly string[]; options: ExecOptions | undefined }[]; run: (argv: readonly string[], options?: ExecOptions) => Promise<ExecResult> } {
  const calls: { argv: readonly string[]; options: ExecOptions | undefined }[] = [];
  return { calls, run: (argv, options) => (calls.push({ argv, options }), Promise.resolve({ argv, exitCode, stdout: '', stderr: exitCode === 0 ? '' : 'Error: Could not process rule: No such file or directory\n' })) };
}

test('run and sysctl actions become argv (inside the namespace when one is given)', async () => {
  const r = recorder();
  await executeHostAction({ kind: 'run', argv: ['nft', '-f', '-'], stdin: 'table inet pbr {}\n' }, { netns: 'pbra-1', run: r.run });
  await executeHostAction({ kind: 'sysctl', path: 'net/ipv4/conf/wan1.100/rp_filter', value: '2' }, { run: r.run });
  assert.deepEqual(r.calls, [
    { argv: ['nft', '-f', '-'], options: { netns: 'pbra-1', input: 'table inet pbr {}\n' } },
    { argv: ['tee', '/proc/sys/net/ipv4/conf/wan1.100/rp_filter'], options: { input: '2\n' } },
  ]);
});

test('a failing command is an ActionError with its argv, exit status and stderr', async () => {
  const r = recorder(1);
  await assert.rejects(executeHostAction({ kind: 'run', argv: ['nft', '-f', '-'], stdin: '' }, { run: r.run }), (error: unknown) => {
    assert.ok(error instanceof ActionError);
    assert.deepEqual(error.failure, { what: 'nft -f -', exitCode: 1, stderr: 'Error: Could not process rule: No such file or directory\n' });
    return true;
  });
});

test('paths that leave their place are refused', async () => {
  const cases = [
    { kind: 'sysctl', path: '../../etc/passwd', value: 'x' },
    { kind: 'sysctl', path: '/proc/sys/net/ipv4/ip_forward', value: '1' },
    { kind: 'write-file', path: 'etc/relative', content: '' },
    { kind: 'write-file', path: '/etc/../../outside', content: '' },
    { kind: 'delete-file', path: '/etc/a/../../b' },
  ] as const;
  for (const action of cases) {
    await assert.rejects(executeHostAction(action, { root: '/nonexistent', run: recorder().run }), ActionError, JSON.stringify(action));
  }
});

test('file writes go under root atomically, keep the mode, and a backup restores the previous bytes', async () => {
  await withRoot(async (root) => {
    await mkdir(join(root, 'etc'));
    await writeFile(join(root, 'etc', 'keep.conf'), 'old\n');
    await chmod(join(root, 'etc', 'keep.conf'), 0o600);
    const before = await listFiles(root);
    const backups = [await takeFileBackup('/etc/keep.conf', root), await takeFileBackup('/etc/new/dir/x.conf', root)];
    assert.deepEqual(backups[1], { path: '/etc/new/dir/x.conf', previous: null, missingDirs: ['/etc/new/dir', '/etc/new'] });

    await executeHostAction({ kind: 'write-file', path: '/etc/keep.conf', content: 'new\n' }, { root });
    await executeHostAction({ kind: 'write-file', path: '/etc/new/dir/x.conf', content: 'x\n' }, { root });
    assert.equal(await readFile(join(root, 'etc', 'keep.conf'), 'utf8'), 'new\n');
    assert.equal((await stat(join(root, 'etc', 'keep.conf'))).mode & 0o777, 0o600);
    assert.deepEqual(Object.keys(await listFiles(root)).sort(), ['/etc/', '/etc/keep.conf', '/etc/new/', '/etc/new/dir/', '/etc/new/dir/x.conf']);

    for (const backup of backups.reverse()) await restoreFileBackup(backup, root);
    assert.deepEqual(await listFiles(root), before);

    await executeHostAction({ kind: 'delete-file', path: '/etc/keep.conf' }, { root });
    await assert.rejects(executeHostAction({ kind: 'delete-file', path: '/etc/keep.conf' }, { root }), /delete \/etc\/keep.conf failed: ENOENT/);
  });
});
