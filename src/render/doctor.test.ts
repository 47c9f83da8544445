import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DoctorReport } from '../lint/doctor/report.ts';
import { renderDoctorJson, renderDoctorText } from './doctor.ts';

const FINE: DoctorReport = {
  kernelRelease: '6.18.44',
  kernelSources: ['build config read from /proc/config.gz'],
  capabilities: [{ id: 'multipath', title: 'multipath routes', verdict: 'yes', source: 'config', evidence: 'CONFIG_IP_ROUTE_MULTIPATH=y in /proc/config.gz', severity: 'info' }],
  tools: [{ id: 'nft', present: true, version: '1.0.6', detail: 'nftables v1.0.6 (Lester Gooch #5)', severity: 'info' }],
  sysctls: [{ name: 'net.ipv4.ip_forward', value: '1', meaning: 'routes packets', status: 'ok' }],
  lint: [],
  notes: [],
};

const PROBLEMS: DoctorReport = {
  ...FINE,
  netns: 'r1',
  capabilities: [
    { id: 'multipath', title: 'multipath routes', verdict: 'no', source: 'config', evidence: 'CONFIG_IP_ROUTE_MULTIPATH=n in /proc/config.gz', severity: 'warning', hint: 'use a kernel built with CONFIG_IP_ROUTE_MULTIPATH' },
    { id: 'ipv6-subtrees', title: 'IPv6 subtrees', verdict: 'unknown', source: 'none', evidence: 'no kernel config; a trial needs root', severity: 'info', hint: 'run as root' },
  ],
  tools: [{ id: 'conntrack', present: false, detail: 'not installed', severity: 'info', hint: 'install it: apt-get install conntrack' }],
  sysctls: [{ name: 'net.ipv4.conf.*.log_martians', value: '0', meaning: 'logs martians', status: 'note', hint: 'sysctl -w net.ipv4.conf.all.log_martians=1' }],
  lint: [{ id: 'rule-table-empty', severity: 'warning', message: 'rule 100 looks up table 300, which is empty', hint: 'add routes to table 300', objects: ['rule 100', 'table 300'] }],
  notes: ['nft is not installed: nft not captured'],
};

test('renderDoctorText: everything fine', () => {
  assert.equal(
    renderDoctorText(FINE),
    [
      'Kernel 6.18.44',
      '  build config read from /proc/config.gz',
      '  ✓ multipath routes: yes (CONFIG_IP_ROUTE_MULTIPATH=y in /proc/config.gz)',
      '',
      'Tools',
      '  ✓ nft 1.0.6',
      '',
      'Sysctls (this namespace)',
      '  ✓ net.ipv4.ip_forward = 1: routes packets',
      '',
      'Lint (no findings)',
      '  ✓ nothing found',
      '',
      '0 errors, 0 warnings, 0 notes',
      '',
    ].join('\n'),
  );
});

test('renderDoctorText: each problem with its mark and its fix', () => {
  const text = renderDoctorText(PROBLEMS);
  for (const line of [
    '  ✗ multipath routes: no (CONFIG_IP_ROUTE_MULTIPATH=n in /proc/config.gz)\n      fix: use a kernel built with CONFIG_IP_ROUTE_MULTIPATH\n',
    '  ? IPv6 subtrees: unknown (no kernel config; a trial needs root)\n      fix: run as root\n',
    '  ! conntrack: not installed\n      fix: install it: apt-get install conntrack\n',
    'Sysctls (namespace r1)\n',
    '  ! net.ipv4.conf.*.log_martians = 0: logs martians\n      fix: sysctl -w net.ipv4.conf.all.log_martians=1\n',
    'Lint (1 finding)\n  ✗ warning rule-table-empty: rule 100 looks up table 300, which is empty\n      fix: add routes to table 300\n',
    'Not captured\n  ? nft is not installed: nft not captured\n',
    '0 errors, 2 warnings, 3 notes\n',
  ]) assert.ok(text.includes(line), `missing:\n${line}\nin:\n${text}`);
});

test('renderDoctorJson: one object, the summary gives the exit status', () => {
  const fine = renderDoctorJson(FINE) as Record<string, unknown>;
  assert.deepEqual(Object.keys(fine), ['kernelRelease', 'kernel', 'tools', 'sysctls', 'lint', 'notes', 'summary']);
  assert.deepEqual(fine['summary'], { errors: 0, warnings: 0, notes: 0, status: 0 });
  const problems = JSON.parse(JSON.stringify(renderDoctorJson(PROBLEMS))) as Record<string, unknown>;
  assert.equal(problems['netns'], 'r1');
  assert.deepEqual(problems['summary'], { errors: 0, warnings: 2, notes: 3, status: 1 });
  assert.deepEqual((problems['kernel'] as { capabilities: { verdict: string }[] }).capabilities.map((c) => c.verdict), ['no', 'unknown']);
});
