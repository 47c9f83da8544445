// Runs every example of every docs/lint/<id>.md page on a fresh base host (docs/lint/README.md) in network
// namespaces: the failing example must give a finding of the page's id, the passing example none.
// Needs root and `ip netns`; skips otherwise, unless PBR_REQUIRE_NETNS=1 (then it fails).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lintInput } from '../../src/cli/lint-command.ts';
import { captureSnapshot } from '../../src/host/capture-snapshot.ts';
import { runProgram } from '../../src/host/exec.ts';
import { runLint } from '../../src/lint/registry.ts';
import type { LintFinding, LintInput } from '../../src/model/lint.ts';
import { parseSnapshot } from '../../src/parse/snapshot.ts';
import { memoryIo } from '../cli/memory-io.ts';
import { createBaseHost, deleteBaseHost, runExampleBlocks } from './base-host.ts';
import { readLintPages, type Example } from './docs-pages.ts';

/** Examples set up at once (two namespaces each). */
const CONCURRENCY = 8;

async function cannotRun(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'not root (network namespaces need root)';
  const probe = `pbrd-probe-${process.pid}`;
  const added = await runProgram(['ip', 'netns', 'add', probe]).catch((error: Error) => ({ exitCode: -1, stderr: error.message }));
  if (added.exitCode !== 0) return `ip netns add failed: ${added.stderr.trim()}`;
  await runProgram(['ip', 'netns', 'del', probe]);
  return undefined;
}

/** The base host after the example, captured like `pbr snapshot --netns`, as `pbr lint [-c]` gives it to the checks. */
async function exampleInput(name: string, example: Example, where: string): Promise<LintInput> {
  const host = await createBaseHost(name, example.rtTables);
  const dir = mkdtempSync(join(tmpdir(), 'pbrd-'));
  try {
    const intent = await runExampleBlocks(host, example, where);
    const parsed = parseSnapshot(JSON.parse(JSON.stringify(await captureSnapshot({ netns: host.router }))) as unknown, { name: host.router });
    assert.deepEqual(parsed.diagnostics.filter((d) => d.severity === 'error'), [], `${where}: the capture has errors`);
    const io = memoryIo();
    const config = join(dir, 'pbr.yaml');
    if (intent !== undefined) writeFileSync(config, intent);
    return await lintInput({ json: false, ...(intent === undefined ? {} : { config }) }, { io, loadState: () => Promise.resolve(parsed.value) }).catch((error: Error) => {
      throw new Error(`${where}: the intent: ${error.message}\n${io.stderr.text}`);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await deleteBaseHost(host);
  }
}

async function lintExample(name: string, example: Example, where: string): Promise<LintFinding[]> {
  return runLint(await exampleInput(name, example, where));
}

const show = (findings: readonly LintFinding[]): string => findings.map((f) => `  ${f.severity} ${f.id}: ${f.message}`).join('\n') || '  (none)';

async function skipUnlessNetns(t: { skip: (reason: string) => void }): Promise<boolean> {
  const reason = await cannotRun();
  if (reason === undefined) return false;
  if (process.env['PBR_REQUIRE_NETNS'] === '1') assert.fail(`PBR_REQUIRE_NETNS=1 but ${reason}`);
  t.skip(reason);
  return true;
}

test('the harness: the base host, nft, iptables and yaml blocks and rt_tables names reach the checks', { timeout: 60_000 }, async (t) => {
  if (await skipUnlessNetns(t)) return;
  const example: Example = {
    rtTables: ['100 isp2'],
    blocks: [
      { kind: 'sh', line: 1, text: "ip route add default via 198.51.100.1 dev wan2 table isp2\nnft add table inet t\nnft 'add chain inet t c { type filter hook output priority 0; }'\n" },
      { kind: 'nft', line: 5, text: 'table inet u {\n  chain c {\n    type filter hook prerouting priority -150;\n    meta mark set 0x1\n  }\n}\n' },
      { kind: 'iptables', line: 12, text: '*mangle\n-A PREROUTING -i lan0 -j MARK --set-mark 0x2\nCOMMIT\n' },
      { kind: 'yaml', line: 16, text: 'uplinks:\n  isp1: { interface: wan1, gateway: 192.0.2.1 }\n  isp3: { interface: wan2, gateway: 198.51.100.1 }\npolicies:\n  - name: ssh\n    match: { proto: tcp, dport: 22 }\n    via: isp3\n' },
    ],
  };
  const { state, intent } = await exampleInput(`${process.pid}-h`, example, 'harness');
  assert.deepEqual(intent?.policies.map((p) => p.name), ['ssh']);
  const v4 = state.addresses.filter((a) => a.family === 4).map((a) => `${a.dev} ${a.prefixLength}`);
  assert.deepEqual(v4.sort(), ['lan0 24', 'lo 8', 'wan1 24', 'wan2 24']);
  assert.equal(state.addresses.filter((a) => a.family === 6 && a.scope === 0).length, 3);
  assert.equal(state.sysctls.get('net/ipv4/ip_forward'), '1');
  // the uplinks' rp_filter is the intent's (loose by default)
  for (const dev of ['all', 'default', 'lo', 'lan0']) assert.equal(state.sysctls.get(`net/ipv4/conf/${dev}/rp_filter`), '0', dev);
  assert.equal(state.rtTables.names.get(100), 'isp2');
  assert.ok(state.routes.some((r) => r.table === 100 && r.dst.length === 0), 'the route added with the table name');
  const tables = (state.netfilter?.tables ?? []).map((tb) => `${tb.origin} ${tb.family} ${tb.name}`);
  for (const expected of ['nft inet t', 'nft inet u']) assert.ok(tables.includes(expected), `${expected} in ${tables.join(', ')}`);
  assert.ok(tables.some((tb) => tb.startsWith('iptables ') && tb.endsWith(' mangle')), tables.join(', '));
  // the intent is applied: pbr's ssh rule is in the state the checks see
  assert.ok(state.rules4.some((r) => r.ipProto === 6 && r.dport?.start === 22), 'pbr rule for the ssh policy');
});

test('docs/lint examples: failing gives the page’s finding, passing does not', { timeout: 120_000, concurrency: CONCURRENCY }, async (t) => {
  if (await skipUnlessNetns(t)) return;
  const pages = readLintPages();
  let n = 0;
  await Promise.all(
    pages.flatMap((page) =>
      (['failing', 'passing'] as const).map((kind) => {
        const name = `${process.pid}-${n++}`;
        return t.test(`${page.id}: ${kind} example`, async () => {
          const example = kind === 'failing' ? page.failing : page.passing;
          const findings = await lintExample(name, example, `docs/lint/${page.file}`);
          const own = findings.filter((f) => f.id === page.id);
          if (kind === 'failing') assert.ok(own.length > 0, `docs/lint/${page.file}: the failing example gives no ${page.id} finding; it gives:\n${show(findings)}`);
          else assert.deepEqual(own, [], `docs/lint/${page.file}: the passing example gives ${page.id}:\n${show(own)}`);
          for (const f of own) assert.equal(f.severity, page.severity, `docs/lint/${page.file}: a finding's severity`);
        });
      }),
    ),
  );
});
