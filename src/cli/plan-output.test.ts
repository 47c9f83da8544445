import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HostAction, Plan } from '../model/plan.ts';
import { renderApplyResult, renderHostActionCommand, renderPlanCommands, renderPlanText } from './plan-output.ts';

test('each host action as the shell command that does the same', () => {
  const rows: [HostAction, string][] = [
    [{ kind: 'run', argv: ['ip', 'rule', 'add', 'pref', '10000', 'fwmark', '0x100/0xff00', 'lookup', '100'] }, 'ip rule add pref 10000 fwmark 0x100/0xff00 lookup 100'],
    [{ kind: 'run', argv: ['ip', 'route', 'add', 'default', 'dev', "we'ird name"] }, `ip route add default dev 'we'\\''ird name'`],
    [{ kind: 'run', argv: ['nft', '-f', '-'], stdin: 'table inet pbr {\n}\n' }, "nft -f - <<'EOF'\ntable inet pbr {\n}\nEOF"],
    [{ kind: 'run', argv: ['nft', '-f', '-'], stdin: 'EOF\n' }, "nft -f - <<'EOF_'\nEOF\nEOF_"],
    [{ kind: 'write-file', path: '/etc/iproute2/rt_tables.d/pbr.conf', content: '100\tisp1' }, "mkdir -p /etc/iproute2/rt_tables.d && cat > /etc/iproute2/rt_tables.d/pbr.conf <<'EOF'\n100\tisp1\nEOF"],
    [{ kind: 'delete-file', path: '/etc/x.conf' }, 'rm -f /etc/x.conf'],
    [{ kind: 'sysctl', path: 'net/ipv4/conf/wan1.100/rp_filter', value: '2' }, 'sysctl -qw net/ipv4/conf/wan1.100/rp_filter=2'],
  ];
  for (const [action, expected] of rows) assert.equal(renderHostActionCommand(action), expected);
});

test('a plan as numbered lines, and as a script', () => {
  const plan: Plan = {
    conflicts: [],
    changes: [
      { object: 'rule', action: 'add', summary: 'add IPv4 rule 10000: from all lookup isp1', apply: [{ kind: 'run', argv: ['ip', 'rule', 'add', 'pref', '10000', 'lookup', '100'] }], revert: [] },
      { object: 'sysctl', action: 'set', summary: 'set net.ipv4.conf.wan1.rp_filter = 2 (was 1)', apply: [{ kind: 'sysctl', path: 'net/ipv4/conf/wan1/rp_filter', value: '2' }], revert: [] },
    ],
  };
  assert.equal(renderPlanText(plan), '2 changes:\n1. add IPv4 rule 10000: from all lookup isp1\n2. set net.ipv4.conf.wan1.rp_filter = 2 (was 1)\n');
  assert.equal(
    renderPlanCommands(plan),
    'set -e\n# 1. add IPv4 rule 10000: from all lookup isp1\nip rule add pref 10000 lookup 100\n# 2. set net.ipv4.conf.wan1.rp_filter = 2 (was 1)\nsysctl -qw net/ipv4/conf/wan1/rp_filter=2\n',
  );
  assert.equal(renderPlanText({ changes: [], conflicts: [] }), 'no changes: the host is as the intent says\n');
});

test('apply results say what failed and what state the host is in', () => {
  const failure = { what: 'ip rule add pref 10000 lookup 100', exitCode: 2, stderr: 'RTNETLINK answers: File exists\n' };
  assert.equal(
    renderApplyResult({ kind: 'rolled-back', journalId: 'J', cause: { kind: 'step', step: 3, summary: 'add rule', failure }, notes: [] }),
    'pbr apply: step 3 (add rule) failed: ip rule add pref 10000 lookup 100 (exit 2): RTNETLINK answers: File exists\npbr apply: rolled back: the host is as it was before\n',
  );
  assert.match(
    renderApplyResult({ kind: 'rollback-failed', journalId: 'J', cause: { kind: 'verify', problems: ['ssh: goes to wan1'] }, revert: { step: 1, summary: 'add rule', failure } }),
    /^pbr apply: the applied state does not do what the intent says:\n  ssh: goes to wan1\npbr apply: ROLLBACK FAILED at step 1 \(add rule\): .*\nhint: the journal J is kept/,
  );
});
