// Records renderer fixtures: a routing setup built in throwaway namespaces, its snapshot, and what the real
// `ip` prints for rule show / route show / route get on it. Run as root: npx tsx scripts/record-render-fixtures.ts
// Writes test/fixtures/render/<scenario>/{snapshot.json,cases.json}; PBR_NETNS_PREFIX names the namespaces.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureSnapshot } from '../src/host/capture-snapshot.ts';

const PREFIX = process.env['PBR_NETNS_PREFIX'] ?? 'pbr-rec-';
const OUT_DIR = join(import.meta.dirname, '..', 'test', 'fixtures', 'render');
const SETTLE_MS = 3000;

interface Scenario {
  readonly name: string;
  /**
   * ip commands (argv after `ip`) run in the router namespace; "@peer" as first word runs one in the peer
   * namespace, "@sysctl KEY=VALUE" sets a sysctl in the router namespace
   */
  readonly setup: readonly string[];
  /** pbr argument lists (after `pbr`), recorded through the equivalent ip command */
  readonly cases: readonly string[];
  /** a batch file, recorded with `ip -force -batch` */
  readonly batch?: string;
}

export interface RecordedCase {
  /** pbr arguments (without --snapshot); a batch case reads `batch` from stdin */
  readonly args: readonly string[];
  /** the batch text; "{batch}" stands for its file name in stderr */
  readonly batch?: string;
  /** the ip command that was run */
  readonly ip: readonly string[];
  readonly stdout: string;
  readonly stderr: string;
  readonly status: number;
}

const TOPOLOGY = [
  'link set lo up',
  '@peer link set lo up',
  'link add a0 type veth peer name a1 netns {peer}',
  'link add b0 type veth peer name b1 netns {peer}',
  'link add c0 type veth peer name c1 netns {peer}',
  'addr add 10.0.0.1/24 dev a0',
  'addr add 10.1.0.1/24 dev b0',
  'addr add 10.2.0.1/24 dev c0',
  'addr add 2001:db8:a::1/64 dev a0 nodad',
  'addr add 2001:db8:b::1/64 dev b0 nodad',
  'addr add 2001:db8:c::1/64 dev c0 nodad',
  'link set a0 up',
  'link set b0 up',
  'link set c0 up',
  '@peer link set a1 up',
  '@peer link set b1 up',
  '@peer link set c1 up',
  '@peer addr add 10.0.0.2/24 dev a1',
  '@peer addr add 10.1.0.2/24 dev b1',
  '@peer addr add 10.2.0.2/24 dev c1',
  '@peer addr add 2001:db8:b::2/64 dev b1 nodad',
  '@peer addr add 2001:db8:c::2/64 dev c1 nodad',
];

