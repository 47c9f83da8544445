import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { KERNEL_CAPABILITIES, type CapabilityDef } from '../lint/doctor/kernel-capabilities.ts';
import { readKernelFacts, runCapabilityTrials, type Runner } from './doctor-kernel.ts';
import type { ExecResult } from './exec.ts';

function enoent(path: string): Error {
  return Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
}

function files(contents: Readonly<Record<string, Buffer>>): (path: string) => Promise<Buffer> {
  return (path) => {
    const content = contents[path];
    return content ? Promise.resolve(content) : Promise.reject(enoent(path));
  };
}

test('readKernelFacts: /proc/config.gz is gunzipped; /proc/modules listed', async () => {
  const facts = await readKernelFacts('6.1.0-13-amd64', files({
    '/proc/config.gz': gzipSync('CONFIG_IP_MULTIPLE_TABLES=y\n'),
    '/proc/modules': Buffer.from('xt_mark 12288 0 - Live 0x0\n'),
  }));
  assert.equal(facts.config?.source, '/proc/config.gz');
  assert.equal(facts.config?.options.get('IP_MULTIPLE_TABLES'), 'y');
  assert.deepEqual([...(facts.modules ?? [])], ['xt_mark']);
  assert.deepEqual(facts.sources, ['build config read from /proc/config.gz', '1 modules loaded (/proc/modules)']);
});

test('readKernelFacts: /boot/config-RELEASE when there is no /proc/config.gz', async () => {
  const facts = await readKernelFacts('6.1.0-13-amd64', files({ '/boot/config-6.1.0-13-amd64': Buffer.from('# CONFIG_IPV6_SUBTREES is not set\n') }));
  assert.equal(facts.config?.source, '/boot/config-6.1.0-13-amd64');
  assert.equal(facts.config?.options.get('IPV6_SUBTREES'), 'n');
  assert.equal(facts.modules, undefined);
  assert.match(facts.sources[1] ?? '', /no \/proc\/modules: this kernel has no module support/);
});

test('readKernelFacts: neither config says why', async () => {
  const facts = await readKernelFacts('6.18.44', files({}));
  assert.equal(facts.config, undefined);
  assert.equal(facts.unreadable, 'no kernel config (/proc/config.gz: ENOENT, /boot/config-6.18.44: ENOENT)');
});

function result(argv: readonly string[], exitCode = 0, stderr = ''): ExecResult {
  return { argv, exitCode, stdout: '', stderr };
}

function def(id: string): CapabilityDef {
  const found = KERNEL_CAPABILITIES.find((d) => d.id === id);
  assert.ok(found, id);
  return found;
}

test('runCapabilityTrials: each trial in its own namespace, deleted afterwards, failing step reported', async () => {
  const calls: string[] = [];
  const inputs: string[] = [];
  const run: Runner = (argv, options) => {
    calls.push(argv.join(' '));
    if (options?.input !== undefined) inputs.push(options.input);
    const failing = argv.includes('route') && argv.includes('nexthop');
    return Promise.resolve(result(argv, failing ? 2 : 0, failing ? 'Error: Operation not supported.\n' : ''));
  };
  const outcomes = await runCapabilityTrials([def('fwmark-rules'), def('multipath'), def('nft-ct-mark')], { run, isRoot: true, programExists: () => Promise.resolve(true), prefix: 'pbrdoc-t' });
  assert.deepEqual(outcomes.get('fwmark-rules'), { ok: true });
  assert.deepEqual(outcomes.get('multipath'), {
    ok: false,
    failed: 'ip -n pbrdoc-t-1 route add 203.0.113.0/24 table 100 nexthop dev pbrdoc0 nexthop dev pbrdoc1',
    error: 'Error: Operation not supported.',
  });
  assert.deepEqual(outcomes.get('nft-ct-mark'), { ok: true });
  assert.deepEqual(calls.filter((c) => c.startsWith('ip netns ')), [
    'ip netns add pbrdoc-t-0', 'ip netns delete pbrdoc-t-0',
    'ip netns add pbrdoc-t-1', 'ip netns delete pbrdoc-t-1',
    'ip netns add pbrdoc-t-2', 'ip netns exec pbrdoc-t-2 nft -f -', 'ip netns delete pbrdoc-t-2',
  ]);
  assert.match(inputs[0] ?? '', /ct mark 0x1 ct mark set meta mark/);
});

test('runCapabilityTrials: the namespace is deleted even when a step throws', async () => {
  const calls: string[] = [];
  const run: Runner = (argv) => {
    calls.push(argv.join(' '));
    return argv[1] === 'netns' ? Promise.resolve(result(argv)) : Promise.reject(new Error('spawn failed'));
  };
  await assert.rejects(runCapabilityTrials([def('multiple-tables')], { run, isRoot: true, programExists: () => Promise.resolve(true), prefix: 'pbrdoc-t' }), /spawn failed/);
  assert.equal(calls.at(-1), 'ip netns delete pbrdoc-t-0');
});

test('runCapabilityTrials: not run without root, without the tool, or without a namespace', async () => {
  const never: Runner = () => assert.fail('nothing may run');
  const notRoot = await runCapabilityTrials([def('multipath')], { run: never, isRoot: false });
  assert.deepEqual(notRoot.get('multipath'), { ok: false, notRun: 'a trial needs root (it creates a network namespace)' });
  const noNft = await runCapabilityTrials([def('nft-route-chain')], { run: never, isRoot: true, programExists: (name) => Promise.resolve(name !== 'nft') });
  assert.deepEqual(noNft.get('nft-route-chain'), { ok: false, notRun: 'the trial needs nft, which is not installed' });
  const noNetns: Runner = (argv) => Promise.resolve(result(argv, 1, 'mount --make-shared /run/netns failed: Operation not permitted\n'));
  const failed = await runCapabilityTrials([def('multipath')], { run: noNetns, isRoot: true, programExists: () => Promise.resolve(true), prefix: 'pbrdoc-t' });
  assert.deepEqual(failed.get('multipath'), { ok: false, notRun: 'ip netns add pbrdoc-t-0 failed: mount --make-shared /run/netns failed: Operation not permitted' });
});
