// Records the iptables parser fixtures (test/fixtures/netfilter/iptables) from real iptables runs in a network namespace.
// Run as root: npx tsx scripts/record-iptables-fixtures.ts, then
//   UPDATE_GOLDEN=1 node --import tsx --test src/parse/iptables-golden.test.ts
//
// For every case directory (rules.v4, rules.v6, optional extra.nft): a fresh namespace, the rules loaded with
// iptables-restore (iptables-legacy-restore for the case "legacy"), then iptables-save, ip6tables-save,
// `nft -j list ruleset` and a whole `pbr snapshot` of the namespace are stored beside the rules.
// mark-ops/observed.json: what the kernel did to skb mark, ct mark and TOS for each MARK/CONNMARK/TOS/DSCP rule,
// read back bit by bit from rule counters, with both the nf_tables and the legacy iptables.
import { readdir, readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { captureSnapshot } from '../src/host/capture-snapshot.ts';
import { runProgram } from '../src/host/exec.ts';

const NETNS = 'pbri-fx';
const OUT = join(import.meta.dirname, '..', 'test', 'fixtures', 'netfilter', 'iptables');

async function run(argv: readonly string[], options: { netns?: string; input?: string } = {}): Promise<string> {
  const result = await runProgram(argv, options);
  if (result.exitCode !== 0) throw new Error(`${result.argv.join(' ')} exited ${result.exitCode}: ${result.stderr.trim()}`);
  return result.stdout;
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** A fresh namespace with lo up for `body`; deleted afterwards, also on failure. */
async function inNamespace<T>(body: () => Promise<T>): Promise<T> {
  await runProgram(['ip', 'netns', 'del', NETNS]).catch(() => undefined);
  await run(['ip', 'netns', 'add', NETNS]);
  try {
    await run(['ip', 'link', 'set', 'lo', 'up'], { netns: NETNS });
    return await body();
  } finally {
    await runProgram(['ip', 'netns', 'del', NETNS]);
  }
}

async function recordCase(name: string): Promise<void> {
  const dir = join(OUT, name);
  const legacy = name === 'legacy';
  const tools = legacy
    ? { restore4: 'iptables-legacy-restore', restore6: 'ip6tables-legacy-restore', save4: 'iptables-legacy-save', save6: 'ip6tables-legacy-save' }
    : { restore4: 'iptables-restore', restore6: 'ip6tables-restore', save4: 'iptables-save', save6: 'ip6tables-save' };
  await inNamespace(async () => {
    const v4 = await readOptional(join(dir, 'rules.v4'));
    const v6 = await readOptional(join(dir, 'rules.v6'));
    const extra = await readOptional(join(dir, 'extra.nft'));
    if (v4 !== undefined) await run([tools.restore4], { netns: NETNS, input: v4 });
    if (v6 !== undefined) await run([tools.restore6], { netns: NETNS, input: v6 });
    if (extra !== undefined) await run(['nft', '-f', join(dir, 'extra.nft')], { netns: NETNS });
    await writeFile(join(dir, 'iptables-save.txt'), await run([tools.save4], { netns: NETNS }));
    await writeFile(join(dir, 'ip6tables-save.txt'), await run([tools.save6], { netns: NETNS }));
    await writeFile(join(dir, 'nft.json'), await run(['nft', '-j', 'list', 'ruleset'], { netns: NETNS }));
    await writeFile(join(dir, 'nft.txt'), await run(['nft', '-a', 'list', 'ruleset'], { netns: NETNS }));
    const snapshot = await captureSnapshot({ netns: NETNS, now: () => new Date('2026-01-01T00:00:00Z') });
    await writeFile(join(dir, 'snapshot.json'), `${JSON.stringify(snapshot, null, 2)}\n`);
  });
  console.log(`recorded ${name}`);
}

/** The rules whose arithmetic is checked: every MARK, CONNMARK, TOS and DSCP form, masks and shifts included. */
const MARK_OPS: readonly string[] = [
  '-j MARK --set-xmark 0x5/0xf0',
  '-j MARK --set-xmark 0x0/0x0',
  '-j MARK --set-xmark 0xffffffff/0xffff',
  '-j MARK --set-mark 0x5',
  '-j MARK --set-mark 0x5/0xf0',
  '-j MARK --and-mark 0xff00ff00',
  '-j MARK --or-mark 0x3',
  '-j MARK --xor-mark 0x3',
  '-j CONNMARK --set-xmark 0x7/0xf',
  '-j CONNMARK --set-mark 0x7',
  '-j CONNMARK --set-mark 0x7/0xf0',
  '-j CONNMARK --and-mark 0xff',
  '-j CONNMARK --or-mark 0xf00',
  '-j CONNMARK --xor-mark 0x1234',
  '-j CONNMARK --save-mark',
  '-j CONNMARK --save-mark --mask 0xff',
  '-j CONNMARK --save-mark --nfmask 0xff00 --ctmask 0xf0f0',
  '-j CONNMARK --restore-mark',
  '-j CONNMARK --restore-mark --mask 0xff',
  '-j CONNMARK --restore-mark --nfmask 0xf0f0 --ctmask 0xff00',
  '-j CONNMARK --restore-mark --mask 0xff00 --right-shift-mark 8',
  '-j CONNMARK --restore-mark --ctmask 0xff --nfmask 0xff000000 --left-shift-mark 24',
  '-j CONNMARK --restore-mark --right-shift-mark 4',
  '-j CONNMARK --save-mark --mask 0xff --left-shift-mark 8',
  '-j CONNMARK --save-mark --nfmask 0xff000000 --ctmask 0xff --right-shift-mark 24',
  '-j CONNMARK --save-mark --left-shift-mark 31',
  '-j CONNMARK --set-xmark 0x3/0xf --left-shift-mark 4',
  '-j CONNMARK --set-xmark 0x30/0xf0 --right-shift-mark 4',
  '-j CONNMARK --set-mark 0x7 --right-shift-mark 4',
  '-j TOS --set-tos 0x10',
  '-j TOS --set-tos 0x10/0x3f',
  '-j TOS --set-tos 0xff/0x0f',
  '-j TOS --and-tos 0x0f',
  '-j TOS --or-tos 0x20',
  '-j TOS --xor-tos 0x84',
  '-j TOS --set-tos Minimize-Delay',
  '-j DSCP --set-dscp 0x2e',
  '-j DSCP --set-dscp-class AF41',
];

/** Matches on the same state: did the kernel count the packet? */
const MATCH_OPS: readonly string[] = [
  '-m mark --mark 0x12345678',
  '-m mark --mark 0xffffffff',
  '-m mark --mark 0x8/0xf8',
  '-m mark --mark 0x78/0xff',
  '-m mark ! --mark 0x78/0xff',
  '-m mark --mark 0x3/0x1',
  '-m mark ! --mark 0x3/0x1',
  '-m connmark --mark 0xf0/0xf0',
  '-m connmark ! --mark 0x0',
  '-m connmark --mark 0x0/0xff',
  '-m tos --tos 0x54',
  '-m tos --tos 0x10/0x3f',
  '-m tos --tos 0x14/0x3c',
  '-m tos ! --tos 0x08',
  '-m tos --tos Minimize-Delay',
  '-m tos --tos 0x14/0x1c',
  '-m dscp --dscp 0x15',
  '-m dscp --dscp 0x2a',
  '-m dscp ! --dscp-class AF41',
];

const INITIAL = [
  { mark: 0x12345678, ctmark: 0x9abcdef0, dscp: 0x15 },
  { mark: 0xffffffff, ctmark: 0x0, dscp: 0x2a },
] as const;

const FIRST_PORT = 20000;
const hex = (n: number): string => `0x${(n >>> 0).toString(16)}`;

/** One chain per (initial state, rule): set the state, run the rule, then one counting rule per bit of mark, ct mark and tos. */
function markOpsRules(): { text: string; cases: { chain: string; rule: string; initial: (typeof INITIAL)[number]; match: boolean }[] } {
  const lines = ['*mangle', ':PREROUTING ACCEPT [0:0]', ':INPUT ACCEPT [0:0]', ':FORWARD ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', ':POSTROUTING ACCEPT [0:0]'];
  const body: string[] = [];
  const cases: { chain: string; rule: string; initial: (typeof INITIAL)[number]; match: boolean }[] = [];
  INITIAL.forEach((initial, i) => {
    [...MARK_OPS, ...MATCH_OPS].forEach((rule, j) => {
      const chain = `op${i}-${j}`;
      cases.push({ chain, rule, initial, match: j >= MARK_OPS.length });
      lines.push(`:${chain} - [0:0]`);
      body.push(`-A OUTPUT -p udp -m udp --dport ${FIRST_PORT + cases.length - 1} -j ${chain}`);
      body.push(`-A ${chain} -j MARK --set-xmark ${hex(initial.mark)}/0xffffffff`);
      body.push(`-A ${chain} -j CONNMARK --set-xmark ${hex(initial.ctmark)}/0xffffffff`);
      body.push(`-A ${chain} -j DSCP --set-dscp ${hex(initial.dscp)}`);
      body.push(`-A ${chain} ${rule}`);
      for (let bit = 0; bit < 32; bit++) body.push(`-A ${chain} -m mark --mark ${hex(2 ** bit)}/${hex(2 ** bit)}`);
      for (let bit = 0; bit < 32; bit++) body.push(`-A ${chain} -m connmark --mark ${hex(2 ** bit)}/${hex(2 ** bit)}`);
      for (let bit = 0; bit < 8; bit++) body.push(`-A ${chain} -m tos --tos ${hex(2 ** bit)}/${hex(2 ** bit)}`);
    });
  });
  return { text: [...lines, ...body, 'COMMIT', ''].join('\n'), cases };
}

/** The op rule of `chain` as iptables-save writes it (its fourth rule, after the three that set the state). */
function savedRule(saved: string, chain: string): string {
  const rules = saved.split('\n').filter((line) => line.includes(` -A ${chain} `));
  const line = rules[3] ?? '';
  return line.slice(line.indexOf(` -A ${chain} `) + ` -A ${chain} `.length);
}

/** Whether the op rule of `chain` (a match without a target) counted the packet. */
function counted(saved: string, chain: string): boolean {
  const rules = saved.split('\n').filter((line) => line.includes(` -A ${chain} `));
  return !/^\[0:/.test(rules[3] ?? '');
}

/** Each bit whose counting rule saw the packet. */
function readBits(saved: string, chain: string, match: string): number {
  let value = 0;
  const pattern = new RegExp(`^\\[(\\d+):\\d+\\] -A ${chain} ${match} (0x[0-9a-f]+)/`, 'i');
  for (const line of saved.split('\n')) {
    const m = pattern.exec(line);
    if (m && Number(m[1]) > 0) value = (value | Number(m[2])) >>> 0;
  }
  return value;
}

const SEND_UDP = `
const dgram = require('node:dgram');
const [first, count] = process.argv.slice(1).map(Number);
const s = dgram.createSocket('udp4');
let left = count;
for (let i = 0; i < count; i++) s.send('x', first + i, '127.0.0.1', () => { if (--left === 0) s.close(); });
`;

async function recordMarkOps(): Promise<void> {
  const { text, cases } = markOpsRules();
  const runs: unknown[] = [];
  const matches: unknown[] = [];
  for (const variant of ['nf_tables', 'legacy'] as const) {
    const [restore, save] = variant === 'legacy' ? ['iptables-legacy-restore', 'iptables-legacy-save'] : ['iptables-restore', 'iptables-save'];
    await inNamespace(async () => {
      await run([restore], { netns: NETNS, input: text });
      await run([process.execPath, '-e', SEND_UDP, String(FIRST_PORT), String(cases.length)], { netns: NETNS });
      const saved = await run([save, '-c', '-t', 'mangle'], { netns: NETNS });
      for (const c of cases) {
        if (c.match) {
          matches.push({
            variant,
            rule: c.rule,
            saved: savedRule(saved, c.chain).replace(/^\[\d+:\d+\] /, ''),
            initial: { mark: hex(c.initial.mark), ctmark: hex(c.initial.ctmark), tos: hex(c.initial.dscp << 2) },
            matched: counted(saved, c.chain),
          });
          continue;
        }
        runs.push({
          variant,
          rule: c.rule,
          saved: savedRule(saved, c.chain),
          initial: { mark: hex(c.initial.mark), ctmark: hex(c.initial.ctmark), tos: hex(c.initial.dscp << 2) },
          observed: {
            mark: hex(readBits(saved, c.chain, '-m mark --mark')),
            ctmark: hex(readBits(saved, c.chain, '-m connmark --mark')),
            tos: hex(readBits(saved, c.chain, '-m tos --tos')),
          },
        });
      }
    });
  }
  const kernel = (await run(['uname', '-r'])).trim();
  const iptables = (await run(['iptables', '-V'])).trim();
  await mkdir(join(OUT, 'mark-ops'), { recursive: true });
  await writeFile(join(OUT, 'mark-ops', 'observed.json'), `${JSON.stringify({ kernel, iptables, runs, matches }, null, 2)}\n`);
  console.log(`recorded mark-ops: ${runs.length} runs, ${matches.length} matches`);
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('run as root (network namespaces)');
  const entries = await readdir(OUT, { withFileTypes: true });
  for (const entry of entries) {
    if (!entry.isDirectory() || entry.name === 'mark-ops') continue;
    if ((await readOptional(join(OUT, entry.name, 'rules.v4'))) === undefined && (await readOptional(join(OUT, entry.name, 'rules.v6'))) === undefined) continue;
    await recordCase(entry.name);
  }
  await recordMarkOps();
}

await main();
