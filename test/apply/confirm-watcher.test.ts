// apply --confirm with a real detached watcher process (`pbr rollback --unless-confirmed ID`), and the CLI's
// confirm, status and rollback on the journal it leaves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyPlan } from '../../src/apply/apply-plan.ts';
import { confirmWatcherArgv, spawnConfirmWatcher } from '../../src/apply/confirm-watcher.ts';
import { readApplyStatus, type ApplyStatus } from '../../src/apply/rollback.ts';
import { runCli } from '../../src/cli/main.ts';
import type { Plan } from '../../src/model/plan.ts';
import { memoryIo } from '../cli/memory-io.ts';

const PBR = [process.execPath, '--import', 'tsx', join(import.meta.dirname, 'pbr-cli.ts')];

const PLAN: Plan = {
  conflicts: [],
  changes: [
    { object: 'file', action: 'add', summary: 'write /etc/iproute2/rt_tables.d/pbr.conf', apply: [{ kind: 'write-file', path: '/etc/iproute2/rt_tables.d/pbr.conf', content: '100\tisp1\n' }], revert: [{ kind: 'delete-file', path: '/etc/iproute2/rt_tables.d/pbr.conf' }] },
  ],
};

async function withRoot(body: (root: string) => Promise<void>): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'pbr-confirm-'));
  try {
    await body(root);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** Applies PLAN under root with --confirm, the watcher a detached pbr process; returns when the apply returns. */
async function applyWithWatcher(root: string, seconds: number): Promise<string> {
  const result = await applyPlan(PLAN, {
    root,
    confirm: { seconds, startWatcher: (id) => spawnConfirmWatcher(confirmWatcherArgv(PBR, id, { root }), id, { root }) },
  });
  assert.equal(result.kind, 'applied', JSON.stringify(result));
  return result.kind === 'applied' ? result.journalId : '';
}

async function waitForState(root: string, done: (s: ApplyStatus | undefined) => boolean, ms: number): Promise<ApplyStatus | undefined> {
  const until = Date.now() + ms;
  for (;;) {
    const status = await readApplyStatus({ root });
    if (done(status) || Date.now() > until) return status;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('the detached watcher rolls back an unconfirmed apply at the deadline', { timeout: 30_000 }, async () => {
  await withRoot(async (root) => {
    const id = await applyWithWatcher(root, 1.5);
    assert.equal(await readFile(join(root, 'etc/iproute2/rt_tables.d/pbr.conf'), 'utf8'), '100\tisp1\n');
    const io = memoryIo();
    assert.equal(await runCli(['status', '--root', root], io), 0);
    assert.match(io.stdout.text, new RegExp(`last apply: ${id}\\nstate: applied\\n.*\\nconfirmation: awaiting \`pbr confirm\` until `));
    const status = await waitForState(root, (s) => s?.state === 'rolled-back', 15_000);
    assert.equal(status?.state, 'rolled-back', await readFile(join(root, 'run/pbr', `watcher-${id}.log`), 'utf8').catch(() => ''));
    await assert.rejects(readFile(join(root, 'etc/iproute2/rt_tables.d/pbr.conf')), /ENOENT/);
    const log = await readFile(join(root, 'run/pbr', `watcher-${id}.log`), 'utf8');
    assert.match(log, new RegExp(`pbr rollback: rolled back ${id}`));
    const late = memoryIo();
    assert.equal(await runCli(['confirm', '--root', root], late), 4);
    assert.match(late.stderr.text, /too late: the apply .* is rolled-back \(not confirmed by /);
  });
});

test('pbr confirm before the deadline keeps the apply; the watcher leaves it', { timeout: 30_000 }, async () => {
  await withRoot(async (root) => {
    const id = await applyWithWatcher(root, 1.5);
    const io = memoryIo();
    assert.equal(await runCli(['confirm', '--root', root], io), 0, io.stderr.text);
    assert.match(io.stderr.text, new RegExp(`pbr confirm: kept ${id}`));
    // the watcher's log says it looked and kept the apply
    const logPath = join(root, 'run/pbr', `watcher-${id}.log`);
    const until = Date.now() + 15_000;
    let log = '';
    while (!log.includes('kept') && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      log = await readFile(logPath, 'utf8').catch(() => '');
    }
    assert.match(log, new RegExp(`pbr rollback: kept ${id}: confirmed at `));
    assert.equal(await readFile(join(root, 'etc/iproute2/rt_tables.d/pbr.conf'), 'utf8'), '100\tisp1\n');
    const status = memoryIo();
    assert.equal(await runCli(['status', '-j', '--root', root], status), 0);
    assert.equal((JSON.parse(status.stdout.text) as ApplyStatus).confirm, 'confirmed');
    // and pbr rollback still undoes it on request
    const undo = memoryIo();
    assert.equal(await runCli(['rollback', '--root', root], undo), 0, undo.stderr.text);
    await assert.rejects(readFile(join(root, 'etc/iproute2/rt_tables.d/pbr.conf')), /ENOENT/);
    const again = memoryIo();
    assert.equal(await runCli(['rollback', '--root', root], again), 0);
    assert.match(again.stderr.text, /nothing to undo: the last apply .* is already rolled back/);
  });
});
