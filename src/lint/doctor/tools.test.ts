import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assessTool, TOOLS, type ToolDef, type ToolRun } from './tools.ts';

function tool(id: string): ToolDef {
  const found = TOOLS.find((t) => t.id === id);
  assert.ok(found, id);
  return found;
}

const cases: readonly { id: string; run: ToolRun; present: boolean; version?: string; variant?: string; severity: string }[] = [
  { id: 'iproute2', run: { installed: true, exitCode: 0, output: 'ip utility, iproute2-6.1.0, libbpf 1.1.2\n' }, present: true, version: '6.1.0', severity: 'info' },
  { id: 'iproute2', run: { installed: true, exitCode: 0, output: 'ip utility, iproute2-ss200127\n' }, present: true, version: '200127', severity: 'info' },
  { id: 'iproute2', run: { installed: false }, present: false, severity: 'error' },
  { id: 'nft', run: { installed: true, exitCode: 0, output: 'nftables v1.0.6 (Lester Gooch #5)\n' }, present: true, version: '1.0.6', severity: 'info' },
  { id: 'nft', run: { installed: false }, present: false, severity: 'warning' },
  { id: 'nft', run: { installed: true, exitCode: 1, output: 'nft: error while loading shared libraries\n' }, present: false, severity: 'warning' },
  { id: 'iptables', run: { installed: true, exitCode: 0, output: 'iptables v1.8.9 (nf_tables)\n' }, present: true, version: '1.8.9', variant: 'nf_tables', severity: 'info' },
  { id: 'ip6tables', run: { installed: true, exitCode: 0, output: 'ip6tables v1.8.7 (legacy)\n' }, present: true, version: '1.8.7', variant: 'legacy', severity: 'info' },
  { id: 'conntrack', run: { installed: true, exitCode: 0, output: 'conntrack v1.4.7 (conntrack-tools)\n' }, present: true, version: '1.4.7', severity: 'info' },
  { id: 'conntrack', run: { installed: false }, present: false, severity: 'info' },
];

for (const c of cases) {
  test(`assessTool ${c.id}: ${c.run.installed ? JSON.stringify(c.run.output.trim()) : 'not installed'}`, () => {
    const result = assessTool(tool(c.id), c.run);
    assert.equal(result.present, c.present);
    assert.equal(result.version, c.version);
    assert.equal(result.variant, c.variant);
    assert.equal(result.severity, c.severity);
    // a missing tool says what pbr loses and how to install it
    if (!c.present) assert.match(result.hint ?? '', /; (install it|check the installation): apt-get install /);
    else assert.equal(result.hint, undefined);
  });
}
