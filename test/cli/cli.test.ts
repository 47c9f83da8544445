// End to end: the built `bin/pbr.js`, on snapshot fixtures and (as root) on a live network namespace.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'pbr.js');
const LAB = join(ROOT, 'test', 'fixtures', 'parse', 'lab.snapshot.json');
const POLICY = join(ROOT, 'test', 'fixtures', 'render', 'policy', 'snapshot.json');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const st = statSync(path);
    newest = Math.max(newest, st.isDirectory() ? newestMtime(path) : st.mtimeMs);
  }
  return newest;
}

before(() => {
  const built = join(ROOT, 'dist', 'cli', 'main.js');
  if (existsSync(built) && statSync(built).mtimeMs >= newestMtime(join(ROOT, 'src'))) return;
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, `build failed:\n${r.stdout}${r.stderr}`);
});

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function pbr(args: readonly string[], input?: string, prefix: readonly string[] = []): Run {
  const argv = [...prefix, process.execPath, BIN, ...args];
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', input: input ?? '', env: { ...process.env, NO_COLOR: '' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('version and help', () => {
  const v = pbr(['--version']);
  assert.equal(v.status, 0);
  assert.match(v.stdout, /^pbr \d+\.\d+\.\d+\n$/);
  for (const args of [['--help'], ['route', 'get', '--help'], ['route', 'show', '--help'], ['rule', 'show', '--help'], ['snapshot', '--help'], ['example', '--help']]) {
    const h = pbr(args);
    assert.equal(h.status, 0, args.join(' '));
    assert.match(h.stdout, /Usage|usage/, args.join(' '));
    assert.match(h.stdout, /pbr [a-z]/, `${args.join(' ')} has examples`);
  }
});

test('listings of the parse lab snapshot match the ip output recorded with it', () => {
  const rule4 = pbr(['rule', 'show', '--snapshot', LAB]);
  assert.equal(rule4.status, 0);
  assert.equal(rule4.stdout, spawnSync('cat', [join(ROOT, 'test', 'fixtures', 'parse', 'ip-rule4.txt')], { encoding: 'utf8' }).stdout);
  const rule6 = pbr(['rule', 'show', '-6', '--snapshot', LAB]);
  assert.equal(rule6.stdout, spawnSync('cat', [join(ROOT, 'test', 'fixtures', 'parse', 'ip-rule6.txt')], { encoding: 'utf8' }).stdout);
  const routes = pbr(['route', 'show', '--snapshot', LAB, 'table', 'isp1']);
  assert.equal(routes.status, 0);
  assert.match(routes.stdout, /^default via 10\.1\.0\.2 dev b0 \n/);
});

test('route get: text, JSON, errors and exit status', () => {
  const ok = pbr(['route', 'get', '--snapshot', POLICY, '198.51.100.7']);
  assert.deepEqual(ok, { status: 0, stdout: '198.51.100.7 via 10.2.0.2 dev c0 table 200 src 10.2.0.1 uid 0 \n    cache \n', stderr: '' });
  const json = pbr(['route', 'get', '-j', '--snapshot', POLICY, '198.51.100.7']);
  assert.equal(json.status, 0);
  assert.deepEqual(JSON.parse(json.stdout), [
    { type: 'unicast', dst: '198.51.100.7', gateway: '10.2.0.2', dev: 'c0', table: '200', prefsrc: '10.2.0.1', flags: [], uid: 0, cache: [] },
  ]);
  const unreachable = pbr(['route', 'get', '--snapshot', POLICY, '8.8.8.8', 'mark', '7']);
  assert.deepEqual(unreachable, { status: 2, stdout: '', stderr: 'RTNETLINK answers: Invalid argument\n' });
  const jsonError = pbr(['route', 'get', '--json', '--snapshot', POLICY, '8.8.8.8', 'mark', '7']);
  assert.deepEqual(jsonError, { status: 2, stdout: '[{"error":{"errno":"EINVAL","message":"Invalid argument"}}]\n', stderr: '' });
  const explained = pbr(['route', 'get', '--explain', '-j', '--snapshot', POLICY, '8.8.8.8', 'mark', '7']);
  const doc = JSON.parse(explained.stdout) as [{ error: unknown; explain: { steps: unknown[] } }];
  assert.ok(doc[0].explain.steps.length > 0);
  const bad = pbr(['route', 'get', '--snapshot', POLICY, '10.0.0.300']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^pbr: invalid address "10\.0\.0\.300"\nhint: [^\n]+\n$/);
});

