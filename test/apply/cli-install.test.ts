// pbr install / uninstall through the CLI, under --root (systemctl never runs here).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PBR_FILE_MARKER } from '../../src/apply/persistence.ts';
import { runCli } from '../../src/cli/main.ts';
import { memoryIo } from '../cli/memory-io.ts';

const REPO = join(import.meta.dirname, '..', '..');
const INTENT = join(REPO, 'examples', 'pbr.yaml');
const SNAPSHOT = join(REPO, 'examples', 'two-uplinks.snapshot.json');

test('pbr install writes the unit, the intent, sysctl.d and rt_tables.d under --root; uninstall removes them', async () => {
  const root = await mkdtemp(join(tmpdir(), 'pbr-cli-install-'));
  try {
    const io = memoryIo();
    assert.equal(await runCli(['install', '-c', INTENT, '--snapshot', SNAPSHOT, '--root', root], io), 0, io.stderr.text);
    assert.match(io.stderr.text, /wrote \/etc\/systemd\/system\/pbr.service\n/);
    assert.match(io.stderr.text, /to apply at boot: systemctl enable pbr.service/);
    const unit = await readFile(join(root, 'etc/systemd/system/pbr.service'), 'utf8');
    assert.match(unit, /^ExecStart=\/\S+ apply -c \/etc\/pbr\/pbr.yaml$/m);
    assert.equal(await readFile(join(root, 'etc/pbr/pbr.yaml'), 'utf8'), `${PBR_FILE_MARKER}\n${await readFile(INTENT, 'utf8')}`);
    const sysctl = await readFile(join(root, 'etc/sysctl.d/90-pbr.conf'), 'utf8');
    assert.match(sysctl, /^net\/ipv4\/conf\/wan1\/rp_filter = 2$/m);
    assert.match(await readFile(join(root, 'etc/iproute2/rt_tables.d/pbr.conf'), 'utf8'), /written by pbr apply[^\n]*\n\d+\tisp1\n/);

    const enable = memoryIo();
    assert.equal(await runCli(['install', '-c', INTENT, '--snapshot', SNAPSHOT, '--root', root, '--enable'], enable), 2);
    assert.match(enable.stderr.text, /--enable acts on this machine's systemd; it does not go with --root/);

    await mkdir(join(root, 'etc/sysctl.d'), { recursive: true });
    await writeFile(join(root, 'etc/sysctl.d/90-pbr.conf'), 'vm.swappiness = 10\n');
    const out = memoryIo();
    assert.equal(await runCli(['uninstall', '--root', root], out), 0, out.stderr.text);
    assert.match(out.stderr.text, /left \/etc\/sysctl.d\/90-pbr.conf: not written by pbr/);
    assert.equal(await readFile(join(root, 'etc/sysctl.d/90-pbr.conf'), 'utf8'), 'vm.swappiness = 10\n');
    await assert.rejects(readFile(join(root, 'etc/systemd/system/pbr.service')), /ENOENT/);
    await assert.rejects(readFile(join(root, 'etc/pbr/pbr.yaml')), /ENOENT/);

    const refused = memoryIo();
    assert.equal(await runCli(['install', '-c', INTENT, '--snapshot', SNAPSHOT, '--root', root], refused), 4);
    assert.match(refused.stderr.text, /not pbr's, left as they are, nothing written: \/etc\/sysctl.d\/90-pbr.conf/);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
