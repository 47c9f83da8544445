import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CapturedSource } from '../model/snapshot.ts';
import { SOURCE_KEYS } from '../model/snapshot.ts';
import { defaultRules, parseSnapshot, parseSnapshotJson, SNAPSHOT_UNUSABLE } from './snapshot.ts';

const lab = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'parse', 'lab.snapshot.json'), 'utf8')) as Record<string, unknown>;

const ok = (stdout: string): CapturedSource => ({ argv: ['x'], exitCode: 0, stdout, stderr: '' });

function snapshot(sources: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { format: 'pbr-snapshot', version: 1, capturedAt: '2025-01-01T00:00:00.000Z', kernelRelease: '6.18.44', sources, notes: [], ...extra };
}

test('unusable input: one SNAPSHOT_UNUSABLE error naming the field', () => {
  const cases: readonly [unknown, RegExp][] = [
    [[], /^snapshot: expected an object, found an array/],
    [{ format: 'other' }, /^snapshot\.format: expected "pbr-snapshot", found the string "other"/],
    [{ format: 'pbr-snapshot', version: 'one' }, /^snapshot\.version: expected a positive integer/],
  ];
  for (const [file, message] of cases) {
    const parsed = parseSnapshot(file);
    assert.deepEqual(parsed.diagnostics.map((d) => [d.severity, d.code]), [['error', SNAPSHOT_UNUSABLE]]);
    assert.match(parsed.diagnostics[0]?.message ?? '', message);
    assert.deepEqual(parsed.value.rules4, defaultRules(4));
  }
});

test('invalid JSON text: SNAPSHOT_UNUSABLE with line and column', () => {
  const parsed = parseSnapshotJson('{\n  "format": "pbr-snapshot",\n  "version": 1,,\n}', { name: 's.json' });
  assert.deepEqual(parsed.diagnostics.map((d) => [d.code, d.source]), [[SNAPSHOT_UNUSABLE, { file: 's.json', line: 3, column: 16 }]]);
  assert.equal(parseSnapshotJson('').diagnostics[0]?.message, 'empty file, not a snapshot');
});

test('malformed fields and sources are errors naming the field; the rest is read', () => {
  const parsed = parseSnapshot(snapshot({
    [SOURCE_KEYS.rule4]: { argv: ['ip'], exitCode: 0, stdout: 42, stderr: '' },
    [SOURCE_KEYS.rule6]: 'text',
    [SOURCE_KEYS.link]: ok('[{"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP","LOWER_UP"],"mtu":65536}]'),
  }, { notes: 'none', capturedAt: 5 }));
  const errors = parsed.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message);
  assert.deepEqual(errors, [
    'snapshot.capturedAt: expected a string, found the number 5',
    'snapshot.notes: expected an array of strings, found the string "none"',
    'snapshot.sources.ipRule4.stdout: expected a string, found the number 42',
    'snapshot.sources.ipRule6: expected an object, found the string "text"',
  ]);
  assert.equal(parsed.value.links[0]?.name, 'lo');
  assert.deepEqual(parsed.value.rules4, defaultRules(4));
});

test('missing and failed sources: defaults with a diagnostic each', () => {
  const parsed = parseSnapshot(snapshot({
    [SOURCE_KEYS.rule4]: { argv: ['ip', '-j', '-4', 'rule', 'show'], exitCode: 1, stdout: '', stderr: 'RTNETLINK answers: Permission denied\n' },
  }));
  assert.deepEqual(parsed.value.rules4, defaultRules(4));
  assert.deepEqual(parsed.value.rules6, defaultRules(6));
  const byCode = (code: string) => parsed.diagnostics.filter((d) => d.code === code).map((d) => d.message);
  assert.deepEqual(byCode('snapshot-source-failed'), ['"ipRule4" failed when captured (ip -j -4 rule show exited 1: RTNETLINK answers: Permission denied); using the default IPv4 rules (local, main, default)']);
  assert.equal(byCode('snapshot-source-missing').length, 9);
  assert.deepEqual(byCode('snapshot-no-rt-tables').length, 1);
});

