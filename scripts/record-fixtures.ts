// Records the golden parser fixtures (test/fixtures/parse) from real `ip` runs in a lab network namespace.
// Run as root: npx tsx scripts/record-fixtures.ts, then UPDATE_GOLDEN=1 node --import tsx --test src/parse/golden.test.ts
//
// Table names: `ip netns exec NAME` bind-mounts /etc/netns/NAME/* over /etc, so the lab's rt_tables come from
// /etc/netns/pbrp-fx/iproute2 (a copy of /etc/iproute2 with test/fixtures/parse/rt_tables laid over it);
// the machine's /etc/iproute2 is never written. Everything is removed again, also on failure.
import { cp, mkdir, readdir, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { captureSnapshot } from '../src/host/capture-snapshot.ts';
import { runProgram } from '../src/host/exec.ts';

const LAB = 'pbrp-fx';
const PEER = 'pbrp-fxp';
const FRESH = 'pbrp-fxf';
const OUT = join(import.meta.dirname, '..', 'test', 'fixtures', 'parse');
const NETNS_ETC = '/etc/netns';
const LAB_ETC = join(NETNS_ETC, LAB);

/** Splits on whitespace into an argv (no shell involved). */
const argv = (command: string): string[] => command.trim().split(/\s+/);

async function run(command: string | string[], netns?: string): Promise<string> {
  const args = typeof command === 'string' ? argv(command) : command;
  const result = await runProgram(args, netns === undefined ? {} : { netns });
  if (result.exitCode !== 0) {
    throw new Error(`${result.argv.join(' ')} exited ${result.exitCode}: ${result.stderr.trim()}`);
  }
  return result.stdout;
}

const lab = (command: string): Promise<string> => run(command, LAB);
const peer = (command: string): Promise<string> => run(command, PEER);

/** veth pairs lab:name ↔ peer:name-p with fixed MAC addresses (so link-local addresses are stable). */
const LINKS = [
  ['a0', '02:00:00:00:0a:00', '02:00:00:01:0a:00'],
  ['b0', '02:00:00:00:0b:00', '02:00:00:01:0b:00'],
  ['c0', '02:00:00:00:0c:00', '02:00:00:01:0c:00'],
  ['d0', '02:00:00:00:0d:00', '02:00:00:01:0d:00'],
] as const;

async function buildLab(): Promise<void> {
  for (const cmd of [
    'sysctl -qw net.ipv6.conf.all.accept_dad=0',
    'sysctl -qw net.ipv6.conf.default.accept_dad=0',
    'ip link set lo up',
  ]) await lab(cmd);
  for (const cmd of ['sysctl -qw net.ipv6.conf.all.accept_dad=0', 'sysctl -qw net.ipv6.conf.default.accept_dad=0']) await peer(cmd);
  for (const [name, mac, peerMac] of LINKS) {
    await lab(`ip link add ${name} address ${mac} type veth peer name ${name}-p address ${peerMac} netns ${PEER}`);
    await lab(`ip link set ${name} up`);
    if (name !== 'd0') await peer(`ip link set ${name}-p up`);
  }
  for (const cmd of [
    'ip link add link a0 name a0.5 address 02:00:00:00:0a:05 type macvlan mode bridge',
    'ip link set a0.5 up',
    'ip link add br0 address 02:00:00:00:0e:00 type bridge',
    'ip link set d0 group 5',
    'ip link set b0 mtu 1400',
    // addresses: primary/secondary order, scopes, peer, flags
    'ip addr add 10.0.0.1/24 dev a0',
    'ip addr add 2001:db8:a::1/64 dev a0',
    'ip addr add 2001:db8:a::99/64 dev a0 noprefixroute preferred_lft 0',
    'ip addr add 224.1.2.3/32 dev a0 autojoin',
    'ip -6 addr add ff05::1234/128 dev a0 autojoin',
    'ip addr add 10.1.0.1/24 dev b0',
    'ip addr add 172.16.0.1/16 dev b0',
    'ip addr add 10.1.0.50/24 dev b0',
    'ip addr add 192.168.77.1/32 dev b0 scope link',
    'ip addr add 2001:db8:b::1/64 dev b0',
    'ip addr add 10.2.0.1/24 dev c0',
    'ip addr add 10.9.9.1 peer 10.9.9.2/32 dev c0',
    'ip addr add 10.3.0.1/24 dev d0',
    'ip addr add 10.5.0.1/24 brd + dev a0.5 label a0.5:lab',
    'ip addr add 127.0.0.2/8 dev lo scope host',
    // nexthop objects
    'ip nexthop add id 1 via 10.0.0.2 dev a0',
    'ip nexthop add id 2 via 10.1.0.2 dev b0',
    'ip nexthop add id 3 group 1/2,3',
    'ip nexthop add id 4 blackhole',
    'ip nexthop add id 5 group 1/2 type resilient buckets 8',
    'ip nexthop add id 6 via 2001:db8:a::2 dev a0',
    'ip nexthop add id 7 dev c0',
    // main table: every shape of route
    'ip route add default via 10.0.0.2',
    'ip route add default via 10.1.0.2 metric 10',
    'ip route add 192.0.2.0/24 via 10.1.0.2 metric 20',
    'ip route add 192.0.2.0/24 via 10.2.0.2 metric 10',
    'ip route add 198.51.100.0/24 nexthop via 10.0.0.2 weight 2 nexthop via 10.1.0.2 dev b0',
    'ip route add 198.51.100.0/24 tos 0x10 via 10.1.0.3',
    'ip route add 198.51.100.0/25 tos 0x20 via 10.1.0.4',
    'ip route add 203.0.113.0/24 via 198.18.0.1 dev a0 onlink',
    'ip route add 10.77.0.0/16 dev b0 src 10.1.0.1 proto static metric 5 mtu 1400',
    'ip route add 10.78.0.0/16 via inet6 2001:db8:a::2 dev a0',
    'ip route add 10.79.0.0/16 via 10.3.0.2 dev d0',
    'ip route add 10.80.0.0/16 nexthop via 10.0.0.2 nexthop via 10.3.0.2 dev d0',
    'ip route add 10.44.0.0/16 nhid 3',
    'ip route add 10.45.0.0/16 nhid 1',
    'ip route add 10.46.0.0/16 nhid 4',
    'ip route append 10.88.0.0/16 via 10.0.0.2',
    'ip route append 10.88.0.0/16 via 10.1.0.2',
    'ip route prepend 10.88.0.0/16 via 10.2.0.2',
    'ip route add 10.89.0.1 via 10.0.0.2 proto bird',
    'ip route add blackhole 10.90.0.0/16',
    'ip route add unreachable 10.91.0.0/16 metric 7',
    'ip route add prohibit 10.92.0.0/16',
    'ip route add throw 10.93.0.0/16',
    // other tables, named through rt_tables
    'ip route add default via 10.1.0.2 table isp1',
    'ip route add throw 10.0.0.0/8 table isp1',
    'ip route add blackhole 203.0.113.128/25 table isp1',
    'ip route add unreachable 198.18.0.0/15 table isp1',
    'ip route add prohibit 100.64.0.0/10 table isp1',
    'ip route add default via 10.2.0.2 table isp2',
    'ip route add 192.0.2.0/24 dev c0 scope link table isp2',
    'ip route add default via 10.0.0.2 table vpn',
    'ip route add 10.0.0.0/8 via 10.0.0.3 table lab-hex',
    'ip route add default via 10.1.0.2 table 5000',
    'ip route add multicast 239.1.0.0/16 dev a0 table 5000',
    'ip route add local 198.18.0.0/16 dev lo table local',
    'ip route add anycast 10.66.0.0 dev a0 table local',
    // IPv6 routes
    'ip -6 route add default via 2001:db8:a::5 pref high metric 5',
    'ip -6 route add default via 2001:db8:b::5 metric 100',
    'ip -6 route add 2001:db8:c::/64 from 2001:db8:a::/64 via 2001:db8:a::2',
    'ip -6 route add 2001:db8:d::/64 nexthop via 2001:db8:a::2 dev a0 weight 3 nexthop via 2001:db8:b::2 dev b0',
    'ip -6 route add 2001:db8:e::/64 nhid 6',
    'ip -6 route add 2001:db8:f::/64 via 2001:db8:a::2 expires 600',
    'ip -6 route add unreachable 2001:db8:dead::/48',
    'ip -6 route add prohibit 2001:db8:beef::/48 table isp1',
    'ip -6 route add blackhole 2001:db8:bad::/48 table isp1',
    'ip -6 route add throw 2001:db8:1::/48 table isp1',
    'ip -6 route add default via 2001:db8:b::2 table isp1',
    'ip -6 route add 2001:db8:2::/64 dev c0 table vpn',
    'ip -6 route add 2001:db8:3::/64 via 2001:db8:a::2 metric 50 table isp2',
    // IPv4 rules: every selector and action
    'ip rule add pref 10 from 10.0.0.0/24 lookup isp1',
    'ip rule add pref 20 to 192.0.2.0/24 goto 40',
    'ip rule add pref 30 not iif nosuchdev lookup isp2',
    'ip rule add pref 40 fwmark 0x10/0xf0 lookup isp2',
    'ip rule add pref 41 fwmark 7 lookup isp1',
    'ip rule add pref 42 fwmark 0/0xffffffff lookup isp1',
    'ip rule add pref 43 fwmark 0 lookup vpn',
    'ip rule add pref 45 iif a0 oif b0 lookup main',
    'ip rule add pref 50 uidrange 1000-2000 lookup isp1',
    'ip rule add pref 55 ipproto tcp dport 80-443 sport 1024 lookup isp2',
    'ip rule add pref 56 ipproto udp dport 53 lookup isp1',
    'ip rule add pref 57 ipproto 47 lookup vpn',
    'ip rule add pref 60 tos 0x10 lookup isp1',
    'ip rule add pref 70 lookup main suppress_prefixlength 0',
    'ip rule add pref 71 lookup main suppress_ifgroup 5',
    'ip rule add pref 80 tun_id 42 lookup isp1',
    'ip rule add pref 90 from 10.2.0.0/16 blackhole',
    'ip rule add pref 91 to 10.91.0.0/16 unreachable',
    'ip rule add pref 92 oif d0 prohibit',
    'ip rule add pref 95 nop',
    'ip rule add pref 96 goto 97',
    'ip rule add pref 100 from 10.0.0.1/8 lookup lab-hex',
    'ip rule add pref 110 l3mdev',
    'ip rule add pref 120 not to 203.0.113.0/24 lookup 5000 proto static',
    'ip rule add pref 130 oif c0 lookup vpn',
    'ip rule add pref 140 from 10.9.0.0/16 lookup isp1',
    'ip rule add pref 140 from 10.8.0.0/16 lookup isp2',
    'ip rule add from 10.7.0.0/16 lookup isp2',
    // IPv6 rules
    'ip -6 rule add pref 10 from 2001:db8:a::/64 lookup isp1',
    'ip -6 rule add pref 20 to 2001:db8:c::/64 iif a0 lookup isp2',
    'ip -6 rule add pref 30 ipproto ipv6-icmp lookup vpn',
    'ip -6 rule add pref 40 tos 0xb8 fwmark 0x1/0x1 lookup isp1',
    'ip -6 rule add pref 50 uidrange 0-0 oif nosuchdev lookup isp2',
    'ip -6 rule add pref 60 to 2001:db8:dead::1 unreachable',
    'ip -6 rule add pref 61 from 2001:db8:bad::/48 blackhole',
    'ip -6 rule add pref 62 not from 2001:db8::/32 prohibit',
    'ip -6 rule add pref 70 lookup main suppress_prefixlength 0',
    'ip -6 rule add pref 80 goto 90',
    'ip -6 rule add pref 90 ipproto udp sport 1000-2000 lookup isp2',
    // neighbours
    'ip neigh add 10.0.0.2 lladdr 02:00:00:00:0a:01 dev a0 nud permanent',
    'ip neigh add 10.1.0.2 lladdr 02:00:00:00:0b:01 dev b0 nud stale',
    'ip neigh add 10.1.0.3 dev b0 nud incomplete',
    'ip neigh add 10.2.0.2 lladdr 02:00:00:00:0c:01 dev c0 nud noarp',
    'ip neigh add 2001:db8:a::2 lladdr 02:00:00:00:0a:01 dev a0 nud reachable',
    'ip neigh add proxy 10.0.0.77 dev a0',
    // sysctls the engine reads
    'sysctl -qw net.ipv4.conf.all.forwarding=1',
    'sysctl -qw net.ipv4.conf.a0.rp_filter=2',
    'sysctl -qw net.ipv4.conf.all.rp_filter=1',
    'sysctl -qw net.ipv4.conf.b0.src_valid_mark=1',
    'sysctl -qw net.ipv4.conf.d0.ignore_routes_with_linkdown=1',
    'sysctl -qw net.ipv4.conf.a0/5.route_localnet=1',
    'sysctl -qw net.ipv4.fib_multipath_hash_seed=12345',
    'sysctl -qw net.ipv4.fib_multipath_hash_policy=1',
    'sysctl -qw net.ipv6.conf.all.forwarding=1',
  ]) await lab(cmd);
}

/** The dumps the parsers read, JSON and text of the same state. */
const DUMPS: readonly (readonly [string, string])[] = [
  ['ip-link.json', 'ip -d -j link show'],
  ['ip-addr.json', 'ip -j addr show'],
  ['ip-rule4.json', 'ip -j -4 rule show'],
  ['ip-rule4.txt', 'ip -4 rule show'],
  ['ip-rule6.json', 'ip -j -6 rule show'],
  ['ip-rule6.txt', 'ip -6 rule show'],
  ['ip-route4.json', 'ip -d -j -4 route show table all'],
  ['ip-route4-plain.json', 'ip -j -4 route show table all'],
  ['ip-route4.txt', 'ip -4 route show table all'],
  ['ip-route4-d.txt', 'ip -d -4 route show table all'],
  ['ip-route4-isp1.txt', 'ip -4 route show table isp1'],
  ['ip-route4-isp1.json', 'ip -j -4 route show table isp1'],
  ['ip-route6.json', 'ip -d -j -6 route show table all'],
  ['ip-route6-plain.json', 'ip -j -6 route show table all'],
  ['ip-route6.txt', 'ip -6 route show table all'],
  ['ip-route6-d.txt', 'ip -d -6 route show table all'],
  ['ip-nexthop.json', 'ip -d -j nexthop show'],
  ['ip-neigh.json', 'ip -j neigh show nud all'],
  ['ip-maddr.json', 'ip -j maddr show'],
  ['fib-trie-split.txt', 'cat /proc/net/fib_trie'],
];

async function installRtTables(): Promise<boolean> {
  const createdNetnsEtc = !(await exists(NETNS_ETC));
  await mkdir(join(LAB_ETC, 'iproute2'), { recursive: true });
  await cp('/etc/iproute2', join(LAB_ETC, 'iproute2'), { recursive: true });
  await cp(join(OUT, 'rt_tables'), join(LAB_ETC, 'iproute2'), { recursive: true });
  return createdNetnsEtc;
}

async function exists(path: string): Promise<boolean> {
  try {
    await readdir(path);
    return true;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('run as root (network namespaces)');
  if (await exists(LAB_ETC)) throw new Error(`${LAB_ETC} exists; remove it first`);
  const createdNetnsEtc = await installRtTables();
  try {
    await run(`ip netns add ${LAB}`);
    await run(`ip netns add ${PEER}`);
    await run(`ip netns add ${FRESH}`);
    await buildLab();
    for (const [file, command] of DUMPS) await writeFile(join(OUT, file), await lab(command));
    await run('ip link set lo up', FRESH);
    await writeFile(join(OUT, 'fib-trie-merged.txt'), await run('cat /proc/net/fib_trie', FRESH));
    const snapshot = await captureSnapshot({ netns: LAB, now: () => new Date('2025-01-01T00:00:00Z') });
    await writeFile(join(OUT, 'lab.snapshot.json'), `${JSON.stringify(snapshot, null, 2)}\n`);
    console.log(`recorded ${DUMPS.length + 2} fixtures in ${OUT}`);
  } finally {
    for (const ns of [LAB, PEER, FRESH]) await runProgram(['ip', 'netns', 'del', ns]).catch(() => undefined);
    await rm(LAB_ETC, { recursive: true, force: true });
    if (createdNetnsEtc) await rmdir(NETNS_ETC).catch(() => undefined);
  }
}

await main();
