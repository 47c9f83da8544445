// `pbr explain-log` on a real drop: a strict-rp_filter router whose ping replies come back on its second uplink.
// The router logs the martian (log_martians), the test reads the real kernel line from dmesg, feeds it with a
// snapshot of the router to `pbr explain-log`, applies each fix it gives (alone), and sees the real replies arrive.
//
//   client ── lan ┐ router ┌ kwan1 192.0.2.2 ───── isp1 192.0.2.1    ┐ inet: 203.0.113.213 on lo,
//   10.213.0.2    │        └ kwan2 198.51.100.2 ── isp2 198.51.100.1 ┘ 10.213.0.0/24 back via isp2
//
// The router marks everything from lan (nft `inet pbr`, the mark saved in the connection) and `fwmark 0x1 lookup
// 200` sends it out kwan2; the replies arrive on kwan2, but the reverse lookup (iif lan, no mark) ends in main,
// whose default leaves by kwan1: strict rp_filter drops them. Needs root, ip netns, nft, ping and a readable dmesg; skips otherwise, unless
// PBR_REQUIRE_NETNS=1 (then it fails).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { programExists, runProgram, type ExecResult } from '../../src/host/exec.ts';
import type { ExplainLogDocument } from '../../src/lint/explain-log/render-explain-log.ts';

const PBR_CLI = fileURLToPath(new URL('../apply/pbr-cli.ts', import.meta.url));
const NS = { router: `pbrk-${process.pid}-router`, client: `pbrk-${process.pid}-client`, inet: `pbrk-${process.pid}-inet` } as const;
const CLIENT = '10.213.0.2';
const SERVER = '203.0.113.213';
const MARTIAN = `martian source ${CLIENT} from ${SERVER}, on dev kwan2`;

async function must(argv: readonly string[], netns?: string, input?: string): Promise<ExecResult> {
  const result = await runProgram(argv, { ...(netns !== undefined ? { netns } : {}), ...(input !== undefined ? { input } : {}) });
  assert.equal(result.exitCode, 0, `${result.argv.join(' ')}: ${result.stderr}`);
  return result;
}

async function ipBatch(netns: string, lines: readonly string[]): Promise<void> {
  await must(['ip', '-n', netns, '-batch', '-'], undefined, lines.map((l) => `${l}\n`).join(''));
}

async function sysctls(netns: string, values: Readonly<Record<string, number>>): Promise<void> {
  await must(['sysctl', '-q', ...Object.entries(values).map(([k, v]) => `${k}=${v}`)], netns);
}

async function unavailableReason(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'not root (network namespaces need root)';
  for (const tool of ['nft', 'ping', 'dmesg']) if (!(await programExists(tool))) return `${tool} is not installed`;
  const dmesg = await runProgram(['dmesg']);
  if (dmesg.exitCode !== 0) return `dmesg cannot be read here: ${dmesg.stderr.trim()}`;
  return undefined;
}

async function buildLab(): Promise<void> {
  await must(['ip', '-batch', '-'], undefined, Object.values(NS).map((n) => `netns add ${n}\n`).join(''));
  await ipBatch(NS.router, [
    `link add lan type veth peer name eth0 netns ${NS.client}`,
    `link add kwan1 type veth peer name isp1 netns ${NS.inet}`,
    `link add kwan2 type veth peer name isp2 netns ${NS.inet}`,
    'link set lo up', 'link set lan up', 'link set kwan1 up', 'link set kwan2 up',
    'addr add 10.213.0.1/24 dev lan', 'addr add 192.0.2.2/24 dev kwan1', 'addr add 198.51.100.2/24 dev kwan2',
    'route add default via 192.0.2.1 dev kwan1',
    'route add default via 198.51.100.1 dev kwan2 table 200',
    'route add 10.213.0.0/24 dev lan table 200',
    'rule add pref 1000 fwmark 0x1 lookup 200',
  ]);
  await ipBatch(NS.client, ['link set lo up', 'link set eth0 up', `addr add ${CLIENT}/24 dev eth0`, 'route add default via 10.213.0.1']);
  await ipBatch(NS.inet, [
    'link set lo up', 'link set isp1 up', 'link set isp2 up',
    `addr add ${SERVER}/32 dev lo`, 'addr add 192.0.2.1/24 dev isp1', 'addr add 198.51.100.1/24 dev isp2',
    'route add 10.213.0.0/24 via 198.51.100.2 dev isp2',
  ]);
  await sysctls(NS.inet, { 'net.ipv4.conf.all.rp_filter': 0, 'net.ipv4.conf.isp1.rp_filter': 0, 'net.ipv4.conf.isp2.rp_filter': 0 });
  await resetRouter();
}

/** The router's policy and strict rp_filter, as before any fix: the mark is saved in the connection, never restored. */
async function resetRouter(): Promise<void> {
  await sysctls(NS.router, {
    'net.ipv4.ip_forward': 1,
    'net.ipv4.conf.all.rp_filter': 1,
    'net.ipv4.conf.lan.rp_filter': 0, 'net.ipv4.conf.kwan1.rp_filter': 0, 'net.ipv4.conf.kwan2.rp_filter': 0,
    'net.ipv4.conf.all.src_valid_mark': 0, 'net.ipv4.conf.kwan2.src_valid_mark': 0,
    'net.ipv4.conf.all.log_martians': 1,
  });
  await must(['nft', '-f', '-'], NS.router, `flush ruleset
table inet pbr {
  chain prerouting {
    type filter hook prerouting priority mangle; policy accept;
    iifname "lan" meta mark set 0x1 ct mark set meta mark
  }
}
`);
  await runProgram(['ip', '-n', NS.router, 'route', 'del', SERVER, 'table', 'main']);
}

