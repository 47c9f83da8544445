import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { baseRouter } from '../lint/lint-test-support.ts';
import type { ExplainLogDocument } from '../lint/explain-log/render-explain-log.ts';
import { ExitCode, PbrError } from '../model/errors.ts';
import type { NetworkState } from '../model/network-state.ts';
import { memoryIo } from '../../test/cli/memory-io.ts';
import { runExplainLog } from './explain-log-command.ts';

function router(): NetworkState {
  return baseRouter()
    .rule({ priority: 1000, fwmark: 1, fwmask: 0xffffffff, table: 200 })
    .route({ dst: '0.0.0.0/0', via: '198.51.100.1', dev: 'wan2', table: 200 })
    .sysctl('net.ipv4.conf.all.forwarding', 1)
    .sysctl('net.ipv4.conf.lan0.forwarding', 1)
    .sysctl('net.ipv4.conf.wan2.forwarding', 1)
    .sysctl('net.ipv4.conf.all.rp_filter', 1)
    .build();
}

const LOG = [
  '[13798.516005] IPv4: martian source 10.0.0.2 from 203.0.113.10, on dev wan2',
  '[13798.516012] ll header: 00000000: 1a ca e8 9f 57 b4 a6 e7 7b 75 04 cb 08 00',
  '[13799.000000] IPv4: martian source 198.51.100.2 from 127.0.0.9, on dev wan2',
].join('\n');

const deps = (stdin: string) => ({ io: memoryIo({ stdin }), loadState: () => Promise.resolve(router()) });

test('explain-log -j: each martian with its check, reverse lookup and fixes; exit 0 when all explained', async () => {
  const d = deps(LOG);
  const code = await runExplainLog([], { json: true }, d);
  assert.equal(code, ExitCode.ok);
  const doc = JSON.parse(d.io.stdout.text) as ExplainLogDocument;
  assert.deepEqual(doc.summary, { martians: 2, fixable: 1, genuine: 1, unrecognized: 0 });
  const [first, second] = doc.entries;
  assert.deepEqual(
    [first?.line, first?.verdict, first?.check, first?.uptime, first?.linkHeader, first?.reverseLookup?.rule, first?.reverseLookup?.iif, first?.fixes[0]?.commands],
    [1, 'fixable', 'rp_filter strict', 13798.516005, { srcMac: 'a6:e7:7b:75:04:cb', dstMac: '1a:ca:e8:9f:57:b4', etherType: '0x0800' }, { pref: 32766, table: 'main' }, 'lan0', ['sysctl -w net.ipv4.conf.wan2.rp_filter=2']],
  );
  assert.deepEqual([second?.line, second?.verdict, second?.check, second?.fixes], [3, 'genuine', 'martian source: loopback source', []]);
});

test('explain-log: text output; a line not understood is listed and makes the exit status 1', async () => {
  const d = deps(`${LOG}\n[13800.0] eth0: link up\n`);
  const code = await runExplainLog(['-'], { json: false }, d);
  assert.equal(code, ExitCode.findings);
  const out = d.io.stdout.text;
  assert.match(out, /^line 1: martian source 203\.0\.113\.10 → 10\.0\.0\.2 on wan2\n  link header: from a6:e7:7b:75:04:cb to 1a:ca:e8:9f:57:b4, ethertype 0x0800\n/);
  assert.match(out, /\n  dropped by: rp_filter strict\n/);
  assert.match(out, /\n  reverse lookup: forwarded out lan0; iif lan0, rule 32766 → table main: default via 192\.0\.2\.1 dev wan1\n/);
  assert.match(out, /\n  fix: set rp_filter to loose \(2\) on wan2.*\n      sysctl -w net\.ipv4\.conf\.wan2\.rp_filter=2\n/);
  assert.match(out, /\n  verdict: dropped, and it should stay dropped\n/);
  assert.match(out, /2 martian lines: 1 with a fix, 1 to keep dropping\n1 line not understood:\n  line 4 \(not a martian log line\): \[13800\.0\] eth0: link up\n$/);
});

test('explain-log: reads a file; an unreadable one is invalid input (exit 3)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pbr-explain-log-'));
  try {
    const file = join(dir, 'kern.log');
    await writeFile(file, LOG);
    const d = deps('');
    assert.equal(await runExplainLog([file], { json: true }, d), ExitCode.ok);
    assert.equal((JSON.parse(d.io.stdout.text) as ExplainLogDocument).entries.length, 2);
    await assert.rejects(runExplainLog([join(dir, 'missing.log')], { json: false }, deps('')), (e: unknown) => e instanceof PbrError && e.exitCode === ExitCode.invalidInput);
    await writeFile(file, 'IPv4\u0000binary');
    await assert.rejects(runExplainLog([file], { json: false }, deps('')), (e: unknown) => e instanceof PbrError && e.exitCode === ExitCode.invalidInput);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('explain-log: usage errors', async () => {
  for (const [args, snapshot] of [[['a', 'b'], undefined], [[], '-'], [['-'], '-']] as const) {
    await assert.rejects(
      runExplainLog(args, { json: false, ...(snapshot !== undefined ? { snapshot } : {}) }, deps('')),
      (e: unknown) => e instanceof PbrError && e.exitCode === ExitCode.usage,
    );
  }
});

test('explain-log: a drop on a device the state lacks is not explained (exit 1)', async () => {
  const d = deps('IPv4: martian source 10.0.0.2 from 203.0.113.10, on dev eth7\n');
  assert.equal(await runExplainLog([], { json: true }, d), ExitCode.findings);
  assert.equal((JSON.parse(d.io.stdout.text) as ExplainLogDocument).entries[0]?.verdict, 'unknown-device');
});
