// A namespace with legacy iptables tables beside iptables-nft and nft ones: captureSnapshot takes iptables-legacy-save
// too (iptables-nft-save warns), and the parsed rule set holds every table. Needs root, `ip netns` and the iptables
// tools; skips otherwise, unless PBR_REQUIRE_NETNS=1 (then it fails).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { captureSnapshot } from '../../src/host/capture-snapshot.ts';
import { programExists, runProgram } from '../../src/host/exec.ts';
import type { NfTable } from '../../src/model/netfilter.ts';
import { SOURCE_KEYS } from '../../src/model/snapshot.ts';
import { parseSnapshot } from '../../src/parse/snapshot.ts';

const NETNS = `pbrl-cap-${process.pid}`;
const TOOLS = ['iptables-legacy-restore', 'ip6tables-legacy-restore', 'iptables-legacy-save', 'iptables-nft', 'nft'];

const LEGACY_V4 = [
  '*mangle',
  '-A PREROUTING -i x0 -j MARK --set-xmark 0x1/0xffffffff',
  '-A OUTPUT -p tcp --dport 22 -j MARK --set-xmark 0x2/0xffffffff',
  'COMMIT',
  '*nat',
  '-A POSTROUTING -o x0 -j MASQUERADE',
  'COMMIT',
  '',
].join('\n');
const LEGACY_V6 = ['*mangle', '-A OUTPUT -j MARK --set-xmark 0x6/0xffffffff', 'COMMIT', ''].join('\n');
const NFT = [
  'table inet pbr {',
  '  chain pre {',
  '    type filter hook prerouting priority mangle; policy accept;',
  '    meta mark set 0x10',
  '  }',
  '}',
  '',
].join('\n');

async function inNetns(argv: readonly string[], input?: string): Promise<void> {
  const result = await runProgram(argv, { netns: NETNS, ...(input === undefined ? {} : { input }) });
  assert.equal(result.exitCode, 0, `${argv.join(' ')}: ${result.stderr}`);
}

/** Why the test cannot run here, or undefined; creates the namespace when it can. */
async function setUp(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'not root (network namespaces need root)';
  for (const tool of TOOLS) if (!(await programExists(tool))) return `${tool} is not installed`;
  const added = await runProgram(['ip', 'netns', 'add', NETNS]).catch((error: Error) => ({ exitCode: -1, stderr: error.message }));
  if (added.exitCode !== 0) return `ip netns add failed: ${added.stderr.trim()}`;
  return undefined;
}

/** "family name ← source key" of a table: nft, or the dump its rules were read from */
function describeTable(table: NfTable): string {
  const file = table.chains.flatMap((c) => c.rules).find((r) => r.source?.file !== undefined)?.source?.file ?? '';
  return `${table.family} ${table.name} ← ${table.origin === 'nft' ? 'nft' : file.replace(/^live:sources\./, '')}`;
}