const SCENARIOS: readonly Scenario[] = [
  {
    name: 'fresh',
    setup: [...TOPOLOGY, 'route add default via 10.1.0.2', '-6 route add default via 2001:db8:b::2'],
    cases: [
      'rule show',
      '-6 rule show',
      '-j rule show',
      'route show',
      '-j route show',
      'route show table local',
      'route show table all',
      '-6 route show table all',
      '-j -6 route show',
      'route get 8.8.8.8',
      'route get 10.1.0.7',
      'route get 10.1.0.1',
      'route get 10.1.0.255',
      'route get 127.0.0.5',
      'route get 0.0.0.0',
      'route get 8.8.8.8 from 10.2.0.1',
      'route get 8.8.8.8 oif a0',
      'route get 8.8.8.8 mark 5 uid 1000',
      'route get 8.8.8.8 mark 0x20',
      'route get 8.8.8.8 fibmatch',
      'route get 10.1.0.7 fibmatch',
      'route get 8.8.8.8 from 1.2.3.4',
      'route get 224.0.0.5 oif b0',
      'route get 255.255.255.255 from 10.0.0.1',
      'route get 8.8.8.8 iif nosuchdev',
      'route get 10.1',
      'route get 10.1.0.7/24',
      'route get 8.8.8.8 ipproto gre',
      'route get 8.8.8.8 from 10.1.0.1/24',
      'route get 8.8.8.8 from default',
      '-j route get 8.8.8.8',
      '-j route get 10.1.0.1',
      '-j route get 8.8.8.8 fibmatch',
      '-j route get 224.0.0.5 oif b0',
      'route get 2001:db8::1',
      'route get 2001:db8:c::5',
      'route get 2001:db8:a::1',
      'route get 2001:db8::1 from 2001:db8:a::1',
      'route get 2001:db8::1 fibmatch',
      'route get ff02::1',
      '-6 route get default',
      '-j route get 2001:db8::1',
      '-j route get 2001:db8:a::1',
    ],
  },
  {
    name: 'policy',
    setup: [
      ...TOPOLOGY,
      // a known multipath hash seed makes the chosen next hop (and IPv6 fibmatch's nexthop order) reproducible
      '@sysctl net.ipv4.fib_multipath_hash_seed=4242',
      'route add default via 10.1.0.2',
      '-6 route add default via 2001:db8:b::2',
      'route add 192.0.2.0/24 via 10.0.0.2 dev a0 table 100',
      'route add default via 10.2.0.2 table 100 metric 50',
      'route add 198.51.100.0/24 table 200 nexthop via 10.1.0.2 dev b0 weight 2 nexthop via 10.2.0.2 dev c0',
      'route add unreachable 203.0.113.0/24 table 200',
      'route add blackhole 203.0.113.128/25 table 200',
      'route add prohibit 203.0.113.64/26 metric 7 table 200',
      'route add throw 198.51.100.128/25 table 200',
      'route add 172.16.0.0/16 via 10.0.0.2 onlink dev a0 proto static',
      'route add 172.17.0.0/16 dev c0 src 10.2.0.1 scope link metric 10',
      'route add 172.18.0.0/16 via 10.1.0.2 tos 0x10',
      'route add local 198.18.0.0/16 dev lo table local',
      'route add 100.66.0.0/16 nexthop via 10.1.0.2 dev b0 nexthop via 10.2.0.2 dev c0',
      'nexthop add id 10 via 10.2.0.2 dev c0',
      'nexthop add id 11 via 10.0.0.2 dev a0',
      'nexthop add id 20 group 10/11',
      'route add 100.64.0.0/16 nhid 10',
      'route add 100.65.0.0/16 nhid 20',
      '-6 route add 2001:db8:5::/48 nexthop via 2001:db8:b::2 dev b0 nexthop via 2001:db8:c::2 dev c0 weight 3',
      '-6 route add 2001:db8:6::/48 via 2001:db8:b::2 metric 5 pref high table 300',
      '-6 route add unreachable 2001:db8:7::/48',
      '-6 route add blackhole 2001:db8:8::/48',
      '-6 route add 2001:db8:9::/48 from 2001:db8:a::/64 via 2001:db8:c::2',
      'rule add from 192.0.2.0/24 lookup 100',
      'rule add to 198.51.100.0/24 table 200 pref 200',
      'rule add not from 10.0.0.0/8 fwmark 0x10/0xf0 iif a0 lookup main suppress_prefixlength 0 pref 300',
      'rule add fwmark 5 oif nosuch goto 32766 pref 301',
      'rule add pref 302 goto 500',
      'rule add pref 303 tos 0x10 uidrange 1000-2000 ipproto tcp sport 1000-2000 dport 80 prohibit',
      'rule add pref 304 fwmark 7 blackhole',
      'rule add pref 305 fwmark 0/0xffffffff iif c0 unreachable',
      'rule add pref 306 nop',
      'rule add pref 307 lookup main suppress_ifgroup 5',
      'rule add pref 308 lookup 100 proto static',
      'rule add pref 309 ipproto 200 lookup 1000',
      'rule add pref 310 fwmark 0 lookup 7',
      'rule add pref 312 dsfield 0x08 lookup 7',
      'rule add pref 313 ipproto udp dport 53 lookup 7',
      'rule add pref 315 from 10.1.2.3 to 10.4.5.6/32 lookup 7',
      'rule add pref 316 tos 0x04 lookup 200',
      '-6 rule add from 2001:db8::/32 lookup 100',
      '-6 rule add pref 100 to 2001:db8:1::/48 iif b0 ipproto ipv6-icmp fwmark 0x1 lookup 200',
      '-6 rule add pref 101 tos 0xb8 lookup 300',
      '@peer link set b1 down',
    ],
    cases: [
      'rule show',
      '-6 rule show',
      '-j rule show',
      '-j -6 rule show',
      'route show',
      'route show table 100',
      'route show table 200',
      'route show table all',
      '-6 route show',
      '-6 route show table all',
      '-j route show table all',
      '-j -6 route show table all',
      '-d route show table all',
      '-d -j route show',
      'route get 192.0.2.9',
      'route get 192.0.2.9 from 192.0.2.5',
      'route get 198.51.100.7',
      'route get 198.51.100.7 fibmatch',
      '-j route get 198.51.100.7 fibmatch',
      'route get 198.51.100.200',
      'route get 203.0.113.9',
      'route get 203.0.113.70',
      'route get 203.0.113.200',
      'route get 203.0.113.9 oif a0',
      'route get 172.16.1.1',
      'route get 172.16.1.1 fibmatch',
      'route get 172.18.1.1 tos 0x10',
      'route get 172.18.1.1 tos 0x10 fibmatch',
      'route get 198.18.5.5',
      'route get 100.64.1.1',
      'route get 100.64.1.1 fibmatch',
      'route get 100.65.1.1 fibmatch',
      '-j route get 100.65.1.1 fibmatch',
      '-j route get 100.64.1.1 fibmatch',
      'route get 2001:db8:5::1',
      'route get 2001:db8:5::1 from 2001:db8:c::1',
      'route get 8.8.8.8 mark 7',
      'route get 8.8.8.8 mark 0x10',
      'route get 8.8.8.8 tos 0x10 uid 1500 ipproto tcp sport 1500 dport 80',
      'route get 8.8.8.8 from 10.2.0.5 iif c0',
      'route get 8.8.8.8 from 10.0.0.5 iif a0',
      'route get 10.4.5.6 from 10.1.2.3',
      'route get 2001:db8:5::1 fibmatch',
      'route get 2001:db8:6::1',
      'route get 2001:db8:7::1',
      'route get 2001:db8:8::1',
      'route get 2001:db8:1::1 ipproto ipv6-icmp mark 1',
      'route get 2001:db8:6::1 tos 0xb8',
      '-j route get 2001:db8:6::1 tos 0xb8',
    ],
    batch: [
      '# queries as ip -batch reads them',
      'route get 192.0.2.9',
      '',
      '   route get 198.51.100.7 # trailing comment',
      'ro g 203.0.113.9 oif a0',
      'route get 8.8.8.8 mark 7',
      'route get 8.8.8.8 iif nosuch',
      'route get 10.4.5.6 \\',
      '  from 10.1.2.3',
      'route get 172.18.1.1 tos 0x10 fibmatch',
      'route get 2001:db8:6::1 tos 0xb8',
      'route get 2001:db8:7::1',
      'route get 8.8.8.8 ipproto gre',
      'route get 100.65.1.1',
      '',
    ].join('\n'),
  },
];

