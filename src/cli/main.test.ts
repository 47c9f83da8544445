import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { InvalidInputError, UsageError } from '../model/errors.ts';
import { memoryIo } from '../../test/cli/memory-io.ts';
import { UnknownDeviceError } from './devices.ts';
import { reportError, runCli } from './main.ts';

const POLICY = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'render', 'policy', 'snapshot.json');
/** a two-uplink router with policy rules written by hand (rules 1000–1200, tables 101 and 102) */
const HAND_MADE_PBR = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'cli', 'hand-made-pbr.snapshot.json');

test('errors: one line naming the problem, a hint, the exit status; a stack only with --debug', () => {
  const rows: readonly (readonly [unknown, boolean, number, RegExp])[] = [
    [new UsageError('invalid address "10.0.0.300"', 'give an address'), false, 2, /^pbr: invalid address "10\.0\.0\.300"\nhint: give an address\n$/],
    [new InvalidInputError('x.json: not JSON', 'make one with pbr snapshot'), false, 3, /^pbr: x\.json: not JSON\nhint: make one with pbr snapshot\n$/],
    [new UnknownDeviceError('eth9', ['lo', 'a0']), false, 2, /^Cannot find device "eth9"\nhint: devices in the snapshot: lo, a0\n$/],
    [new TypeError('boom'), false, 70, /^pbr: internal error: boom, please report\nhint: run again with --debug[^\n]*\n$/],
    [new TypeError('boom'), true, 70, /^pbr: internal error: boom, please report\nTypeError: boom\n {4}at /],
  ];
  for (const [err, debug, status, stderr] of rows) {
    const io = memoryIo();
    assert.equal(reportError(err, io, debug), status);
    assert.match(io.stderr.text, stderr);
    assert.equal(io.stdout.text, '');
  }
});

test('dispatch: commands, help, version, misplaced options', async () => {
  const rows: readonly (readonly [readonly string[], number, RegExp, RegExp])[] = [
    [['--version'], 0, /^pbr \d+\.\d+\.\d+\n$/, /^$/],
    [['--help'], 0, /^pbr — policy-based routing/, /^$/],
    [['route', 'get', '--help'], 0, /^Usage: pbr route get/, /^$/],
    [['route', 'get', '1.2.3.4', 'help'], 0, /^Usage: pbr route get/, /^$/],
    [['rule', '-h'], 0, /^Usage: pbr rule show/, /^$/],
    [[], 2, /^$/, /^pbr: missing command\n/],
    [['frobnicate'], 2, /^$/, /^pbr: unknown command "frobnicate"\n/],
    [['route', 'frob'], 2, /^$/, /^pbr: unknown route command "frob"\n/],
    [['rule', 'show', '--explain'], 2, /^$/, /^pbr: option --explain does not apply to pbr rule show\n/],
    [['route', 'get', '--snapshot', POLICY, '10.0.0.300'], 2, /^$/, /^pbr: invalid address "10\.0\.0\.300"\nhint: /],
    [['route', 'get', '--snapshot', POLICY, '1.2.3.4', 'iif', 'eth9'], 2, /^$/, /^Cannot find device "eth9"\nhint: devices in the snapshot: lo, a0, b0, c0\n$/],
    [['route', 'get', '--snapshot', POLICY, '1.2.3.4', 'iif', 'if99'], 2, /^$/, /^RTNETLINK answers: No such device\n$/],
    [['route', 'get', '--snapshot', POLICY, '-j', '1.2.3.4', 'iif', 'if99'], 2, /^\[\{"error":\{"errno":"ENODEV","message":"No such device"\}\}\]\n$/, /^$/],
    [['route', 'get', '--snapshot', POLICY, '1.2.3.4', 'from', '10.1.0.1/24'], 2, /^$/, /^Error: ipv4: Invalid values in header for route get request\.\n$/],
    [['route', 'show', '--snapshot', POLICY, 'table', 'nosuch'], 2, /^$/, /^pbr: unknown table "nosuch"\n/],
    [['route', 'show', '--snapshot', POLICY, 'table', 'cache'], 0, /^$/, /^$/],
    [['route', 'show', '--snapshot', POLICY, '-j', 'table', '100'], 0, /^\[\{"dst":"default","gateway":"10\.2\.0\.2","dev":"c0","metric":50,"flags":\[\]\},/, /^$/],
    [['route', 'show', '--snapshot', '/nonexistent/s.json'], 3, /^$/, /^pbr: cannot read snapshot \/nonexistent\/s\.json: no such file\nhint: /],
  ];
  for (const [argv, status, stdout, stderr] of rows) {
    const io = memoryIo();
    assert.equal(await runCli(argv, io), status, argv.join(' '));
    assert.match(io.stdout.text, stdout, `${argv.join(' ')} (stdout)`);
    assert.match(io.stderr.text, stderr, `${argv.join(' ')} (stderr)`);
  }
});

test('batch: every line answered, bad lines reported with their line number, JSON one object per line', async () => {
  const batch = [
    'route get 192.0.2.9',
    'route get 10.0.0.300',
    '',
    '8.8.8.8 mark 7 # a bare query is fine too',
    'route show',
    'route get 100.65.1.1 iif nosuch',
  ].join('\n');
  const text = memoryIo({ stdin: batch });
  assert.equal(await runCli(['route', 'get', '--snapshot', POLICY, '--batch', '-'], text), 2);
  assert.equal(text.stdout.text, '192.0.2.9 via 10.1.0.2 dev b0 src 10.1.0.1 uid 0 \n    cache \n');
  assert.equal(
    text.stderr.text,
    [
      'pbr: invalid address "10.0.0.300"',
      'Command failed -:2',
      'RTNETLINK answers: Invalid argument',
      'Command failed -:4',
      'pbr: only "route get" lines can run in a batch, not "route show"',
      'Command failed -:5',
      'Cannot find device "nosuch"',
      'Command failed -:6',
      '',
    ].join('\n'),
  );
  const json = memoryIo({ stdin: batch });
  assert.equal(await runCli(['route', 'get', '--snapshot', POLICY, '--batch', '-', '-j'], json), 2);
  const lines = json.stdout.text.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(lines.map((l) => Object.keys(l)[0]), ['type', 'error', 'error', 'error', 'error']);
  assert.deepEqual(lines[2], { error: { errno: 'EINVAL', message: 'Invalid argument' } });
  assert.deepEqual(lines[1], { error: { line: 2, message: 'pbr: invalid address "10.0.0.300"' } });
});

test('--explain words rules as ip rule show does, says which selectors matched, and names a drop\'s log line once', async () => {
  const run = async (query: string): Promise<string> => {
    const io = memoryIo();
    await runCli(['route', 'get', '--snapshot', HAND_MADE_PBR, '--explain', ...query.split(' ')], io);
    return `${io.stderr.text}${io.stdout.text}`;
  };
  const out = `${await run('203.0.113.10 ipproto tcp dport 22')}${await run('10.0.0.50 from 203.0.113.10 iif wan2')}`;
  assert.match(out, /^ {2}rule 1200: from all ipproto tcp dport 22 lookup 102: matches \(ipproto tcp, dport 22\)$/m);
  assert.match(out, /^ {2}rule 1100: from all fwmark 0x2\/0xff lookup 102: no match \(mark 0x0 & 0xff ≠ 0x2\)$/m);
  assert.match(out, /^ {2}rule 32766: from all lookup main: matches \(matches every packet\)$/m);
  assert.equal(out.split('IPv4: martian source 10.0.0.50 from 203.0.113.10, on dev wan2').length - 1, 1);
});
