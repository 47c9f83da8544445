import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Plan, PlannedChange } from '../model/plan.ts';
import { applyPlan, exitCodeOfApply, type ApplyOptions } from './apply-plan.ts';
import { addChange, createFakeHost, listFiles, type FakeHost } from './apply-test-support.ts';
import { readLastJournal, type Journal } from './journal.ts';
import { LockBusyError } from './lock.ts';
import { readApplyStatus, rollbackLast } from './rollback.ts';

/** rule, route, nft, sysctl, a new file in a new directory, and an existing file with its own mode. */
function samplePlan(): PlannedChange[] {
  return [
    addChange('rule', 'rule-1000'),
    addChange('route', 'route-isp1-default'),
    { object: 'nft', action: 'add', summary: 'add nft table inet pbr', apply: [{ kind: 'run', argv: ['add', 'nft-pbr'], stdin: 'table inet pbr {}\n' }], revert: [{ kind: 'run', argv: ['del', 'nft-pbr'] }] },
    { object: 'sysctl', action: 'set', summary: 'set net.ipv4.ip_forward 1', apply: [{ kind: 'sysctl', path: 'net/ipv4/ip_forward', value: '1' }], revert: [{ kind: 'sysctl', path: 'net/ipv4/ip_forward', value: '0' }] },
    { object: 'file', action: 'add', summary: 'write rt_tables.d/pbr.conf', apply: [{ kind: 'write-file', path: '/etc/iproute2/rt_tables.d/pbr.conf', content: '100 isp1\n' }], revert: [{ kind: 'delete-file', path: '/etc/iproute2/rt_tables.d/pbr.conf' }] },
    { object: 'file', action: 'replace', summary: 'rewrite /etc/existing.conf', apply: [{ kind: 'write-file', path: '/etc/existing.conf', content: 'new\n' }], revert: [{ kind: 'write-file', path: '/etc/existing.conf', content: 'old\n' }] },
  ];
}

const STEP_COMMANDS = ['add rule-1000', 'add route-isp1-default', 'add nft-pbr', 'tee /proc/sys/net/ipv4/ip_forward'];

async function withHost(body: (host: FakeHost, options: ApplyOptions) => Promise<void>): Promise<void> {
  const host = await createFakeHost();
  try {
    await mkdir(join(host.root, 'etc'), { recursive: true });
    await writeFile(join(host.root, 'etc', 'existing.conf'), 'old, not what the revert says\n');
    await chmod(join(host.root, 'etc', 'existing.conf'), 0o640);
    await body(host, { root: host.root, run: host.run });
  } finally {
    await host.dispose();
  }
}

async function hostState(host: FakeHost): Promise<unknown> {
  return { objects: [...host.objects].sort(), sysctls: [...host.sysctls], files: await listFiles(host.root) };
}

const plan = (changes: PlannedChange[]): Plan => ({ changes, conflicts: [] });

test('applyPlan runs every step in order and keeps the journal as the last apply', async () => {
  await withHost(async (host, options) => {
    const seen: { command: string; steps: readonly { step: number; status: string; revert: unknown }[] }[] = [];
    host.onRun = async (command) => {
      const journal = await readLastJournal(host.stateDir);
      seen.push({ command, steps: journal?.steps.map((s) => ({ step: s.step, status: s.status, revert: s.revert })) ?? [] });
    };
    const result = await applyPlan(plan(samplePlan()), options);
    assert.equal(result.kind, 'applied');
    assert.equal(exitCodeOfApply(result), 0);
    assert.deepEqual(host.calls, STEP_COMMANDS);
    // before each command, the journal on disk already holds its step as running, with its inverse
    for (const [i, { command, steps }] of seen.entries()) {
      assert.equal(steps.length, i + 1, command);
      assert.deepEqual(steps.slice(0, i).map((s) => s.status), Array(i).fill('done'));
      assert.equal(steps[i]?.status, 'running');
      assert.deepEqual(steps[i]?.revert, samplePlan()[i]?.revert);
    }
    const journal = (await readLastJournal(host.stateDir)) as Journal;
    assert.equal(journal.state, 'applied');
    assert.deepEqual(journal.steps.map((s) => s.status), Array(6).fill('done'));
    assert.deepEqual(journal.steps[5]?.files, [{ path: '/etc/existing.conf', previous: { content: 'old, not what the revert says\n', mode: 0o640 }, missingDirs: [] }]);
    assert.deepEqual(journal.steps[4]?.files, [{ path: '/etc/iproute2/rt_tables.d/pbr.conf', previous: null, missingDirs: ['/etc/iproute2/rt_tables.d', '/etc/iproute2'] }]);
    assert.equal(await readFile(join(host.root, 'etc/iproute2/rt_tables.d/pbr.conf'), 'utf8'), '100 isp1\n');
    assert.equal(host.sysctls.get('/proc/sys/net/ipv4/ip_forward'), '1\n');
    assert.equal((await readApplyStatus(options))?.confirm, 'none');
  });
});