async function ping(): Promise<boolean> {
  const result = await runProgram(['ping', '-n', '-q', '-c', '1', '-W', '1', SERVER], { netns: NS.client });
  if (result.exitCode > 1) throw new Error(`ping exited ${result.exitCode}: ${result.stderr.trim()}`);
  return result.exitCode === 0;
}

/** The newest martian line of our drop not in `old`, and the `ll header:` line after it, as dmesg prints them. */
function martianLines(dmesg: string, old: ReadonlySet<string>): string[] | undefined {
  const lines = dmesg.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    if (!lines[i]?.includes(MARTIAN) || old.has(lines[i] ?? '')) continue;
    const next = lines[i + 1];
    return [lines[i] ?? '', ...(next?.includes('ll header:') ? [next] : [])];
  }
  return undefined;
}

/** Pings (the replies are dropped) until the kernel log shows the drop; the log is rate-limited and shared. */
async function provokeMartian(): Promise<string[]> {
  // the kernel log is a ring buffer shared by every namespace: lines already there (timestamped) are not ours
  const old = new Set((await must(['dmesg'])).stdout.split('\n'));
  for (let attempt = 0; attempt < 8; attempt++) {
    assert.equal(await ping(), false, 'the reply must be dropped while rp_filter is strict');
    const found = martianLines((await must(['dmesg'])).stdout, old);
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  throw new Error(`no "${MARTIAN}" in dmesg after 8 pings`);
}

async function pbr(args: readonly string[]): Promise<ExecResult> {
  return runProgram([process.execPath, '--import', 'tsx', PBR_CLI, ...args]);
}

test('explain-log lab: the real martian line explained on a snapshot of the router, each fix applied, the replies through', { timeout: 60_000 }, async (t) => {
  const reason = await unavailableReason();
  if (reason) {
    if (process.env['PBR_REQUIRE_NETNS'] === '1') assert.fail(`PBR_REQUIRE_NETNS=1 but ${reason}`);
    t.skip(reason);
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), 'pbrk-'));
  try {
    await buildLab();
    const logLines = await provokeMartian();
    t.diagnostic(`kernel log: ${logLines.join(' | ')}`);
    assert.equal(logLines.length, 2, 'the martian line is followed by its ll header line');
    const logFile = join(dir, 'kern.log');
    await writeFile(logFile, `${logLines.join('\n')}\n`);
    const snapshotFile = join(dir, 'router.json');
    const snap = await pbr(['snapshot', '--netns', NS.router, '-o', snapshotFile]);
    assert.equal(snap.exitCode, 0, snap.stderr);

    const run = await pbr(['explain-log', '--snapshot', snapshotFile, '-j', logFile]);
    assert.equal(run.exitCode, 0, `explain-log: ${run.stderr}\n${run.stdout}`);
    const doc = JSON.parse(run.stdout) as ExplainLogDocument;
    assert.deepEqual(doc.unrecognized, []);
    assert.equal(doc.entries.length, 1);
    const [entry] = doc.entries;
    assert.ok(entry);
    const [routerMac, inetMac] = await Promise.all([
      must(['cat', '/sys/class/net/kwan2/address'], NS.router),
      must(['cat', '/sys/class/net/isp2/address'], NS.inet),
    ]);
    assert.deepEqual(
      { kind: entry.kind, src: entry.src, dst: entry.dst, dev: entry.dev, verdict: entry.verdict, check: entry.check, rpFilter: entry.rpFilter, linkHeader: entry.linkHeader },
      {
        kind: 'source', src: SERVER, dst: CLIENT, dev: 'kwan2', verdict: 'fixable', check: 'rp_filter strict', rpFilter: 1,
        linkHeader: { srcMac: inetMac.stdout.trim(), dstMac: routerMac.stdout.trim(), etherType: '0x0800' },
      },
    );
    assert.deepEqual(entry.reverseLookup, {
      forward: 'forwarded out lan', iif: 'lan', mark: '0x0', rule: { pref: 32766, table: 'main' }, route: 'default via 192.0.2.1 dev kwan1', usesInputDev: false,
    });
    assert.deepEqual(entry.fixes.map((f) => f.commands), [
      ['sysctl -w net.ipv4.conf.kwan2.rp_filter=2'],
      ['sysctl -w net.ipv4.conf.kwan2.src_valid_mark=1', 'nft add rule inet pbr prerouting iifname "kwan2" meta mark set ct mark'],
      [`ip route add ${SERVER} via 198.51.100.1 dev kwan2 table main`],
    ]);

    const text = await pbr(['explain-log', '--snapshot', snapshotFile, logFile]);
    assert.equal(text.exitCode, 0, text.stderr);
    assert.match(text.stdout, /dropped by: rp_filter strict/);
    assert.match(text.stdout, /reverse lookup: forwarded out lan; iif lan, rule 32766 → table main: default via 192\.0\.2\.1 dev kwan1/);

    // every fix, applied alone to the strict router, lets the real replies through; the first is the smallest
    for (const fix of entry.fixes) {
      await resetRouter();
      assert.equal(await ping(), false, 'dropped again before the fix');
      for (const command of fix.commands) await must(command.split(' '), NS.router);
      assert.equal(await ping(), true, `the replies arrive once "${fix.commands.join('; ')}" is applied`);
      t.diagnostic(`fix applied, replies through: ${fix.commands.join('; ')}`);
    }
  } finally {
    await runProgram(['ip', '-force', '-batch', '-'], { input: Object.values(NS).map((n) => `netns del ${n}\n`).join('') });
    await rm(dir, { recursive: true, force: true });
  }
});
