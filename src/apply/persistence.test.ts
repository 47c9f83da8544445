import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listFiles } from './apply-test-support.ts';
import { installPersistence, isPbrFile, PBR_FILE_MARKER, renderSystemdUnit, systemctlArgv, uninstallPersistence } from './persistence.ts';

const CONTENTS = { intent: 'uplinks:\n  isp1: { interface: wan1, gateway: 192.0.2.1 }\n', sysctlConf: 'net.ipv4.conf.wan1.rp_filter = 2\n', rtTablesConf: '100 isp1\n' };

async function withRoot(body: (root: string) => Promise<void>): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'pbr-install-'));
  try {
    await body(root);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

test('the unit runs pbr apply of the saved intent once the network is online', () => {
  assert.equal(
    renderSystemdUnit('/usr/local/bin/pbr'),
    `${PBR_FILE_MARKER}
[Unit]
Description=pbr: policy-based routing (uplinks, rules, tables, nftables marks)
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
ExecStart=/usr/local/bin/pbr apply -c /etc/pbr/pbr.yaml
RemainAfterExit=yes

[Install]
WantedBy=multi-user.target
`,
  );
  assert.throws(() => renderSystemdUnit('pbr'), /absolute/);
  assert.deepEqual(systemctlArgv('enable'), ['systemctl', 'enable', 'pbr.service']);
});

test('install writes the four files; again, nothing changes; uninstall removes exactly them', async () => {
  await withRoot(async (root) => {
    await mkdir(join(root, 'etc', 'sysctl.d'), { recursive: true });
    await writeFile(join(root, 'etc', 'sysctl.d', '10-other.conf'), 'net.ipv4.ip_forward = 1\n');
    const before = await listFiles(root);

    const first = await installPersistence(CONTENTS, '/usr/bin/pbr', { root });
    assert.deepEqual(first, {
      kind: 'installed',
      written: ['/etc/systemd/system/pbr.service', '/etc/pbr/pbr.yaml', '/etc/sysctl.d/90-pbr.conf', '/etc/iproute2/rt_tables.d/pbr.conf'],
      unchanged: [],
    });
    assert.equal(await readFile(join(root, 'etc/pbr/pbr.yaml'), 'utf8'), `${PBR_FILE_MARKER}\n${CONTENTS.intent}`);
    assert.equal(await readFile(join(root, 'etc/iproute2/rt_tables.d/pbr.conf'), 'utf8'), `${PBR_FILE_MARKER}\n100 isp1\n`);
    assert.equal(await readFile(join(root, 'etc/sysctl.d/90-pbr.conf'), 'utf8'), `${PBR_FILE_MARKER}\nnet.ipv4.conf.wan1.rp_filter = 2\n`);
    assert.match(await readFile(join(root, 'etc/systemd/system/pbr.service'), 'utf8'), /^ExecStart=\/usr\/bin\/pbr apply -c \/etc\/pbr\/pbr.yaml$/m);

    const second = await installPersistence(CONTENTS, '/usr/bin/pbr', { root });
    assert.equal(second.kind === 'installed' ? second.unchanged.length : -1, 4);
    const third = await installPersistence({ ...CONTENTS, rtTablesConf: '101 isp1\n' }, '/usr/bin/pbr', { root });
    assert.deepEqual(third.kind === 'installed' ? third.written : [], ['/etc/iproute2/rt_tables.d/pbr.conf']);

    // what `systemctl enable` would have made
    await mkdir(join(root, 'etc/systemd/system/multi-user.target.wants'));
    await symlink('/etc/systemd/system/pbr.service', join(root, 'etc/systemd/system/multi-user.target.wants/pbr.service'));
    const removed = await uninstallPersistence({ root });
    assert.deepEqual(removed.foreign, []);
    assert.deepEqual(removed.absent, []);
    assert.equal(removed.removed.length, 5);
    const after = await listFiles(root);
    // directories install created stay (they may be shared); pbr's own /etc/pbr goes
    assert.deepEqual(Object.keys(after).filter((p) => !p.endsWith('/')), Object.keys(before).filter((p) => !p.endsWith('/')));
    assert.equal(after['/etc/pbr/'], undefined);
  });
});

test('a file at one of pbr\'s paths that pbr did not write: install refuses, uninstall leaves it', async () => {
  await withRoot(async (root) => {
    await mkdir(join(root, 'etc', 'iproute2', 'rt_tables.d'), { recursive: true });
    await writeFile(join(root, 'etc/iproute2/rt_tables.d/pbr.conf'), '200 mine\n');
    const before = await listFiles(root);
    assert.deepEqual(await installPersistence(CONTENTS, '/usr/bin/pbr', { root }), { kind: 'refused', foreign: ['/etc/iproute2/rt_tables.d/pbr.conf'] });
    assert.deepEqual(await listFiles(root), before);
    assert.deepEqual(await uninstallPersistence({ root }), {
      removed: [],
      foreign: ['/etc/iproute2/rt_tables.d/pbr.conf'],
      absent: ['/etc/systemd/system/pbr.service', '/etc/pbr/pbr.yaml', '/etc/sysctl.d/90-pbr.conf'],
    });
    assert.equal(await readFile(join(root, 'etc/iproute2/rt_tables.d/pbr.conf'), 'utf8'), '200 mine\n');
  });
});

test('pbr\'s own files: the install marker, or the header of a file pbr apply writes', () => {
  const cases: [string, boolean][] = [
    [`${PBR_FILE_MARKER}\nx\n`, true],
    ['# routing tables of pbr (written by pbr apply; pbr rewrites this file)\n100\tisp1\n', true],
    ['# my tables, not pbr\n100 isp1\n', false],
    ['100 isp1\n# written by pbr apply\n', false],
    ['', false],
  ];
  for (const [content, expected] of cases) assert.equal(isPbrFile(content), expected, content);
});

test('install keeps the header of an rt_tables.d file pbr apply wrote, so the two agree', async () => {
  await withRoot(async (root) => {
    const applied = '# routing tables of pbr (written by pbr apply; pbr rewrites this file)\n100\tisp1\n';
    await mkdir(join(root, 'etc/iproute2/rt_tables.d'), { recursive: true });
    await writeFile(join(root, 'etc/iproute2/rt_tables.d/pbr.conf'), applied);
    const result = await installPersistence({ ...CONTENTS, rtTablesConf: applied }, '/usr/bin/pbr', { root });
    assert.deepEqual(result.kind === 'installed' ? result.unchanged : [], ['/etc/iproute2/rt_tables.d/pbr.conf']);
  });
});
