import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryIo } from '../../test/cli/memory-io.ts';
import { runExample } from './example.ts';
import { runCli } from './main.ts';

const REPO = join(import.meta.dirname, '..', '..');

async function example(): Promise<string> {
  const io = memoryIo();
  assert.equal(await runExample(io), 0, io.stderr.text);
  assert.equal(io.stderr.text, '');
  return io.stdout.text;
}

/** The text of section `title` (from its "== " line to the next). */
function section(out: string, title: string): string {
  const start = out.indexOf(`== ${title}`);
  assert.notEqual(start, -1, `section ${title}`);
  const end = out.indexOf('\n== ', start + 1);
  return out.slice(start, end === -1 ? undefined : end);
}

test('pbr example: the host, its intent, and the plan exactly as `pbr plan --snapshot` prints it', async () => {
  const out = await example();
  assert.match(out, /^ {2}wan1 +192\.0\.2\.2\/24 2001:db8:1::2\/64 +the default route, rp_filter off$/m);
  assert.match(out, /^ {2}wan2 +198\.51\.100\.2\/24 2001:db8:2::2\/64 +rp_filter strict$/m);
  assert.match(out, /^ {4}- name: ssh-via-isp2\n {6}match: \{ proto: tcp, dport: 22 \}\n {6}via: isp2$/m);

  const plan = memoryIo();
  assert.equal(await runCli(['plan', '-c', join(REPO, 'examples', 'pbr.yaml'), '--snapshot', join(REPO, 'examples', 'two-uplinks.snapshot.json')], plan), 1);
  assert.ok(section(out, '1. The plan').includes(plan.stdout.text), 'the plan as pbr plan prints it');
  const lines: readonly RegExp[] = [
    /^ *\d+\. add IPv4 route default via 198\.51\.100\.1 dev wan2 table isp2 metric 0$/m,
    /^ *\d+\. add IPv4 route default via 192\.0\.2\.1 dev wan1 table isp1 metric 0$/m,
    /^ *\d+\. add IPv4 rule \d+: from 198\.51\.100\.2\/32 lookup isp2$/m,
    /^ *\d+\. add IPv4 rule \d+: from all ipproto 6 dport 22 lookup isp2$/m,
    /^ *\d+\. add IPv4 rule \d+: from all ipproto 6 dport 80 lookup isp1$/m,
    /^ *\d+\. add IPv6 rule \d+: from all ipproto 6 dport 22 lookup isp2$/m,
    /^ *\d+\. add nftables table inet pbr \(\d+ rules, one transaction\)$/m,
    /^ *\d+\. set net\.ipv4\.conf\.wan2\.rp_filter = 2 \(was 1\): loose/m,
  ];
  for (const line of lines) assert.match(plan.stdout.text, line);
  assert.match(out, /After the apply \(computed offline\), `pbr plan` finds nothing left to change/);
});

test('pbr example: where ssh, http and their replies go, before and after the apply', async () => {
  const out = await example();
  const rows: readonly (readonly [string, RegExp, RegExp])[] = [
    [
      'ssh from a LAN client',
      /before: forwarded via wan1 gateway 192\.0\.2\.1 from 10\.0\.0\.50 to 203\.0\.113\.10; reply forwarded via lan0 /,
      /after: {2}forwarded via wan2 gateway 198\.51\.100\.1 from 10\.0\.0\.50 to 203\.0\.113\.10; reply forwarded via lan0 from 203\.0\.113\.10 to 10\.0\.0\.50$/,
    ],
    [
      'http from the same client',
      /before: forwarded via wan1 gateway 192\.0\.2\.1 /,
      /after: {2}forwarded via wan1 gateway 192\.0\.2\.1 from 10\.0\.0\.50 to 203\.0\.113\.10; reply forwarded via lan0 from 203\.0\.113\.10 to 10\.0\.0\.50$/,
    ],
    [
      'ssh opened by the router itself',
      /before: sent via wan1 gateway 192\.0\.2\.1 from 192\.0\.2\.2 /,
      /after: {2}sent via wan2 gateway 198\.51\.100\.1 from 198\.51\.100\.2 to 203\.0\.113\.10; reply delivered locally to 198\.51\.100\.2 from 203\.0\.113\.10 \(arrived on wan2\)$/,
    ],
    [
      'a connection from outside to the router\'s address on wan2',
      /before: dropped by rp_filter$/,
      /after: {2}delivered locally to 198\.51\.100\.2 from 203\.0\.113\.10 \(arrived on wan2\); reply sent via wan2 gateway 198\.51\.100\.1 from 198\.51\.100\.2 to 203\.0\.113\.10$/,
    ],
  ];
  const summary = section(out, '2. After the apply').split('\n');
  rows.forEach(([title, before, after], i) => {
    const at = summary.findIndex((l) => l.startsWith(`  ${i + 1}. ${title}`));
    assert.notEqual(at, -1, title);
    assert.match(summary[at + 1] ?? '', before, `${title}: before`);
    assert.match(summary[at + 2] ?? '', after, `${title}: after`);
  });
});