test('sources holding pasted text (not JSON) are read with the text parsers; rt_tables in stored order', () => {
  const parsed = parseSnapshot(snapshot({
    [SOURCE_KEYS.rule4]: ok('0:\tfrom all lookup local\n10:\tfrom 10.0.0.0/8 lookup isp\n32766:\tfrom all lookup main\n'),
    [SOURCE_KEYS.route4]: ok('default via 10.0.0.2 dev a0 table isp\n'),
    [SOURCE_KEYS.route6]: ok('[{"dst":"default","gateway":"fe80::1","dev":"a0","metric":1024,"flags":[]}]'),
    'rtTables:/etc/iproute2/rt_tables': { path: '/etc/iproute2/rt_tables', exitCode: 0, stdout: '100 isp\n', stderr: '' },
    'rtTables:/etc/iproute2/rt_tables.d/a.conf': { path: '/etc/iproute2/rt_tables.d/a.conf', exitCode: 0, stdout: '101 isp\n', stderr: '' },
    [SOURCE_KEYS.sysctl]: ok('/proc/sys/net/ipv4/conf/all/rp_filter:1\n'),
  }));
  assert.deepEqual(parsed.value.rules4.map((r) => [r.priority, r.table]), [[0, 255], [10, 100], [32766, 254]]);
  assert.deepEqual(parsed.value.routes.map((r) => [r.family, r.table, r.order]), [[4, 100, 0], [6, 254, 1]]);
  assert.equal(parsed.value.rtTables.names.get(101), 'isp');
  assert.equal(parsed.value.sysctls.get('net/ipv4/conf/all/rp_filter'), '1');
  assert.equal(parsed.value.kernelRelease, '6.18.44');
});

test('kernel release from the uname source when the field is empty; notes become infos', () => {
  const parsed = parseSnapshot(snapshot({ [SOURCE_KEYS.kernelRelease]: ok('6.12.9\n') }, { kernelRelease: '', notes: ['nft is not installed'] }));
  assert.equal(parsed.value.kernelRelease, '6.12.9');
  assert.deepEqual(parsed.diagnostics.filter((d) => d.code === 'snapshot-note').map((d) => [d.severity, d.message]), [['info', 'captured with a note: nft is not installed']]);
});

test('a source that exited non-zero with output is read, with an info', () => {
  const parsed = parseSnapshot(snapshot({ [SOURCE_KEYS.sysctl]: { argv: ['grep'], exitCode: 2, stdout: 'net/ipv4/ip_forward=1\n', stderr: 'grep: x: Permission denied\n' } }));
  assert.equal(parsed.value.sysctls.get('net/ipv4/ip_forward'), '1');
  assert.deepEqual(parsed.diagnostics.filter((d) => d.code === 'snapshot-source-partial').map((d) => d.severity), ['info']);
});

test('the recorded lab snapshot parses without errors or warnings', () => {
  const parsed = parseSnapshot(lab, { name: 'lab' });
  assert.deepEqual(parsed.diagnostics.filter((d) => d.severity !== 'info'), []);
  assert.equal(parsed.value.fib.v4TablesMerged, false);
  assert.ok(parsed.value.routes.some((r) => r.table === 4000));
  const orders = parsed.value.routes.map((r) => r.order);
  assert.deepEqual(orders, [...orders].sort((a, b) => a - b));
  assert.equal(new Set(orders).size, orders.length);
});

test('diagnostics of a source are located in it', () => {
  const parsed = parseSnapshot(snapshot({ [SOURCE_KEYS.route4]: ok('[{"type":"bogus","dst":"10.0.0.0/8","flags":[]}]') }), { name: 'snap.json' });
  const d = parsed.diagnostics.find((x) => x.code === 'route-unknown-type');
  assert.deepEqual(d?.source, { file: 'snap.json:sources.ipRoute4', line: 1, column: 2 });
});
