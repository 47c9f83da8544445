import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SystemError } from '../model/errors.ts';
import { SOURCE_KEYS } from '../model/snapshot.ts';
import { captureSnapshot, type Runner } from './capture-snapshot.ts';
import { netnsArgv, SpawnError, type ExecResult } from './exec.ts';

interface FakeHost {
  /** file path → content (absent: "No such file or directory") */
  readonly files?: Readonly<Record<string, string>>;
  /** directory → entries in readdir order */
  readonly dirs?: Readonly<Record<string, readonly string[]>>;
  /** argv[0] → result override */
  readonly programs?: Readonly<Record<string, Partial<ExecResult> | 'missing'>>;
}

/** A runner that answers like a small host; records every argv it ran. */
function fakeRunner(host: FakeHost, calls: string[][]): Runner {
  return async (argv, options) => {
    const full = netnsArgv(argv, options?.netns);
    calls.push(full);
    const done = (r: Partial<ExecResult>): ExecResult => ({ argv: full, exitCode: 0, stdout: '', stderr: '', ...r });
    const [program, ...args] = argv;
    const override = host.programs?.[program ?? ''];
    if (override === 'missing') throw new SpawnError(program ?? '', 'ENOENT', 'spawn ENOENT');
    if (override) return done(override);
    if (program === 'cat') {
      const content = { '/proc/net/fib_triestat': 'Local:\n', ...host.files }[args[0] ?? ''];
      return content === undefined ? done({ exitCode: 1, stderr: `cat: ${args[0]}: No such file or directory\n` }) : done({ stdout: content });
    }
    if (program === 'ls') {
      const entries = host.dirs?.[args[1] ?? ''];
      return entries === undefined ? done({ exitCode: 2, stderr: 'ls: cannot access\n' }) : done({ stdout: ['.', '..', ...entries].join('\n') + '\n' });
    }
    if (program === 'uname') return done({ stdout: '6.18.44\n' });
    if (program === 'ip') return done({ stdout: '[]\n' });
    if (program === 'true') return done({});
    return done({ stdout: '' });
  };
}

const now = () => new Date('2025-01-01T00:00:00Z');

test('every source is captured with its argv, in a fixed order', async () => {
  const calls: string[][] = [];
  const snapshot = await captureSnapshot({ run: fakeRunner({ files: { '/etc/iproute2/rt_tables': '100 isp\n' } }, calls), programExists: async () => true, now });
  assert.deepEqual(Object.keys(snapshot.sources), [
    SOURCE_KEYS.kernelRelease, SOURCE_KEYS.link, SOURCE_KEYS.addr, SOURCE_KEYS.rule4, SOURCE_KEYS.rule6,
    SOURCE_KEYS.route4, SOURCE_KEYS.route6, SOURCE_KEYS.nexthop, SOURCE_KEYS.neigh, SOURCE_KEYS.maddr,
    SOURCE_KEYS.fibTriestat, SOURCE_KEYS.sysctl, SOURCE_KEYS.nft, SOURCE_KEYS.iptables, SOURCE_KEYS.ip6tables, SOURCE_KEYS.nftText,
    'rtTables:/etc/iproute2/rt_tables',
  ]);
  assert.deepEqual(snapshot.sources[SOURCE_KEYS.route4]?.argv, ['ip', '-d', '-j', '-4', 'route', 'show', 'table', 'all']);
  assert.deepEqual(snapshot.sources[SOURCE_KEYS.rule4]?.argv, ['ip', '-d', '-j', '-4', 'rule', 'show']);
  assert.deepEqual(snapshot.sources[SOURCE_KEYS.rule6]?.argv, ['ip', '-d', '-j', '-6', 'rule', 'show']);
  assert.deepEqual(snapshot.sources[SOURCE_KEYS.nftText]?.argv, ['nft', '-a', 'list', 'ruleset']);
  assert.deepEqual(snapshot.sources['rtTables:/etc/iproute2/rt_tables'], { argv: ['cat', '/etc/iproute2/rt_tables'], path: '/etc/iproute2/rt_tables', exitCode: 0, stdout: '100 isp\n', stderr: '' });
  assert.deepEqual([snapshot.format, snapshot.version, snapshot.kernelRelease, snapshot.capturedAt, snapshot.notes], ['pbr-snapshot', 1, '6.18.44', '2025-01-01T00:00:00.000Z', []]);
  assert.equal(snapshot.netns, undefined);
});