function ip(args: readonly string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'inherit'] });
}

/** The ip command that pbr's arguments stand for (`-j route get` is `ip -d -j route get`). */
function ipArgv(args: readonly string[], netns: string): string[] {
  const options = args.filter((a) => a.startsWith('-'));
  const words = args.filter((a) => !a.startsWith('-'));
  const details = options.includes('-j') && words[0] === 'route' && words[1] === 'get' ? ['-d'] : [];
  return ['ip', '-n', netns, ...details, ...options, ...words];
}

function recordBatch(batch: string, netns: string): RecordedCase {
  const dir = mkdtempSync(join(tmpdir(), 'pbr-batch-'));
  const file = join(dir, 'queries.txt');
  try {
    writeFileSync(file, batch);
    const r = spawnSync('ip', ['-n', netns, '-force', '-batch', file], { encoding: 'utf8' });
    return {
      args: ['route', 'get', '--batch', '-'],
      batch,
      ip: ['ip', '-force', '-batch', '{batch}'],
      stdout: r.stdout,
      stderr: r.stderr.replaceAll(file, '{batch}'),
      status: r.status ?? -1,
    };
  } finally {
    rmSync(dir, { recursive: true });
  }
}

async function record(scenario: Scenario): Promise<void> {
  const router = `${PREFIX}r-${process.pid}`;
  const peer = `${PREFIX}p-${process.pid}`;
  ip(['netns', 'add', router]);
  try {
    ip(['netns', 'add', peer]);
    for (const line of scenario.setup) {
      const words = line.replaceAll('{peer}', peer).split(' ');
      if (words[0] === '@peer') ip(['-n', peer, ...words.slice(1)]);
      else if (words[0] === '@sysctl') ip(['netns', 'exec', router, 'sysctl', '-qw', ...words.slice(1)]);
      else ip(['-n', router, ...words]);
    }
    // carrier changes (linkwatch) and IPv6 DAD settle asynchronously
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const cases: RecordedCase[] = scenario.cases.map((line): RecordedCase => {
      const args = line.split(' ');
      const argv = ipArgv(args, router);
      const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
      return { args, ip: argv.filter((_, i) => i < 1 || i > 2), stdout: r.stdout, stderr: r.stderr, status: r.status ?? -1 };
    });
    if (scenario.batch !== undefined) cases.push(recordBatch(scenario.batch, router));
    const snapshot = await captureSnapshot({ netns: router });
    const dir = join(OUT_DIR, scenario.name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'snapshot.json'), `${JSON.stringify({ ...snapshot, netns: scenario.name }, null, 2)}\n`);
    writeFileSync(join(dir, 'cases.json'), `${JSON.stringify(cases, null, 2)}\n`);
    console.log(`${scenario.name}: ${cases.length} cases`);
  } finally {
    spawnSync('ip', ['netns', 'del', router]);
    spawnSync('ip', ['netns', 'del', peer]);
  }
}

for (const scenario of SCENARIOS) await record(scenario);