test('bad snapshots exit 3 with the file named and no stack trace', () => {
  const missing = pbr(['rule', 'show', '--snapshot', '/nonexistent.json']);
  assert.equal(missing.status, 3);
  assert.match(missing.stderr, /^pbr: cannot read snapshot \/nonexistent\.json: no such file\nhint: /);
  const garbage = pbr(['rule', 'show', '--snapshot', '-'], '{"format": "something else"}');
  assert.equal(garbage.status, 3);
  assert.match(garbage.stderr, /^pbr: <stdin>[^\n]*\n/);
  assert.doesNotMatch(garbage.stderr, /\n\s+at /);
});

test('batch from stdin, as ip -batch files', () => {
  const r = pbr(['route', 'get', '--snapshot', POLICY, '--batch', '-'], 'route get 192.0.2.9\n# comment\nroute get 8.8.8.8 mark 7\n');
  assert.equal(r.status, 2);
  assert.equal(r.stdout, '192.0.2.9 via 10.1.0.2 dev b0 src 10.1.0.1 uid 0 \n    cache \n');
  assert.equal(r.stderr, 'RTNETLINK answers: Invalid argument\nCommand failed -:3\n');
});

/** Runs a callback with a fresh namespace holding one veth pair; undefined when namespaces are not usable here. */
function withNetns(fn: (ns: string) => void): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root for ip netns';
  const ns = `pbrc-cli-${process.pid}`;
  const ip = (...args: string[]) => spawnSync('ip', args, { encoding: 'utf8' });
  if (ip('netns', 'add', ns).status !== 0) return 'ip netns add failed';
  try {
    for (const args of [
      ['link', 'set', 'lo', 'up'],
      ['link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1'],
      ['link', 'set', 'v0', 'up'],
      ['link', 'set', 'v1', 'up'],
      ['addr', 'add', '10.9.0.1/24', 'dev', 'v0'],
      ['route', 'add', 'default', 'via', '10.9.0.2'],
      ['rule', 'add', 'pref', '100', 'fwmark', '0x1', 'lookup', '100'],
      ['route', 'add', 'unreachable', 'default', 'table', '100'],
    ]) {
      const r = ip('-n', ns, ...args);
      assert.equal(r.status, 0, `ip ${args.join(' ')}: ${r.stderr}`);
    }
    fn(ns);
  } finally {
    ip('netns', 'del', ns);
  }
  return undefined;
}

test('without --snapshot the live namespace is captured and answered like ip', (t) => {
  const skipped = withNetns((ns) => {
    const inNs = ['ip', 'netns', 'exec', ns];
    for (const args of [['rule', 'show'], ['route', 'show'], ['route', 'get', '10.9.0.7'], ['route', 'get', '192.0.2.1'], ['route', 'get', '192.0.2.1', 'mark', '1']]) {
      const ours = pbr(args, undefined, inNs);
      const theirs = spawnSync(inNs[0]!, [...inNs.slice(1), 'ip', ...args], { encoding: 'utf8' });
      assert.equal(ours.stdout, theirs.stdout, args.join(' '));
      assert.equal(ours.stderr, theirs.stderr, args.join(' '));
      assert.equal(ours.status, theirs.status === 0 ? 0 : 2, args.join(' '));
    }
  });
  if (skipped === undefined) return;
  if (process.env['PBR_REQUIRE_NETNS'] === '1') assert.fail(`network namespaces required: ${skipped}`);
  t.skip(skipped);
});