test('rt_tables: /etc first, /usr/share as fallback, .d files in readdir order, /etc overrides /usr names', async () => {
  const calls: string[][] = [];
  const host: FakeHost = {
    files: {
      '/usr/share/iproute2/rt_tables': 'usr main\n',
      '/usr/share/iproute2/rt_tables.d/b.conf': 'usr b\n',
      '/usr/share/iproute2/rt_tables.d/a.conf': 'usr a (overridden)\n',
      '/etc/iproute2/rt_tables.d/z.conf': 'etc z\n',
      '/etc/iproute2/rt_tables.d/a.conf': 'etc a\n',
    },
    dirs: {
      '/usr/share/iproute2/rt_tables.d': ['b.conf', 'a.conf', 'README', '.hidden.conf', '.conf'],
      '/etc/iproute2/rt_tables.d': ['z.conf', 'a.conf', 'notes.txt'],
    },
  };
  const snapshot = await captureSnapshot({ run: fakeRunner(host, calls), programExists: async () => true, now });
  assert.deepEqual(Object.keys(snapshot.sources).filter((k) => k.startsWith('rtTables:')), [
    'rtTables:/usr/share/iproute2/rt_tables',
    'rtTables:/usr/share/iproute2/rt_tables.d/b.conf',
    'rtTables:/etc/iproute2/rt_tables.d/z.conf',
    'rtTables:/etc/iproute2/rt_tables.d/a.conf',
  ]);
});

test('missing or failing optional tools become notes, not failures', async () => {
  const calls: string[][] = [];
  const snapshot = await captureSnapshot({
    run: fakeRunner({ programs: { nft: { exitCode: 1, stderr: 'Operation not permitted (you must be root)\n' }, grep: 'missing' } }, calls),
    programExists: async (name) => name !== 'iptables-save',
    now,
  });
  assert.equal(snapshot.sources[SOURCE_KEYS.iptables], undefined);
  assert.equal(snapshot.sources[SOURCE_KEYS.nft]?.exitCode, 1);
  assert.equal(snapshot.sources[SOURCE_KEYS.nftText], undefined);
  assert.equal(snapshot.sources[SOURCE_KEYS.sysctl]?.exitCode, 127);
  assert.deepEqual(snapshot.notes, [
    'some sysctls could not be read (grep -r --exclude-dir=neigh --exclude=stable_secret --exclude=flush --exclude=tcp_fastopen_key . /proc/sys/net/ipv4 /proc/sys/net/ipv6) exited 127: cannot run grep: spawn ENOENT',
    'nft not captured (nft -j list ruleset) exited 1: Operation not permitted (you must be root) (run as root to record it)',
    'iptables-save is not installed: iptablesSave not captured',
  ]);
});

test('inside a netns: every command but uname goes through `ip netns exec`', async () => {
  const calls: string[][] = [];
  const snapshot = await captureSnapshot({ netns: 'lab', run: fakeRunner({}, calls), programExists: async () => true, now });
  assert.equal(snapshot.netns, 'lab');
  assert.deepEqual(calls[0], ['ip', 'netns', 'exec', 'lab', 'true']);
  const outside = calls.filter((argv) => argv[1] !== 'netns');
  assert.deepEqual(outside, [['uname', '-r']]);
});

test('a namespace that cannot be entered is a SystemError', async () => {
  const run: Runner = async (argv, options) => ({ argv: netnsArgv(argv, options?.netns), exitCode: 1, stdout: '', stderr: 'Cannot open network namespace "nope": No such file or directory\n' });
  await assert.rejects(captureSnapshot({ netns: 'nope', run }), (error: unknown) => {
    assert.ok(error instanceof SystemError);
    assert.equal(error.message, 'cannot enter network namespace "nope": Cannot open network namespace "nope": No such file or directory');
    return true;
  });
});

