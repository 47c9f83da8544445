import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { memoryIo } from '../../test/cli/memory-io.ts';
import { KERNEL_CAPABILITIES, parseKernelConfig } from '../lint/doctor/kernel-capabilities.ts';
import { SystemError } from '../model/errors.ts';
import type { LintFinding } from '../model/lint.ts';
import type { SnapshotFile } from '../model/snapshot.ts';
import { runDoctor, type DoctorProbes } from './doctor-command.ts';
import { runCli } from './main.ts';

const SNAPSHOT = JSON.parse(readFileSync(new URL('../../test/fixtures/render/fresh/snapshot.json', import.meta.url), 'utf8')) as SnapshotFile;

const FULL_CONFIG = [
  'IP_MULTIPLE_TABLES', 'IP_ROUTE_MULTIPATH', 'IPV6', 'IPV6_MULTIPLE_TABLES', 'IPV6_SUBTREES', 'NF_TABLES', 'NFT_CT', 'NF_CONNTRACK_MARK',
  'NF_TABLES_IPV4', 'NF_NAT', 'NFT_NAT', 'NFT_MASQ', 'NETFILTER_XT_MARK', 'NETFILTER_XT_CONNMARK',
].map((o) => `CONFIG_${o}=y`).join('\n');

const EMPTY_TABLE: LintFinding = { id: 'rule-table-empty', severity: 'warning', message: 'rule 100 looks up table 300, which has no routes', hint: 'add a default route to table 300', objects: ['rule 100', 'table 300'] };

function probes(overrides: Partial<DoctorProbes> = {}): DoctorProbes & { trialsAsked: string[][] } {
  const trialsAsked: string[][] = [];
  return {
    trialsAsked,
    capture: () => Promise.resolve(SNAPSHOT),
    readKernelFacts: () => Promise.resolve({ config: { source: '/proc/config.gz', options: parseKernelConfig(FULL_CONFIG) }, sources: ['build config read from /proc/config.gz'] }),
    runTrials: (defs) => {
      trialsAsked.push(defs.map((d) => d.id));
      return Promise.resolve(new Map(defs.map((d) => [d.id, { ok: true }])));
    },
    probeTools: (defs) => Promise.resolve(new Map(defs.map((d) => [d.id, { installed: true, exitCode: 0, output: `${d.id} v1.2.3\n` }]))),
    runLint: () => [],
    ...overrides,
  };
}

test('pbr doctor: nothing at warning or above → exit 0, no trial when the config tells', async () => {
  const io = memoryIo();
  const p = probes();
  assert.equal(await runDoctor({ json: false }, io, p), 0);
  assert.deepEqual(p.trialsAsked, []);
  assert.match(io.stdout.text, /^Kernel 6\.18\.44-fc-v657\n/);
  assert.match(io.stdout.text, /✓ multipath routes \(balancing over uplinks\): yes \(CONFIG_IP_ROUTE_MULTIPATH=y in \/proc\/config\.gz\)/);
  assert.match(io.stdout.text, /Lint \(no findings\)\n {2}✓ nothing found\n/);
});

test('pbr doctor: a lint warning → exit 1, the finding with its fix', async () => {
  const io = memoryIo();
  assert.equal(await runDoctor({ json: false }, io, probes({ runLint: () => [EMPTY_TABLE] })), 1);
  assert.match(io.stdout.text, /✗ warning rule-table-empty: rule 100 looks up table 300, which has no routes\n {6}fix: add a default route to table 300\n/);
});

test('pbr doctor: a missing capability is a warning; without a config the trials decide', async () => {
  const io = memoryIo();
  const p = probes({
    readKernelFacts: () => Promise.resolve({ unreadable: 'no kernel config', sources: [] }),
    runTrials: (defs) => Promise.resolve(new Map(defs.map((d) => [d.id, d.id === 'multipath' ? { ok: false, failed: 'ip route add …', error: 'Error: Operation not supported.' } : { ok: true }]))),
  });
  assert.equal(await runDoctor({ json: true }, io, p), 1);
  const doc = JSON.parse(io.stdout.text) as { kernel: { sources: string[]; capabilities: { id: string; verdict: string; source: string }[] }; summary: { warnings: number; status: number } };
  assert.deepEqual(doc.kernel.capabilities.filter((c) => c.verdict !== 'yes').map((c) => [c.id, c.verdict, c.source]), [['multipath', 'no', 'trial']]);
  assert.equal(doc.kernel.capabilities.length, KERNEL_CAPABILITIES.length);
  assert.match(doc.kernel.sources.at(-1) ?? '', /^tried in throwaway namespaces: multiple-tables, /);
  assert.deepEqual([doc.summary.warnings, doc.summary.status], [1, 1]);
});

test('pbr doctor -j: one JSON object, no colour', async () => {
  const io = memoryIo();
  assert.equal(await runDoctor({ json: true, netns: 'r1' }, io, probes()), 0);
  const doc = JSON.parse(io.stdout.text) as Record<string, unknown>;
  assert.deepEqual(Object.keys(doc), ['kernelRelease', 'netns', 'kernel', 'tools', 'sysctls', 'lint', 'notes', 'summary']);
  assert.doesNotMatch(io.stdout.text, /\u001b\[/);
});

test('pbr doctor: a failed capture is a system error (exit 4)', async () => {
  const failing = probes({ capture: () => Promise.reject(new SystemError('every ip command failed')) });
  await assert.rejects(runDoctor({ json: false }, memoryIo(), failing), (error: unknown) => error instanceof SystemError && error.exitCode === 4);
  const io = memoryIo();
  assert.equal(await runCli(['doctor', '--netns', `pbrdoc-absent-${process.pid}`], io), 4);
  assert.match(io.stderr.text, /^pbr: cannot enter network namespace "pbrdoc-absent-\d+"/);
});

test('pbr doctor: usage errors', async () => {
  for (const argv of [['doctor', 'extra'], ['doctor', '--snapshot', 'x.json']]) {
    const io = memoryIo();
    assert.equal(await runCli(argv, io), 2, argv.join(' '));
  }
  const help = memoryIo();
  assert.equal(await runCli(['doctor', '--help'], help), 0);
  assert.match(help.stdout.text, /^Usage: pbr doctor \[--netns NAME\] \[-j\]/);
});
