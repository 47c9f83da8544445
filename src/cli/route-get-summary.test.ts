// `pbr route get --batch --summary`, in-process on the policy snapshot fixture.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { memoryIo } from '../../test/cli/memory-io.ts';
import { runCli } from './main.ts';

const POLICY = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'render', 'policy', 'snapshot.json');

const BATCH = [
  'route get 192.0.2.9',
  'route get 192.0.2.77',
  '198.51.100.7',
  '8.8.8.8 mark 7',
  'route get 10.0.0.300',
  '8.8.4.4 mark 7',
  '10.1.0.1',
  '10.1.0.255',
  'route get 198.51.100.0 fibmatch',
].join('\n');

test('--summary: one table counting the answers, a bad line counted and reported by its line number', async () => {
  const io = memoryIo({ stdin: BATCH });
  assert.equal(await runCli(['route', 'get', '--snapshot', POLICY, '--batch', '-', '--summary'], io), 2);
  assert.equal(
    io.stdout.text,
    [
      'count  share  rule  table  route            dev  disposition',
      '    2  25.0%   307  main   via 10.1.0.2     b0   unicast',
      '    2  25.0%   304  -      -                -    EINVAL',
      '    1  12.5%   200  200    via 10.2.0.2     c0   unicast',
      '    1  12.5%     0  local  -                lo   local',
      '    1  12.5%     0  local  -                b0   broadcast',
      '    1  12.5%   200  200    198.51.100.0/24  -    unicast',
      'total: 8 queries, 1 line failed',
      '',
    ].join('\n'),
  );
  assert.equal(io.stderr.text, 'pbr: invalid address "10.0.0.300"\nCommand failed -:5\n');
});

test('--summary -j: one JSON object, nothing else on stdout', async () => {
  const io = memoryIo({ stdin: BATCH });
  assert.equal(await runCli(['route', 'get', '--snapshot', POLICY, '--batch', '-', '--summary', '-j'], io), 2);
  const doc = JSON.parse(io.stdout.text) as { rows: Record<string, unknown>[]; total: number; failed: number };
  assert.deepEqual({ total: doc.total, failed: doc.failed, rows: doc.rows.length }, { total: 8, failed: 1, rows: 6 });
  assert.deepEqual(doc.rows[0], { pref: 307, table: 'main', route: null, dev: 'b0', gateway: '10.1.0.2', type: 'unicast', count: 2, share: 0.25 });
  assert.deepEqual(doc.rows[1], { pref: 304, table: null, route: null, dev: null, gateway: null, errno: 'EINVAL', count: 2, share: 0.25 });
  assert.equal(io.stderr.text, 'pbr: invalid address "10.0.0.300"\nCommand failed -:5\n');
});

test('--summary: exit 0 when every line was asked, lookup errors included', async () => {
  const io = memoryIo({ stdin: '8.8.8.8 mark 7\n192.0.2.9\n' });
  assert.equal(await runCli(['route', 'get', '--snapshot', POLICY, '--batch', '-', '--summary'], io), 0);
  assert.match(io.stdout.text, /\ntotal: 2 queries, 0 lines failed\n$/);
  assert.equal(io.stderr.text, '');
});

test('--summary only with --batch, and not with --explain', async () => {
  const rows: readonly (readonly [readonly string[], RegExp])[] = [
    [['route', 'get', '--snapshot', POLICY, '--summary', '192.0.2.9'], /^pbr: --summary needs --batch\nhint: /],
    [['route', 'get', '--snapshot', POLICY, '--batch', '-', '--summary', '--explain'], /^pbr: --summary and --explain do not go together\nhint: /],
    [['rule', 'show', '--snapshot', POLICY, '--summary'], /^pbr: option --summary does not apply to pbr rule show\n/],
  ];
  for (const [argv, stderr] of rows) {
    const io = memoryIo({ stdin: '192.0.2.9\n' });
    assert.equal(await runCli(argv, io), 2, argv.join(' '));
    assert.equal(io.stdout.text, '', argv.join(' '));
    assert.match(io.stderr.text, stderr, argv.join(' '));
  }
});
