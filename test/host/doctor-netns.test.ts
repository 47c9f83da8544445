// `pbr doctor --netns` on a namespace made for it, in-process, and every capability trial run for real on this kernel.
// Needs root and `ip netns`; skips otherwise, unless PBR_REQUIRE_NETNS=1 (then it fails).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../../src/cli/main.ts';
import { runCapabilityTrials } from '../../src/host/doctor-kernel.ts';
import { runProgram } from '../../src/host/exec.ts';
import { KERNEL_CAPABILITIES } from '../../src/lint/doctor/kernel-capabilities.ts';
import { memoryIo } from '../cli/memory-io.ts';

const NETNS = `pbrdoc-t-${process.pid}`;
const TRIAL_PREFIX = `pbrdoc-tt-${process.pid}`;

async function ip(args: string): Promise<void> {
  const result = await runProgram(['ip', '-n', NETNS, ...args.split(' ')]);
  assert.equal(result.exitCode, 0, `ip -n ${NETNS} ${args}: ${result.stderr}`);
}

async function sysctl(assignment: string): Promise<void> {
  const result = await runProgram(['ip', 'netns', 'exec', NETNS, 'sysctl', '-qw', assignment]);
  assert.equal(result.exitCode, 0, result.stderr);
}

/** Why the test cannot run here, or undefined. */
async function cannotRun(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'not root (network namespaces need root)';
  const listed = await runProgram(['ip', 'netns', 'list']).catch((error: Error) => ({ exitCode: -1, stderr: error.message }));
  return listed.exitCode === 0 ? undefined : `ip netns does not work: ${listed.stderr.trim()}`;
}

async function skipUnlessRoot(t: { skip: (reason: string) => void }): Promise<boolean> {
  const reason = await cannotRun();
  if (reason === undefined) return false;
  if (process.env['PBR_REQUIRE_NETNS'] === '1') assert.fail(`PBR_REQUIRE_NETNS=1 but ${reason}`);
  t.skip(reason);
  return true;
}

async function namespaces(): Promise<string[]> {
  const listed = await runProgram(['ip', 'netns', 'list']);
  return listed.stdout.split('\n').map((line) => line.split(' ')[0] ?? '').filter((name) => name !== '');
}

interface DoctorJson {
  kernelRelease: string;
  netns: string;
  kernel: { sources: string[]; capabilities: { id: string; verdict: string; source: string; evidence: string }[] };
  tools: { id: string; present: boolean; version?: string }[];
  sysctls: { name: string; value: string; status: string; hint?: string }[];
  lint: { id: string; severity: string; objects: string[] }[];
  notes: string[];
  summary: { errors: number; warnings: number; notes: number; status: number };
}

test('pbr doctor --netns: kernel capabilities yes, the namespace\'s sysctls, lint on its state', { timeout: 60_000 }, async (t) => {
  if (await skipUnlessRoot(t)) return;
  const added = await runProgram(['ip', 'netns', 'add', NETNS]);
  assert.equal(added.exitCode, 0, added.stderr);
  try {
    await ip('link set lo up');
    await ip('link add wan1 type veth peer name wan1p');
    await ip('link add wan2 type veth peer name wan2p');
    for (const dev of ['wan1', 'wan1p', 'wan2', 'wan2p']) await ip(`link set ${dev} up`);
    await ip('addr add 192.0.2.2/24 dev wan1');
    await ip('addr add 198.51.100.2/24 dev wan2');
    await ip('route add default via 192.0.2.1');
    await ip('route add default via 198.51.100.1 table 200');
    await ip('rule add pref 100 fwmark 0x2 lookup 200');
    await ip('rule add pref 110 from 10.9.9.9 lookup 300');
    await sysctl('net.ipv4.conf.all.rp_filter=1');
    await sysctl('net.ipv4.conf.wan2.log_martians=1');

    const io = memoryIo();
    const status = await runCli(['doctor', '--netns', NETNS, '-j'], io);
    assert.equal(io.stderr.text, '');
    const doc = JSON.parse(io.stdout.text) as DoctorJson;
    assert.equal(doc.netns, NETNS);
    assert.match(doc.kernelRelease, /^\d+\.\d+/);
    assert.deepEqual(doc.kernel.capabilities.map((c) => c.id), KERNEL_CAPABILITIES.map((d) => d.id));
    assert.deepEqual(doc.kernel.capabilities.filter((c) => c.verdict !== 'yes'), []);
    assert.ok(doc.tools.find((tool) => tool.id === 'iproute2')?.present);

    const rpWan2 = doc.sysctls.find((s) => s.name === 'net.ipv4.conf.wan2.rp_filter');
    assert.deepEqual([rpWan2?.value, rpWan2?.status], ['1 (strict; all=1, wan2=0: max)', 'note']);
    const martians = doc.sysctls.find((s) => s.name === 'net.ipv4.conf.*.log_martians');
    assert.deepEqual([martians?.value, martians?.status, martians?.hint], ['0 (all=0, wan1=0, wan2=1: or)', 'note', 'rp_filter drops on wan1 leave no trace; sysctl -w net.ipv4.conf.all.log_martians=1, then pbr explain-log reads the lines']);

    const emptyTable = doc.lint.find((f) => f.id === 'rule-table-empty');
    assert.ok(emptyTable?.objects.includes('rule 110'), JSON.stringify(doc.lint));
    assert.equal(status, 1);
    assert.equal(doc.summary.status, 1);

    const text = memoryIo();
    assert.equal(await runCli(['doctor', '--netns', NETNS], text), 1);
    assert.match(text.stdout.text, new RegExp(`\\nSysctls \\(namespace ${NETNS}\\)\\n`));
    assert.match(text.stdout.text, /\n {2}✗ warning rule-table-empty: .*\n {6}fix: /);
  } finally {
    await runProgram(['ip', 'netns', 'delete', NETNS]);
  }
});

test('every capability trial succeeds on this kernel, and leaves no namespace behind', { timeout: 60_000 }, async (t) => {
  if (await skipUnlessRoot(t)) return;
  const outcomes = await runCapabilityTrials(KERNEL_CAPABILITIES, { prefix: TRIAL_PREFIX });
  assert.deepEqual(
    KERNEL_CAPABILITIES.map((d) => [d.id, outcomes.get(d.id)]),
    KERNEL_CAPABILITIES.map((d) => [d.id, { ok: true }]),
  );
  assert.deepEqual((await namespaces()).filter((name) => name.startsWith(TRIAL_PREFIX)), []);
});

test('a trial that the kernel refuses comes out as a failure', { timeout: 60_000 }, async (t) => {
  if (await skipUnlessRoot(t)) return;
  const refused = { ...KERNEL_CAPABILITIES[0]!, id: 'refused', trial: { steps: [['ip', '-n', 'NS', 'route', 'add', '203.0.113.0/24', 'via', '192.0.2.1', 'table', '100']] } };
  const outcome = (await runCapabilityTrials([refused], { prefix: TRIAL_PREFIX })).get('refused');
  assert.equal(outcome?.ok, false);
  // no interface reaches the gateway in an empty namespace
  assert.match(outcome?.error ?? '', /Nexthop has invalid gateway|Network is unreachable/);
  assert.deepEqual((await namespaces()).filter((name) => name.startsWith(TRIAL_PREFIX)), []);
});
