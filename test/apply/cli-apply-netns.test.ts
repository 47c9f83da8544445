// pbr plan / apply / rollback / apply --confirm through the CLI on a namespace with two uplinks: re-apply is a
// no-op, and a failure injected at every step (PBR_FAIL_STEP) leaves a capture equal to the one before, foreign
// rule and nft table untouched. Needs root and `ip netns`; skips otherwise, unless PBR_REQUIRE_NETNS=1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readApplyStatus } from '../../src/apply/rollback.ts';
import { runProgram } from '../../src/host/exec.ts';
import { runCli } from '../../src/cli/main.ts';
import type { Plan } from '../../src/model/plan.ts';
import { memoryIo } from '../cli/memory-io.ts';
import { captureComparable, settledCapture } from './comparable-snapshot.ts';

const NETNS = `pbra-cli-${process.pid}`;
const PBR = [process.execPath, '--import', 'tsx', join(import.meta.dirname, 'pbr-cli.ts')];

const INTENT = `uplinks:
  isp1: { interface: wan1, gateway: 192.0.2.1 }
  isp2: { interface: wan2, gateway: 198.51.100.1 }
policies:
  - name: ssh-via-isp2
    match: { proto: tcp, dport: 22 }
    via: isp2
  - name: web-via-isp1
    match: { proto: tcp, dport: [80, 443] }
    via: isp1
  - name: office
    match: { src: 10.0.0.0/24 }
    via: { balance: { isp1: 3, isp2: 1 } }
default: isp1
`;

async function inNetns(argv: readonly string[], input?: string): Promise<void> {
  const result = await runProgram(argv, { netns: NETNS, ...(input === undefined ? {} : { input }) });
  assert.equal(result.exitCode, 0, `${argv.join(' ')}: ${result.stderr}`);
}



async function pbr(args: readonly string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = memoryIo();
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    const code = await runCli(args, io);
    return { code, stdout: io.stdout.text, stderr: io.stderr.text };
  } finally {
    for (const key of Object.keys(env)) if (saved[key] === undefined) delete process.env[key];
  }
}