test('legacy iptables beside iptables-nft and nft: the snapshot holds all of them', { timeout: 60_000 }, async (t) => {
  const reason = await setUp();
  if (reason) {
    if (process.env['PBR_REQUIRE_NETNS'] === '1') assert.fail(`PBR_REQUIRE_NETNS=1 but ${reason}`);
    t.skip(reason);
    return;
  }
  try {
    await inNetns(['ip', 'link', 'add', 'x0', 'type', 'veth', 'peer', 'name', 'x1']);
    await inNetns(['iptables-legacy-restore'], LEGACY_V4);
    await inNetns(['ip6tables-legacy-restore'], LEGACY_V6);
    await inNetns(['iptables-nft', '-t', 'mangle', '-A', 'OUTPUT', '-j', 'MARK', '--set-mark', '0x3']);
    await inNetns(['nft', '-f', '-'], NFT);

    const snapshot = await captureSnapshot({ netns: NETNS });
    assert.match(snapshot.sources[SOURCE_KEYS.iptables]?.stderr ?? '', /^# Warning: iptables-legacy tables present, use iptables-legacy-save to see them$/m);
    assert.match(snapshot.sources[SOURCE_KEYS.ip6tables]?.stderr ?? '', /^# Warning: ip6tables-legacy tables present, use ip6tables-legacy-save to see them$/m);
    for (const key of [SOURCE_KEYS.iptablesLegacy, SOURCE_KEYS.ip6tablesLegacy]) {
      assert.deepEqual(snapshot.sources[key]?.argv, ['ip', 'netns', 'exec', NETNS, key === SOURCE_KEYS.iptablesLegacy ? 'iptables-legacy-save' : 'ip6tables-legacy-save']);
      assert.equal(snapshot.sources[key]?.exitCode, 0, `${key}: ${snapshot.sources[key]?.stderr ?? 'missing'}`);
    }
    assert.deepEqual(snapshot.notes, []);

    const parsed = parseSnapshot(JSON.parse(JSON.stringify(snapshot)) as unknown, { name: 'live' });
    assert.deepEqual(parsed.diagnostics.filter((d) => d.severity !== 'info'), []);
    const tables = parsed.value.netfilter?.tables ?? [];
    assert.deepEqual(tables.map(describeTable), [
      'ip mangle ← iptablesSave',
      'inet pbr ← nft',
      // iptables-legacy-save lists the tables newest first (xt_register_table() adds at the head)
      'ip nat ← iptablesLegacySave',
      'ip mangle ← iptablesLegacySave',
      'ip6 mangle ← ip6tablesLegacySave',
    ]);
    const rules = (table: NfTable | undefined, chain: string): string[] => table?.chains.find((c) => c.name === chain)?.rules.map((r) => r.text) ?? [];
    const [nftMangle, pbr, legacyNat, legacyMangle, legacyMangle6] = tables;
    assert.deepEqual(rules(nftMangle, 'OUTPUT'), ['-A OUTPUT -j MARK --set-xmark 0x3/0xffffffff']);
    assert.deepEqual(rules(legacyMangle, 'PREROUTING'), ['-A PREROUTING -i x0 -j MARK --set-xmark 0x1/0xffffffff']);
    assert.deepEqual(rules(legacyMangle, 'OUTPUT'), ['-A OUTPUT -p tcp -m tcp --dport 22 -j MARK --set-xmark 0x2/0xffffffff']);
    assert.deepEqual(rules(legacyNat, 'POSTROUTING'), ['-A POSTROUTING -o x0 -j MASQUERADE']);
    assert.deepEqual(rules(legacyMangle6, 'OUTPUT'), ['-A OUTPUT -j MARK --set-xmark 0x6/0xffffffff']);
    assert.equal(pbr?.chains[0]?.base?.priority, -150);
    // each legacy mangle base chain ties with iptables-nft's of the same name, prerouting with nft's inet pbr pre too
    const ties = parsed.diagnostics.filter((d) => d.code === 'netfilter-priority-tie').map((d) => d.message.replace(/;.*/, ''));
    assert.deepEqual(ties, [
      'on IPv4 hook prerouting, priority -150: legacy iptables (ip mangle PREROUTING) and nftables (ip mangle PREROUTING, inet pbr pre)',
      ...['input', 'forward', 'output', 'postrouting'].map((hook) => {
        const chain = hook.toUpperCase();
        return `on IPv4 hook ${hook}, priority -150: legacy iptables (ip mangle ${chain}) and nftables (ip mangle ${chain})`;
      }),
      'on IPv6 hook prerouting, priority -150: legacy iptables (ip6 mangle PREROUTING) and nftables (inet pbr pre)',
    ]);
    assert.ok(!parsed.diagnostics.some((d) => d.code === 'iptables-legacy-not-captured'));
  } finally {
    // deleting the namespace frees its legacy tables as well as its nf_tables ones
    await runProgram(['ip', 'netns', 'del', NETNS]);
  }
});