test('a failure at any step restores the previous state exactly (command fails, or injected before/after the step)', async () => {
  const failures: { name: string; at: (step: number) => Partial<ApplyOptions> & { failing?: string } }[] = [
    { name: 'injected before', at: (step) => ({ injectFailure: { step, when: 'before' } }) },
    { name: 'injected after', at: (step) => ({ injectFailure: { step, when: 'after' } }) },
  ];
  for (let step = 1; step <= 6; step++) {
    const cases = step <= 4 ? [...failures, { name: 'command fails', at: () => ({ failing: STEP_COMMANDS[step - 1]! }) }] : failures;
    for (const failure of cases) {
      await withHost(async (host, options) => {
        const before = await hostState(host);
        const { failing, ...extra } = failure.at(step);
        if (failing !== undefined) host.failing.add(failing);
        const result = await applyPlan(plan(samplePlan()), { ...options, ...extra });
        const label = `step ${step}, ${failure.name}`;
        assert.equal(result.kind, 'rolled-back', label);
        assert.equal(exitCodeOfApply(result), 5);
        if (result.kind !== 'rolled-back' || result.cause.kind !== 'step') throw new Error(label);
        assert.equal(result.cause.step, step, label);
        if (failing !== undefined) assert.match(result.cause.failure.stderr, /Operation not permitted/);
        assert.deepEqual(result.notes, [], label);
        assert.deepEqual(await hostState(host), before, label);
        const journal = (await readLastJournal(host.stateDir)) as Journal;
        assert.equal(journal.state, 'rolled-back', label);
        assert.ok(journal.steps.every((s) => s.status === 'reverted'), label);
      });
    }
  }
});

test('a revert that fails stops the rollback, keeps the journal, and pbr rollback finishes it later', async () => {
  await withHost(async (host, options) => {
    const before = await hostState(host);
    host.failing.add('add nft-pbr');
    host.failing.add('del rule-1000');
    const result = await applyPlan(plan(samplePlan()), options);
    assert.equal(result.kind, 'rollback-failed');
    assert.equal(exitCodeOfApply(result), 6);
    if (result.kind !== 'rollback-failed') return;
    assert.deepEqual([result.revert.step, result.revert.failure.what], [1, 'del rule-1000']);
    let journal = (await readLastJournal(host.stateDir)) as Journal;
    assert.equal(journal.state, 'rollback-failed');
    assert.deepEqual(journal.steps.map((s) => s.status), ['done', 'reverted', 'reverted']);
    // a new apply refuses to start on top of a half-undone one
    await assert.rejects(applyPlan(plan([addChange('rule', 'other')]), options), /did not finish \(rollback-failed\)/);

    host.failing.clear();
    const retried = await rollbackLast(options);
    assert.equal(retried.kind, 'rolled-back');
    assert.deepEqual(await hostState(host), before);
    journal = (await readLastJournal(host.stateDir)) as Journal;
    assert.equal(journal.state, 'rolled-back');
    assert.equal((await rollbackLast(options)).kind, 'nothing');
  });
});

test('pbr rollback undoes a whole successful apply, newest step first', async () => {
  await withHost(async (host, options) => {
    const before = await hostState(host);
    assert.equal((await applyPlan(plan(samplePlan()), options)).kind, 'applied');
    host.calls.length = 0;
    const result = await rollbackLast(options);
    assert.equal(result.kind, 'rolled-back');
    assert.deepEqual(host.calls, ['tee /proc/sys/net/ipv4/ip_forward', 'del nft-pbr', 'del route-isp1-default', 'del rule-1000']);
    assert.deepEqual(await hostState(host), before);
  });
});

