// The docs pages' format and their tokenizer (no root needed); docs-examples.test.ts runs the examples.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ALL_CHECKS } from '../../src/lint/registry.ts';
import { disallowed, DOCS_DIR, parseLintPage, readLintPages, tokenizeSh } from './docs-pages.ts';

test('every registered check has a page with its severity, every page a registered check', () => {
  const pages = readLintPages();
  const ids = ALL_CHECKS.map((c) => c.id).sort();
  assert.deepEqual(pages.map((p) => p.id), ids, 'docs/lint/<id>.md pages and ALL_CHECKS ids differ');
  for (const page of pages) assert.equal(page.severity, ALL_CHECKS.find((c) => c.id === page.id)?.severity, `docs/lint/${page.file}: Severity`);
});

test('docs/lint/README.md lists every check once, with its title, in id order', () => {
  const readme = readFileSync(new URL('README.md', DOCS_DIR), 'utf8');
  const listed = [...readme.matchAll(/^- \[`([a-z0-9-]+)`\]\(([a-z0-9-]+)\.md\) \((error|warning|info)\): (.+)$/gm)].map((m) => ({ id: m[1], page: m[2], severity: m[3], title: m[4] }));
  const expected = [...ALL_CHECKS].sort((a, b) => (a.id < b.id ? -1 : 1)).map((c) => ({ id: c.id, page: c.id, severity: c.severity, title: c.title }));
  assert.deepEqual(listed, expected, 'the list in docs/lint/README.md is out of step with ALL_CHECKS (line: - [`id`](id.md) (severity): title)');
});

test('every example command is allowed and tokenizes', () => {
  for (const page of readLintPages()) {
    for (const block of [...page.failing.blocks, ...page.passing.blocks]) {
      if (block.kind !== 'sh') continue;
      for (const { argv, line } of tokenizeSh(block.text)) {
        const reason = disallowed(argv);
        assert.equal(reason, undefined, `docs/lint/${page.file}:${block.line + line}: ${reason}`);
      }
    }
  }
});

const tokenCases: readonly { text: string; argv: readonly (readonly string[])[] }[] = [
  { text: 'ip rule add pref 100 fwmark 0x1 lookup 100\n', argv: [['ip', 'rule', 'add', 'pref', '100', 'fwmark', '0x1', 'lookup', '100']] },
  { text: '# a comment\n\n  ip  link show # trailing\n', argv: [['ip', 'link', 'show']] },
  { text: "nft add rule inet t c 'meta mark set 0x1'\n", argv: [['nft', 'add', 'rule', 'inet', 't', 'c', 'meta mark set 0x1']] },
  { text: 'nft add chain inet t c "{ type filter hook output priority 0; }"\n', argv: [['nft', 'add', 'chain', 'inet', 't', 'c', '{ type filter hook output priority 0; }']] },
  { text: 'ip route add default \\\n  via 192.0.2.1\nsysctl -w a.b=1\n', argv: [['ip', 'route', 'add', 'default', 'via', '192.0.2.1'], ['sysctl', '-w', 'a.b=1']] },
  { text: 'nft add rule inet t c mark set 0x1 \\;\n', argv: [['nft', 'add', 'rule', 'inet', 't', 'c', 'mark', 'set', '0x1', ';']] },
  { text: 'ip a"b"\'c\'\n', argv: [['ip', 'abc']] },
];

for (const c of tokenCases) {
  test(`tokenizeSh ${JSON.stringify(c.text)}`, () => assert.deepEqual(tokenizeSh(c.text).map((x) => x.argv), c.argv));
}

test('tokenizeSh refuses shell syntax and open quotes', () => {
  assert.throws(() => tokenizeSh('ip rule | grep x\n'), /"\|" is shell syntax/);
  assert.throws(() => tokenizeSh('ip link set $DEV up\n'), /"\$" is shell syntax/);
  assert.throws(() => tokenizeSh("nft 'add\n"), /unterminated/);
});

test('disallowed: only ip, sysctl -w, nft, iptables, ip6tables', () => {
  assert.deepEqual(
    [['ip', 'rule'], ['sysctl', '-w', 'net.ipv4.ip_forward=1'], ['sysctl', 'net.ipv4.ip_forward'], ['rm', '-rf', '/'], ['nft']].map((a) => disallowed(a) === undefined),
    [true, true, false, false, false],
  );
});

const page = (body: string): string => `# x-y\nSeverity: warning\n\nText.\n\n${body}`;
const good = '## Failing example\n```sh\n# rt_tables: 100   isp2\nip rule add pref 1 lookup isp2\n```\n\n## Passing example\n```nft\ntable inet t {}\n```\n```yaml\nuplinks: {}\n```\n\n## Fix\n```\nanything\n```\n';

test('parseLintPage: blocks per example, the rt_tables comments', () => {
  const parsed = parseLintPage('x-y.md', page(good));
  assert.deepEqual([parsed.id, parsed.severity, parsed.failing.rtTables, parsed.passing.blocks.map((b) => b.kind)], ['x-y', 'warning', ['100 isp2'], ['nft', 'yaml']]);
});

test('parseLintPage names what breaks the format', () => {
  assert.throws(() => parseLintPage('x-z.md', page(good)), /x-z\.md:1: the id "x-y" is not the file name/);
  assert.throws(() => parseLintPage('x-y.md', page(good.replace('## Fix', '## Fixes'))), /unknown section "Fixes"/);
  assert.throws(() => parseLintPage('x-y.md', page(good.replace('```nft\ntable inet t {}\n```\n```yaml\nuplinks: {}\n```\n', ''))), /"## Passing example" has no example block/);
  assert.throws(() => parseLintPage('x-y.md', page(good.replace('```nft', '```bash'))), /not "bash"/);
  assert.throws(() => parseLintPage('x-y.md', `# x-y\nSeverity: high\n${good}`), /Severity: error\|warning\|info/);
});