test('no working ip at all is a SystemError', async () => {
  await assert.rejects(
    captureSnapshot({ run: fakeRunner({ programs: { ip: 'missing' } }, []), programExists: async () => false, now }),
    (error: unknown) => error instanceof SystemError && /every ip command failed: cannot run ip/.test(error.message),
  );
});

const LEGACY_WARNING = (family: '' | '6') => `# Warning: ip${family}tables-legacy tables present, use ip${family}tables-legacy-save to see them\n`;
const LEGACY_DUMP = '# Generated by iptables-save v1.8.9 on x\n*mangle\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n';

/** [name, program overrides, programs not installed, legacy keys expected (in order), notes expected] */
const LEGACY_CASES: readonly (readonly [string, FakeHost['programs'], readonly string[], readonly string[], readonly string[]])[] = [
  ['no warning: the legacy tools are never run', {}, [], [], []],
  [
    'iptables-save warns: iptables-legacy-save is taken, ip6tables-legacy-save is not',
    { 'iptables-save': { stderr: LEGACY_WARNING('') }, 'iptables-legacy-save': { stdout: LEGACY_DUMP } },
    [],
    [SOURCE_KEYS.iptablesLegacy],
    [],
  ],
  [
    'both warn: both legacy dumps are taken, each after its nf_tables one',
    { 'iptables-save': { stderr: LEGACY_WARNING('') }, 'ip6tables-save': { stderr: LEGACY_WARNING('6') } },
    [],
    [SOURCE_KEYS.iptablesLegacy, SOURCE_KEYS.ip6tablesLegacy],
    [],
  ],
  [
    'a warning but no legacy tool installed: a note',
    { 'ip6tables-save': { stderr: LEGACY_WARNING('6') } },
    ['ip6tables-legacy-save'],
    [],
    ['ip6tables-legacy-save is not installed: ip6tablesLegacySave not captured'],
  ],
  [
    'the legacy tool fails: recorded, with a note',
    { 'iptables-save': { stderr: LEGACY_WARNING('') }, 'iptables-legacy-save': { exitCode: 1, stderr: 'iptables-legacy-save: Permission denied\n' } },
    [],
    [SOURCE_KEYS.iptablesLegacy],
    ['iptablesLegacySave not captured (ip netns exec lab iptables-legacy-save) exited 1: iptables-legacy-save: Permission denied (run as root to record it)'],
  ],
  ['the warning on stdout is not the warning', { 'iptables-save': { stdout: LEGACY_WARNING('') } }, [], [], []],
];

for (const [name, programs, missing, keys, notes] of LEGACY_CASES) {
  test(`legacy iptables: ${name}`, async () => {
    const calls: string[][] = [];
    const snapshot = await captureSnapshot({
      netns: 'lab',
      run: fakeRunner({ ...(programs === undefined ? {} : { programs }) }, calls),
      programExists: async (program) => !missing.includes(program),
      now,
    });
    const firewallKeys = Object.keys(snapshot.sources).filter((k) => /tables|^nft/.test(k));
    const expectedOrder = [SOURCE_KEYS.nft, SOURCE_KEYS.iptables, SOURCE_KEYS.iptablesLegacy, SOURCE_KEYS.ip6tables, SOURCE_KEYS.ip6tablesLegacy, SOURCE_KEYS.nftText];
    assert.deepEqual(firewallKeys, expectedOrder.filter((k) => !k.includes('Legacy') || keys.includes(k)));
    const ran = calls.map((argv) => argv[4] ?? '').filter((program) => program.includes('legacy'));
    assert.deepEqual(ran, keys.map((k) => (k === SOURCE_KEYS.iptablesLegacy ? 'iptables-legacy-save' : 'ip6tables-legacy-save')));
    for (const key of keys) {
      const program = key === SOURCE_KEYS.iptablesLegacy ? 'iptables-legacy-save' : 'ip6tables-legacy-save';
      const expected = programs?.[program];
      assert.deepEqual(snapshot.sources[key], {
        argv: ['ip', 'netns', 'exec', 'lab', program],
        exitCode: 0,
        stdout: '',
        stderr: '',
        ...(typeof expected === 'object' ? expected : {}),
      });
    }
    assert.deepEqual(snapshot.notes, notes);
  });
}