test('a step cut short is undone tolerantly: its inverse may meet what never happened', async () => {
  await withHost(async (host, options) => {
    const before = await hostState(host);
    const twoActions: PlannedChange = {
      object: 'route', action: 'replace', summary: 'replace route x', apply: [{ kind: 'run', argv: ['add', 'x1'] }, { kind: 'run', argv: ['add', 'x2'] }],
      revert: [{ kind: 'run', argv: ['del', 'x2'] }, { kind: 'run', argv: ['del', 'x1'] }],
    };
    host.failing.add('add x2');
    const result = await applyPlan(plan([addChange('rule', 'r'), twoActions]), options);
    assert.equal(result.kind, 'rolled-back');
    if (result.kind !== 'rolled-back') return;
    assert.equal(result.notes.length, 1);
    assert.match(result.notes[0]!, /step 2 \(partly applied\): del x2/);
    assert.deepEqual(await hostState(host), before);
  });
});

test('conflicts refuse the plan before anything runs; an empty plan changes nothing', async () => {
  await withHost(async (host, options) => {
    const conflicts = [{ object: 'rule' as const, message: 'priority 1000 is used by a foreign rule', hint: 'choose another priority range' }];
    const refused = await applyPlan({ changes: samplePlan(), conflicts }, options);
    assert.deepEqual(refused, { kind: 'refused', conflicts });
    assert.equal(exitCodeOfApply(refused), 3);
    assert.deepEqual(host.calls, []);
    assert.deepEqual(await applyPlan(plan([]), options), { kind: 'unchanged' });
    assert.equal(await readLastJournal(host.stateDir), undefined);
  });
});

test('a failed verification rolls the apply back', async () => {
  await withHost(async (host, options) => {
    const before = await hostState(host);
    const result = await applyPlan(plan(samplePlan()), { ...options, verify: () => Promise.resolve(['ssh-via-isp2: tcp/22 leaves by wan1, not wan2']) });
    assert.equal(result.kind, 'rolled-back');
    if (result.kind === 'rolled-back') assert.deepEqual(result.cause, { kind: 'verify', problems: ['ssh-via-isp2: tcp/22 leaves by wan1, not wan2'] });
    assert.deepEqual(await hostState(host), before);
    assert.match((await readLastJournal(host.stateDir))?.rollbackReason ?? '', /verification found 1 problem/);
  });
});

test('the lock: a live holder refuses a second apply, a dead one is taken over', async () => {
  await withHost(async (host, options) => {
    await mkdir(host.stateDir, { recursive: true });
    await writeFile(join(host.stateDir, 'lock'), `${process.pid}\n`);
    await assert.rejects(applyPlan(plan(samplePlan()), options), (error: unknown) => error instanceof LockBusyError && error.exitCode === 4);
    assert.deepEqual(host.calls, []);

    const dead = spawnSync('true').pid;
    await writeFile(join(host.stateDir, 'lock'), `${dead}\n`);
    const messages: string[] = [];
    assert.equal((await applyPlan(plan(samplePlan()), { ...options, onMessage: (m) => messages.push(m) })).kind, 'applied');
    assert.deepEqual(messages, [`taking over the lock ${join(host.stateDir, 'lock')} of pid ${dead}, which is no longer running`]);
    await assert.rejects(readFile(join(host.stateDir, 'lock')), /ENOENT/);
  });
});

test('two applies at once: the second is refused while the first runs', async () => {
  await withHost(async (host, options) => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    host.onRun = async () => {
      started();
      await gate;
    };
    const first = applyPlan(plan([addChange('rule', 'a')]), options);
    await running;
    await assert.rejects(applyPlan(plan([addChange('rule', 'b')]), options), LockBusyError);
    release();
    assert.equal((await first).kind, 'applied');
    assert.deepEqual(host.calls, ['add a']);
  });
});

test('commands and sysctls run inside the namespace given', async () => {
  await withHost(async (host, options) => {
    const result = await applyPlan(plan(samplePlan().slice(0, 4)), { ...options, netns: 'pbra-x' });
    assert.equal(result.kind, 'applied');
    assert.deepEqual(host.calls, STEP_COMMANDS.map((c) => `${c} @pbra-x`));
    host.calls.length = 0;
    assert.equal((await rollbackLast(options)).kind, 'rolled-back');
    assert.ok(host.calls.every((c) => c.endsWith(' @pbra-x')), host.calls.join('; '));
  });
});