test('pbr example: each trace is pbr trace --reply on the applied state, without the rules that did not match', async () => {
  const out = await example();
  const rows: readonly (readonly [string, string, readonly RegExp[]])[] = [
    ['2.1', 'trace 203.0.113.10 from 10.0.0.50 iif lan0 proto tcp sport 40000 dport 22', [
      /^\d+ {2}route input: rule \d+, table isp2 → 203\.0\.113\.10 via 198\.51\.100\.1 dev wan2$/m,
      /^result: forwarded via wan2 gateway 198\.51\.100\.1/m,
      /^ {4}result: forwarded via lan0 from 203\.0\.113\.10 to 10\.0\.0\.50$/m,
    ]],
    ['2.2', 'trace 203.0.113.10 from 10.0.0.50 iif lan0 proto tcp sport 40001 dport 80', [
      /^\d+ {2}route input: rule \d+, table isp1 → 203\.0\.113\.10 via 192\.0\.2\.1 dev wan1$/m,
      /^result: forwarded via wan1 gateway 192\.0\.2\.1/m,
      /^ {4}result: forwarded via lan0 from 203\.0\.113\.10 to 10\.0\.0\.50$/m,
    ]],
    ['2.3', 'trace --from-local 203.0.113.10 proto tcp sport 40002 dport 22', [
      /^result: sent via wan2 gateway 198\.51\.100\.1 from 198\.51\.100\.2 to 203\.0\.113\.10$/m,
      /^ {4}result: delivered locally to 198\.51\.100\.2 from 203\.0\.113\.10 \(arrived on wan2\)$/m,
    ]],
    ['2.4', 'trace 198.51.100.2 from 203.0.113.10 iif wan2 proto tcp sport 40003 dport 22', [
      /rule: iifname wan2 ct state new goto mark_isp2\n +matched: goto mark_isp2$/m,
      /^result: delivered locally to 198\.51\.100\.2 from 203\.0\.113\.10 \(arrived on wan2\)$/m,
      /^ {4}result: sent via wan2 gateway 198\.51\.100\.1 from 198\.51\.100\.2 to 203\.0\.113\.10$/m,
    ]],
  ];
  for (const [number, request, lines] of rows) {
    const text = section(out, number);
    assert.match(text, /^\$ pbr trace --reply .+ {4}# after the apply$/m);
    assert.ok(text.includes(`\n${request}\n`), `${number}: ${request}`);
    for (const line of lines) assert.match(text, line, `${number}: ${line}`);
    assert.match(text, /^\(\d+ rules? that did not match left out; pbr trace shows every one\)$/m);
  }
  assert.doesNotMatch(out, /— no match/);
});

test('pbr example: ends with the checks pbr apply runs, all ok', async () => {
  const out = await example();
  const checks = section(out, '3. The checks');
  for (const line of [
    /^ {2}ok {6}ssh-via-isp2: tcp 198\.18\.0\.119:22 from 10\.0\.0\.10 iif lan0 → wan2$/m,
    /^ {2}ok {6}web-via-isp1: tcp 198\.18\.0\.119:80 from 10\.0\.0\.10 iif lan0 → wan1$/m,
    /^ {2}ok {6}office: udp 198\.18\.0\.119:9 from 10\.0\.0\.1 \(sent by this host\) → wan1 75%$/m,
    /^ {2}ok {6}office: udp 198\.18\.0\.119:9 from 10\.0\.0\.1 \(sent by this host\) → wan2 25%$/m,
    /^ {2}ok {6}replies of isp2: tcp 198\.51\.100\.2:22 from 198\.18\.0\.119 iif wan2, the reply → wan2$/m,
  ]) assert.match(checks, line);
  assert.doesNotMatch(checks, /NOT OK/);
  assert.match(checks, /^all \d+ checks ok: every policy leads where the intent says$/m);
});

test('pbr example exits 1 and says NOT OK when a check fails: a foreign rule that sends ssh elsewhere', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pbr-example-'));
  try {
    const intent = join(dir, 'ssh-via-isp1.yaml');
    // the hand-made setup's rule 1200 (ipproto tcp dport 22 lookup 102, by wan2) comes before pbr's rules
    await writeFile(intent, 'uplinks:\n  isp1: { interface: wan1, gateway: 192.0.2.1 }\n  isp2: { interface: wan2, gateway: 198.51.100.1 }\npolicies:\n  - name: ssh-via-isp1\n    match: { proto: tcp, dport: 22 }\n    via: isp1\ndefault: isp1\n');
    const io = memoryIo();
    const files = { snapshotName: 'hand-made-pbr.snapshot.json', snapshot: join(REPO, 'test', 'fixtures', 'cli', 'hand-made-pbr.snapshot.json'), intentName: 'ssh-via-isp1.yaml', intent };
    assert.equal(await runExample(io, files), 1);
    const checks = section(io.stdout.text, '3. The checks');
    assert.match(checks, /^ {2}NOT OK {2}ssh-via-isp1: tcp 198\.18\.0\.119:22 from 10\.0\.0\.10 iif lan0 → wan1 \(got wan2\)$/m);
    assert.match(checks, /^\d+ of \d+ checks NOT OK$/m);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
