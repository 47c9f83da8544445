import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Plan } from '../model/plan.ts';
import { applyPlan } from './apply-plan.ts';
import { createFakeHost, type FakeHost } from './apply-test-support.ts';
import { confirmApply, readApplyStatus, rollbackLast, rollbackUnlessConfirmed, type RollbackResult } from './rollback.ts';

const PLAN: Plan = {
  changes: [
    { object: 'rule', action: 'add', summary: 'add rule r', apply: [{ kind: 'run', argv: ['add', 'r'] }], revert: [{ kind: 'run', argv: ['del', 'r'] }] },
    { object: 'file', action: 'add', summary: 'write /etc/pbr-test', apply: [{ kind: 'write-file', path: '/etc/pbr-test', content: 'x\n' }], revert: [{ kind: 'delete-file', path: '/etc/pbr-test' }] },
  ],
  conflicts: [],
};

async function withHost(body: (host: FakeHost) => Promise<void>): Promise<void> {
  const host = await createFakeHost();
  try {
    await body(host);
  } finally {
    await host.dispose();
  }
}

/** Applies PLAN with --confirm; the watcher runs in this process (the detached process is tested through the CLI). */
async function applyWithConfirm(host: FakeHost, seconds: number): Promise<{ watcher: Promise<RollbackResult> }> {
  let watcher: Promise<RollbackResult> | undefined;
  const options = { root: host.root, run: host.run };
  const result = await applyPlan(PLAN, {
    ...options,
    confirm: {
      seconds,
      startWatcher: (id) => {
        watcher = rollbackUnlessConfirmed(id, options);
        return Promise.resolve();
      },
    },
  });
  assert.equal(result.kind, 'applied', JSON.stringify(result));
  assert.ok(watcher);
  return { watcher };
}

test('apply --confirm: without pbr confirm the watcher rolls back at the deadline', async () => {
  await withHost(async (host) => {
    const { watcher } = await applyWithConfirm(host, 0.3);
    const pending = await readApplyStatus({ root: host.root });
    assert.equal(pending?.confirm, 'pending');
    assert.equal(pending?.state, 'applied');
    assert.ok(host.objects.has('r'));
    // no new apply on top of an unconfirmed one
    await assert.rejects(applyPlan(PLAN, { root: host.root, run: host.run }), /awaits confirmation/);
    const outcome = await watcher;
    assert.equal(outcome.kind, 'rolled-back');
    assert.ok(!host.objects.has('r'));
    await assert.rejects(readFile(join(host.root, 'etc', 'pbr-test')), /ENOENT/);
    const status = await readApplyStatus({ root: host.root });
    assert.equal(status?.state, 'rolled-back');
    assert.match(status?.rollbackReason ?? '', /^not confirmed by /);
    await assert.rejects(confirmApply({ root: host.root }), /too late: the apply .* is rolled-back \(not confirmed by/);
  });
});

test('apply --confirm: pbr confirm in time keeps the apply, and the watcher leaves it', async () => {
  await withHost(async (host) => {
    const { watcher } = await applyWithConfirm(host, 0.3);
    const confirmed = await confirmApply({ root: host.root, now: () => new Date('2026-11-26T21:00:00Z') });
    assert.equal(confirmed.confirmedAt, '2026-11-26T21:00:00.000Z');
    const outcome = await watcher;
    assert.deepEqual(outcome, { kind: 'kept', journalId: confirmed.journalId, message: 'confirmed at 2026-11-26T21:00:00.000Z' });
    assert.ok(host.objects.has('r'));
    assert.equal((await readApplyStatus({ root: host.root }))?.confirm, 'confirmed');
    // confirming again is harmless; pbr rollback still undoes a confirmed apply
    assert.equal((await confirmApply({ root: host.root })).confirmedAt, '2026-11-26T21:00:00.000Z');
    assert.equal((await rollbackLast({ root: host.root, run: host.run })).kind, 'rolled-back');
    assert.ok(!host.objects.has('r'));
  });
});

test('apply --confirm: pbr rollback before the deadline, then the watcher finds nothing to do', async () => {
  await withHost(async (host) => {
    const { watcher } = await applyWithConfirm(host, 0.2);
    assert.equal((await rollbackLast({ root: host.root, run: host.run })).kind, 'rolled-back');
    const calls = host.calls.length;
    assert.equal((await watcher).kind, 'kept');
    assert.equal(host.calls.length, calls);
  });
});

test('a watcher that cannot start rolls the apply back at once', async () => {
  await withHost(async (host) => {
    const result = await applyPlan(PLAN, { root: host.root, run: host.run, confirm: { seconds: 60, startWatcher: () => Promise.reject(new Error('spawn pbr ENOENT')) } });
    assert.equal(result.kind, 'rolled-back');
    if (result.kind === 'rolled-back') assert.deepEqual(result.cause, { kind: 'watcher', message: 'cannot start the confirm watcher: spawn pbr ENOENT' });
    assert.ok(!host.objects.has('r'));
  });
});

test('status, rollback and confirm when pbr has applied nothing', async () => {
  await withHost(async (host) => {
    assert.equal(await readApplyStatus({ root: host.root }), undefined);
    assert.deepEqual(await rollbackLast({ root: host.root }), { kind: 'nothing', message: 'pbr has applied nothing (no journal)' });
    await assert.rejects(confirmApply({ root: host.root }), /no apply awaits confirmation/);
  });
});