test('pbr apply in a namespace: no-op re-apply, rollback, failure at every step, --confirm after the apply exits', { timeout: 300_000 }, async (t) => {
  if (process.getuid?.() !== 0) {
    if (process.env['PBR_REQUIRE_NETNS'] === '1') assert.fail('PBR_REQUIRE_NETNS=1 but not root');
    t.skip('not root (network namespaces need root)');
    return;
  }
  const added = await runProgram(['ip', 'netns', 'add', NETNS]);
  if (added.exitCode !== 0) {
    if (process.env['PBR_REQUIRE_NETNS'] === '1') assert.fail(`ip netns add failed: ${added.stderr}`);
    t.skip(`ip netns add failed: ${added.stderr.trim()}`);
    return;
  }
  const root = await mkdtemp(join(tmpdir(), 'pbra-cli-root-'));
  try {
    await inNetns(['ip', 'link', 'set', 'lo', 'up']);
    for (const [dev, peer] of [['wan1', 'p1'], ['wan2', 'p2']] as const) {
      await inNetns(['ip', 'link', 'add', dev, 'type', 'veth', 'peer', 'name', peer]);
      for (const link of [dev, peer]) {
        await inNetns(['ip', 'link', 'set', link, 'addrgenmode', 'none']);
        await inNetns(['ip', 'link', 'set', link, 'up']);
      }
    }
    await inNetns(['ip', 'addr', 'add', '192.0.2.2/24', 'dev', 'wan1']);
    await inNetns(['ip', 'addr', 'add', '198.51.100.2/24', 'dev', 'wan2']);
    await inNetns(['ip', 'route', 'add', 'default', 'via', '192.0.2.1']);
    await inNetns(['sysctl', '-qw', 'net.ipv4.conf.wan1.rp_filter=1']);
    // foreign objects pbr must leave alone
    await inNetns(['ip', 'rule', 'add', 'pref', '500', 'from', '10.9.0.0/16', 'lookup', '200']);
    await inNetns(['ip', 'route', 'add', '10.9.0.0/16', 'via', '192.0.2.3', 'table', '200']);
    await inNetns(['nft', '-f', '-'], 'table inet foreign {\n  chain output { type route hook output priority mangle; meta mark set 0x7; }\n}\n');
    const intent = join(root, 'pbr.yaml');
    await writeFile(intent, INTENT);
    const common = ['-c', intent, '--netns', NETNS, '--root', root];

    // a foreign rule that overwrites pbr's mark bits: a conflict, and nothing changes
    const clashing = await settledCapture(NETNS);
    const refused = await pbr(['apply', ...common]);
    assert.equal(refused.code, 3, refused.stderr);
    assert.match(refused.stderr, /refused, nothing changed: 1 conflict .*\n  mark: nft table inet foreign chain output changes mark bits pbr owns/);
    assert.deepEqual(await captureComparable(NETNS), clashing);
    assert.equal(await readApplyStatus({ root }), undefined);
    await inNetns(['nft', '-f', '-'], 'flush chain inet foreign output\nadd rule inet foreign output meta mark set meta mark or 0x7\n');
    const before = await settledCapture(NETNS);

    const planned = await pbr(['plan', '-j', ...common]);
    assert.equal(planned.code, 1, planned.stderr);
    const plan = JSON.parse(planned.stdout) as Plan;
    assert.ok(plan.changes.length > 10, planned.stdout);

    const applied = await pbr(['apply', ...common]);
    assert.equal(applied.code, 0, applied.stderr);
    const journalId = (await readApplyStatus({ root }))?.journalId;
    const replanned = await pbr(['plan', ...common]);
    assert.deepEqual([replanned.code, replanned.stdout], [0, 'no changes: the host is as the intent says\n'], replanned.stderr);
    const reapplied = await pbr(['apply', ...common]);
    assert.equal(reapplied.code, 0, reapplied.stderr);
    assert.match(reapplied.stderr, /no changes: the host is already as the intent says/);
    assert.equal((await readApplyStatus({ root }))?.journalId, journalId);

    const rolledBack = await pbr(['rollback', '--root', root]);
    assert.equal(rolledBack.code, 0, rolledBack.stderr);
    assert.deepEqual(await captureComparable(NETNS), before, 'after pbr rollback');
    await assert.rejects(readFile(join(root, 'etc/iproute2/rt_tables.d/pbr.conf')), /ENOENT/);

    for (let k = 1; k <= plan.changes.length; k++) {
      for (const when of ['before', 'after']) {
        const failed = await pbr(['apply', ...common], { PBR_FAIL_STEP: `${k}:${when}` });
        assert.equal(failed.code, 5, `step ${k} ${when}: ${failed.stderr}`);
        assert.match(failed.stderr, new RegExp(`step ${k} \\(.*\\) failed: .*injected failure ${when} step ${k}`));
        assert.deepEqual(await captureComparable(NETNS), before, `step ${k} (${plan.changes[k - 1]?.summary}) failing ${when} it ran`);
      }
    }

    // --confirm from a pbr process that exits at once: its detached watcher rolls back at the deadline
    const confirmRun = spawnSync(PBR[0]!, [...PBR.slice(1), 'apply', '--confirm', '2', ...common], { encoding: 'utf8' });
    assert.equal(confirmRun.status, 0, confirmRun.stderr);
    assert.match(confirmRun.stderr, /rolls back at .* unless you run `pbr confirm`/);
    assert.notDeepEqual(await captureComparable(NETNS), before);
    const until = Date.now() + 20_000;
    while ((await readApplyStatus({ root }))?.state !== 'rolled-back' && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal((await readApplyStatus({ root }))?.state, 'rolled-back');
    assert.deepEqual(await captureComparable(NETNS), before, 'after the confirm watcher rolled back');
  } finally {
    await runProgram(['ip', 'netns', 'del', NETNS]);
    await rm(root, { recursive: true, force: true });
  }
});
