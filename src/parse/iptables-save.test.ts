import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Diagnostic } from '../model/diagnostics.ts';
import { parseIptablesSave } from './iptables-save.ts';
import { renderStatement } from './iptables-test-support.ts';
import { tokenizeIptablesLine } from './iptables-tokens.ts';

const MANGLE_HEAD = ['*mangle', ':PREROUTING ACCEPT [0:0]', ':INPUT ACCEPT [0:0]', ':FORWARD ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', ':POSTROUTING ACCEPT [0:0]', ':sub - [0:0]'];

/** One rule in mangle PREROUTING (a user chain "sub" exists): its statements as text, its comment, and the diagnostics. */
function rule(text: string, family: 4 | 6 = 4, table = 'mangle'): { statements: string[]; comment?: string; diagnostics: Diagnostic[] } {
  const head = table === 'mangle' ? MANGLE_HEAD : [`*${table}`, ':sub - [0:0]'];
  const chain = table === 'nat' ? 'POSTROUTING' : table === 'filter' ? 'INPUT' : 'PREROUTING';
  const parsed = parseIptablesSave([...head, `-A ${chain} ${text}`, 'COMMIT', ''].join('\n'), family, 'rules');
  const nfRule = parsed.value.tables[0]?.chains.find((c) => c.name === chain)?.rules[0];
  assert.ok(nfRule, `no rule parsed from "${text}": ${JSON.stringify(parsed.diagnostics)}`);
  return {
    statements: nfRule.statements.map((s) => renderStatement(s, family)),
    ...(nfRule.comment === undefined ? {} : { comment: nfRule.comment }),
    diagnostics: parsed.diagnostics,
  };
}

/** [rule, expected statements, family] — translations that need no diagnostic */
const CLEAN: readonly (readonly [string, readonly string[], (4 | 6)?])[] = [
  // addresses (ip_packet_match)
  ['-s 10.0.0.0/8 -d 1.2.3.4/32 -j ACCEPT', ['ip saddr == 10.0.0.0/8', 'ip daddr == 1.2.3.4', 'accept']],
  ['! -s 10.1.2.3 ! -d 192.168.0.0/16', ['ip saddr != 10.1.2.3', 'ip daddr != 192.168.0.0/16']],
  ['-s 10.0.0.0/255.255.0.0 -d 0.0.0.0/0', ['ip saddr == 10.0.0.0/16', 'ip daddr == 0.0.0.0/0']],
  ['-d 10.1.0.7/255.0.255.0', ['(ip daddr & 0xff00ff00) == 10.0.0.0']],
  ['-s 2001:db8::/32 ! -d ::1/128', ['ip6 saddr == 2001:db8::/32', 'ip6 daddr != ::1'], 6],
  // interfaces, with iptables' + wildcard as nft's *
  ['-i eth+ ! -o wan0', ['meta iifname == "eth*"', 'meta oifname != "wan0"']],
  ['-i +', ['meta iifname == "*"']],
  ['-o odd*', ['meta oifname == "odd\\*"']],
  // protocols
  ['-p tcp', ['meta l4proto == 6']],
  ['! -p udp', ['meta l4proto != 17']],
  ['-p 47', ['meta l4proto == 47']],
  ['-p TCP', ['meta l4proto == 6']],
  ['-p all', []],
  ['-p ipv6-icmp', ['meta l4proto == 58'], 6],
  // ports, implicit and explicit modules, ranges
  ['-p tcp --dport 22', ['meta l4proto == 6', 'tcp dport == 22']],
  ['-p udp -m udp ! --sport 1000:2000 --dport :1023', ['meta l4proto == 17', 'udp sport != 1000-2000', 'udp dport == 0-1023']],
  ['-p tcp -m tcp --destination-port 1024: --source-port 5:5', ['meta l4proto == 6', 'tcp dport == 1024-65535', 'tcp sport == 5']],
  ['-p sctp -m sctp --dport 9', ['meta l4proto == 132', 'sctp dport == 9']],
  ['-p tcp --dport ! 22', ['meta l4proto == 6', 'tcp dport != 22']],
  // multiport; --ports is source OR destination
  ['-p tcp -m multiport --dports 22,80:90', ['meta l4proto == 6', 'tcp dport == { 22, 80-90 }']],
  ['-p udp -m multiport ! --sports 53,123', ['meta l4proto == 17', 'udp sport != { 53, 123 }']],
  ['-p tcp -m multiport --ports 22,80:81', ['meta l4proto == 6', 'tcp sport . tcp dport == { 22 . 0-65535, 0-65535 . 22, 80-81 . 0-65535, 0-65535 . 80-81 }']],
  // iprange
  ['-m iprange --src-range 1.2.3.4-1.2.3.9 ! --dst-range 10.0.0.1-10.0.0.2', ['ip saddr == 1.2.3.4-1.2.3.9', 'ip daddr != 10.0.0.1-10.0.0.2']],
  ['-m iprange --dst-range 2001:db8::1-2001:db8::ff', ['ip6 daddr == 2001:db8::1-2001:db8::ff'], 6],
  // marks
  ['-m mark --mark 0x1', ['meta mark == 0x1']],
  ['-m mark ! --mark 0x1/0xff', ['(meta mark & 0xff) != 0x1']],
  ['-m connmark --mark 0x10/0xf0', ['(ct mark & 0xf0) == 0x10']],
  ['-m mark --mark 0x3/0x1', ['(meta mark & 0x1) == 0x3']],
  // conntrack and state
  ['-m conntrack --ctstate NEW,ESTABLISHED', ['ct state == flags 0xa']],
  ['-m conntrack ! --ctstate INVALID,UNTRACKED', ['ct state != flags 0x41']],
  ['-m conntrack --ctstate RELATED --ctdir REPLY', ['ct state == flags 0x4', 'ct direction == 1']],
  ['-m conntrack --ctstate DNAT', ['ct status == flags 0x20']],
  ['-m conntrack ! --ctstate SNAT,DNAT', ['ct status != flags 0x30']],
  ['-m conntrack --ctstatus SEEN_REPLY,ASSURED', ['ct status == flags 0x6']],
  ['-m conntrack --ctorigdst 10.0.0.1 ! --ctreplsrc 192.168.0.0/24 --ctorigdstport 80 --ctproto 6', [
    'ct original daddr == 10.0.0.1', 'ct reply saddr != 192.168.0.0/24', 'ct original proto-dst == 80', 'ct original protocol == 6',
  ]],
  ['-m state --state RELATED,ESTABLISHED', ['ct state == flags 0x6']],
  // owner
  ['-m owner --uid-owner 1000', ['meta skuid == 1000']],
  ['-m owner --uid-owner 1000-2000 ! --gid-owner 5', ['meta skuid == 1000-2000', 'meta skgid != 5 (or absent)']],
  ['-m owner ! --uid-owner 0', ['meta skuid != 0 (or absent)']],
  // statistic: random probability is round(p·2³¹)/2³¹
  ['-m statistic --mode random --probability 0.25', ['chance 0.25']],
  ['-m statistic --mode random ! --probability 0.25000000000', ['chance 0.75']],
  ['-m statistic --mode random --probability 0.29999999981', [`chance ${Math.round(0.3 * 2 ** 31) / 2 ** 31}`]],
  ['-m statistic --mode nth --every 3 --packet 1', ['nth 3/1']],
  ['-m statistic --mode nth --every 2', ['nth 2/0']],
  // dscp and tos (the tos match on the DSCP bits: value and mask shifted right by two)
  ['-m dscp --dscp 0x2e', ['ip dscp == 0x2e']],
  ['-m dscp ! --dscp-class AF41', ['ip dscp != 0x22']],
  ['-m dscp --dscp 10', ['ip6 dscp == 0xa'], 6],
  ['-m tos --tos 0x10/0x3f', ['(ip dscp & 0xf) == 0x4']],
  ['-m tos ! --tos 0x08', ['ip dscp != 0x2']],
  ['-m tos --tos Minimize-Delay', ['(ip dscp & 0xf) == 0x4']],
  // icmp
  ['-p icmp -m icmp --icmp-type 8', ['meta l4proto == 1', 'icmp type == 8']],
  ['-p icmp -m icmp ! --icmp-type 3/1', ['meta l4proto == 1', 'icmp type . icmp code != 3 . 1']],
  ['-p icmp --icmp-type echo-request', ['meta l4proto == 1', 'icmp type == 8']],
  ['-p icmp -m icmp --icmp-type port-unreachable', ['meta l4proto == 1', 'icmp type . icmp code == 3 . 3']],
  ['-p icmp -m icmp --icmp-type any', ['meta l4proto == 1']],
  ['-p icmp -m icmp ! --icmp-type any', ['meta l4proto == 1', 'icmp type == {  }']],
  ['-p ipv6-icmp -m icmp6 --icmpv6-type 128', ['meta l4proto == 58', 'icmpv6 type == 128'], 6],
  ['-p icmpv6 -m icmp6 ! --icmpv6-type neighbour-solicitation', ['meta l4proto == 58', 'icmpv6 type != 135'], 6],
  // counters of iptables-restore's -c
  ['-c 10 2000 -j ACCEPT', ['accept']],
  // MARK (spec §9.2, checked against the kernel in iptables-golden.test.ts)
  ['-j MARK --set-xmark 0x5/0xffffffff', ['meta mark set 0x5']],
  ['-j MARK --set-xmark 0x5/0xf0', ['meta mark set ((meta mark & 0xffffff0f) ^ 0x5)']],
  ['-j MARK --set-mark 0x5/0xf0', ['meta mark set ((meta mark & 0xffffff0a) ^ 0x5)']],
  ['-j MARK --set-mark 0x5', ['meta mark set 0x5']],
  ['-j MARK --and-mark 0xff', ['meta mark set (meta mark & 0xff)']],
  ['-j MARK --or-mark 0x3', ['meta mark set (meta mark | 0x3)']],
  ['-j MARK --xor-mark 0x3', ['meta mark set (meta mark ^ 0x3)']],
  ['-j MARK --set-xmark 0x0/0x0', ['meta mark set meta mark']],
  // CONNMARK
  ['-j CONNMARK --set-xmark 0x7/0xf', ['ct mark set ((ct mark & 0xfffffff0) ^ 0x7)']],
  ['-j CONNMARK --set-mark 0x7', ['ct mark set 0x7']],
  ['-j CONNMARK --and-mark 0xf', ['ct mark set (ct mark & 0xf)']],
  ['-j CONNMARK --save-mark', ['ct mark set meta mark']],
  ['-j CONNMARK --save-mark --nfmask 0xffffffff --ctmask 0xffffffff', ['ct mark set meta mark']],
  ['-j CONNMARK --save-mark --mask 0xff', ['ct mark set ((ct mark & 0xffffff00) ^ (meta mark & 0xff))']],
  ['-j CONNMARK --save-mark --nfmask 0xf --ctmask 0xf0', ['ct mark set ((ct mark & 0xffffff0f) ^ (meta mark & 0xf))']],
  ['-j CONNMARK --restore-mark', ['meta mark set ct mark']],
  ['-j CONNMARK --restore-mark --nfmask 0xf --ctmask 0xf0', ['meta mark set ((meta mark & 0xfffffff0) ^ (ct mark & 0xf0))']],
  ['-j CONNMARK --restore-mark --nfmask 0x0 --ctmask 0xff', ['meta mark set (meta mark ^ (ct mark & 0xff))']],
  ['-j CONNMARK --restore-mark --nfmask 0xff --ctmask 0xff00 --right-shift-mark 8', ['meta mark set ((meta mark & 0xffffff00) ^ ((ct mark & 0xff00) >> 0x8))']],
  ['-j CONNMARK --save-mark --left-shift-mark 4', ['ct mark set ((meta mark << 0x4) & 0xffffffff)']],
  ['-j CONNMARK --set-xmark 0x3/0xf --left-shift-mark 4', ['ct mark set ((((ct mark & 0xfffffff0) ^ 0x3) << 0x4) & 0xffffffff)']],
  // verdicts and chains
  ['-j DROP', ['drop']],
  ['-j RETURN', ['return']],
  ['-j QUEUE', ['queue']],
  ['-j NFQUEUE --queue-num 3', ['queue']],
  ['-j sub', ['jump sub']],
  ['-g sub', ['goto sub']],
  ['-m mark --mark 0x1', ['meta mark == 0x1']],
  // NAT, log, notrack, DSCP, TOS
  ['-j NOTRACK', ['notrack']],
  ['-j CT --notrack', ['notrack']],
  ['-j LOG --log-prefix "a b: " --log-level 4', ['log prefix "a b: "']],
  ['-j LOG', ['log']],
  ['-j NFLOG --nflog-group 2 --nflog-prefix x', ['log prefix "x"']],
  ['-j DSCP --set-dscp 0x2e', ['ip dscp set 0x2e']],
  ['-j DSCP --set-dscp-class AF41', ['ip6 dscp set 0x22'], 6],
  ['-j TOS --set-tos 0x10/0xff', ['ip dscp set 0x4']],
  ['-j TOS --set-tos 0x10/0x3f', ['ip dscp set ((ip dscp & 0x30) ^ 0x4)']],
  ['-j TOS --and-tos 0x0f', ['ip dscp set (ip dscp & 0x3)']],
  ['-j TOS --or-tos 0x20', ['ip dscp set (ip dscp | 0x8)']],
  ['-j TOS --xor-tos 0x84', ['ip dscp set (ip dscp ^ 0x21)']],
];

for (const [text, expected, family] of CLEAN) {
  test(`iptables rule: ${text}${family === 6 ? ' (IPv6)' : ''}`, () => {
    const parsed = rule(text, family ?? 4);
    assert.deepEqual(parsed.statements, expected);
    assert.deepEqual(parsed.diagnostics, []);
  });
}

/** [rule, table, expected statements, family] — NAT and filter targets in their tables */
const IN_TABLE: readonly (readonly [string, string, readonly string[], (4 | 6)?])[] = [
  ['-o wan1 -j MASQUERADE', 'nat', ['meta oifname == "wan1"', 'masquerade']],
  ['-p tcp -j MASQUERADE --to-ports 1024-2000 --random', 'nat', ['meta l4proto == 6', 'masquerade port 1024-2000']],
  ['-j SNAT --to-source 192.0.2.1', 'nat', ['snat to 192.0.2.1']],
  ['-p tcp -j SNAT --to-source 192.0.2.1-192.0.2.9:1000-2000 --persistent', 'nat', ['meta l4proto == 6', 'snat to 192.0.2.1-192.0.2.9 port 1000-2000']],
  ['-p tcp -j DNAT --to-destination 10.0.0.1:8080', 'nat', ['meta l4proto == 6', 'dnat to 10.0.0.1 port 8080']],
  ['-p udp -j DNAT --to-destination :53', 'nat', ['meta l4proto == 17', 'dnat port 53']],
  ['-p tcp -j DNAT --to-destination [2001:db8::1]:80', 'nat', ['meta l4proto == 6', 'dnat to 2001:db8::1 port 80'], 6],
  ['-j DNAT --to-destination 2001:db8::1-2001:db8::9', 'nat', ['dnat to 2001:db8::1-2001:db8::9'], 6],
  ['-j SNAT --to-source 2001:db8::1', 'nat', ['snat to 2001:db8::1'], 6],
  ['-p tcp -j REDIRECT --to-ports 3128', 'nat', ['meta l4proto == 6', 'redirect port 3128']],
  ['-j REDIRECT', 'nat', ['redirect']],
  ['-j REJECT', 'filter', ['reject with icmp-port-unreachable']],
  ['-j REJECT', 'filter', ['reject with icmp6-port-unreachable'], 6],
  ['-p tcp -j REJECT --reject-with tcp-reset', 'filter', ['meta l4proto == 6', 'reject with tcp-reset']],
];

for (const [text, table, expected, family] of IN_TABLE) {
  test(`iptables rule in ${table}: ${text}${family === 6 ? ' (IPv6)' : ''}`, () => {
    const parsed = rule(text, family ?? 4, table);
    assert.deepEqual(parsed.statements, expected);
    assert.deepEqual(parsed.diagnostics, []);
  });
}

test('-m comment becomes the rule comment, quotes and escapes undone', () => {
  const parsed = rule('-m comment --comment "ssh \\"fast\\" --dport" -j ACCEPT');
  assert.deepEqual(parsed.statements, ['accept']);
  assert.equal(parsed.comment, 'ssh "fast" --dport');
});

/** [rule, expected statements, diagnostic code, column] — what pbr does not model, or cannot read, stays visible */
const UNKNOWN: readonly (readonly [string, readonly string[], string, number])[] = [
  ['-m limit --limit 5/sec -j ACCEPT', ['unknown "-m limit --limit 5/sec"', 'accept'], 'iptables-unsupported', 1],
  ['-m addrtype --dst-type LOCAL -j DROP', ['unknown "-m addrtype --dst-type LOCAL"', 'drop'], 'iptables-unsupported', 1],
  ['-m mac --mac-source 02:00:00:00:00:01', ['unknown "-m mac --mac-source 02:00:00:00:00:01"'], 'iptables-unsupported', 1],
  ['-m set --match-set vpn dst -j MARK --set-mark 0x1', ['unknown "-m set --match-set vpn dst"', 'meta mark set 0x1'], 'iptables-unsupported', 1],
  ['-p tcp --syn -j ACCEPT', ['meta l4proto == 6', 'unknown "--syn"', 'accept'], 'iptables-unsupported', 8],
  ['-m owner --uid-owner root', ['unknown "--uid-owner root"'], 'iptables-unsupported', 10],
  ['-m owner --socket-exists', ['unknown "--socket-exists"'], 'iptables-unsupported', 10],
  ['-m conntrack --ctstate NEW,DNAT --ctdir REPLY', ['unknown "--ctstate NEW,DNAT"', 'ct direction == 1'], 'iptables-unsupported', 14],
  ['-p tcp -m tcp --dport 22 ! --syn', ['meta l4proto == 6', 'tcp dport == 22', 'unknown "! --syn"'], 'iptables-unsupported', 28],
  ['-m statistic --mode nth ! --every 3', ['unknown "-m statistic --mode nth ! --every 3"'], 'iptables-unsupported', 1],
  ['-m tos --tos 0x01/0x03', ['unknown "--tos 0x01/0x03"'], 'iptables-unsupported', 8],
  ['-f -j DROP', ['unknown "-f"', 'drop'], 'iptables-unsupported', 1],
  ['! -f', ['unknown "! -f"'], 'iptables-unsupported', 1],
  ['-s 10.0.0.1,10.0.0.2', ['unknown "-s 10.0.0.1,10.0.0.2"'], 'iptables-unsupported', 1],
  ['-p tcp -j TPROXY --on-port 1 --tproxy-mark 0x1/0x1', ['meta l4proto == 6', 'unknown "-j TPROXY --on-port 1 --tproxy-mark 0x1/0x1"'], 'iptables-unsupported', 8],
  ['-j CLASSIFY --set-class 1:2', ['unknown "-j CLASSIFY --set-class 1:2"'], 'iptables-unsupported', 1],
  ['-j CT --zone 1', ['unknown "-j CT --zone 1"'], 'iptables-unsupported', 1],
  ['-j NFQUEUE --queue-bypass', ['unknown "-j NFQUEUE --queue-bypass"'], 'iptables-unsupported', 1],
  ['-j nosuchchain', ['unknown "-j nosuchchain"'], 'iptables-unsupported', 1],
  // malformed: an error at the option, the part unknown
  ['-m mark --mark zz -j ACCEPT', ['unknown "--mark zz"', 'accept'], 'iptables-bad-option', 9],
  ['-j MARK', ['unknown "-j MARK"'], 'iptables-bad-option', 1],
  ['-m statistic --mode random', ['unknown "-m statistic --mode random"'], 'iptables-bad-option', 14],
  ['-j MARK --set-mark 0x1 --or-mark 0x2', ['unknown "-j MARK --set-mark 0x1 --or-mark 0x2"'], 'iptables-bad-option', 24],
  ['-p tcp --dport 99999', ['meta l4proto == 6', 'unknown "--dport 99999"'], 'iptables-bad-option', 8],
  ['-g nosuch', ['unknown "-g nosuch"'], 'iptables-bad-option', 1],
  ['-j CONNMARK --set-mark 0x1 --mask 0xff', ['unknown "-j CONNMARK --set-mark 0x1 --mask 0xff"'], 'iptables-bad-option', 28],
  // unreadable as a whole: the rule is one unknown statement
  ['--dport 22 -j ACCEPT', ['unknown "-A PREROUTING --dport 22 -j ACCEPT"'], 'iptables-bad-rule', 1],
  ['! ! -s 1.2.3.4', ['unknown "-A PREROUTING ! ! -s 1.2.3.4"'], 'iptables-bad-rule', 3],
  ['-s 1.2.3 -j ACCEPT', ['unknown "-A PREROUTING -s 1.2.3 -j ACCEPT"'], 'iptables-bad-rule', 1],
  ['-p nosuchproto', ['unknown "-A PREROUTING -p nosuchproto"'], 'iptables-bad-rule', 1],
  ['-j ACCEPT -j DROP', ['unknown "-A PREROUTING -j ACCEPT -j DROP"'], 'iptables-bad-rule', 11],
];

const RULE_COLUMN = '-A PREROUTING '.length;

for (const [text, expected, code, column] of UNKNOWN) {
  test(`iptables rule kept as unknown: ${text}`, () => {
    const parsed = rule(text);
    assert.deepEqual(parsed.statements, expected);
    assert.deepEqual(parsed.diagnostics.map((d) => d.code), [code]);
    const diagnostic = parsed.diagnostics[0];
    assert.equal(diagnostic?.severity, code === 'iptables-unsupported' ? 'warning' : 'error');
    assert.deepEqual(diagnostic?.source, { file: 'rules', line: MANGLE_HEAD.length + 1, column: RULE_COLUMN + column });
    if (code === 'iptables-unsupported') {
      assert.match(diagnostic?.message ?? '', /table mangle, chain PREROUTING, line 8/);
      assert.ok(diagnostic?.message.includes(`"-A PREROUTING ${text}"`), diagnostic?.message);
      assert.ok(diagnostic?.hint);
    }
  });
}

const NF_DUMP = `# Generated by iptables-save v1.8.9 (nf_tables) on Thu Nov 26 20:08:25 2026
*mangle
:PREROUTING ACCEPT [12:3456]
:OUTPUT DROP [0:0]
:steer - [0:0]
[5:300] -A PREROUTING -i lan -j steer
-A steer -j MARK --set-xmark 0x1/0xffffffff
COMMIT
# Completed on Thu Nov 26 20:08:25 2026
`;

test('a dump: tables, base chains with hook/type/priority/policy, user chains, rule text and source', () => {
  const parsed = parseIptablesSave(NF_DUMP, 4, 'dump');
  assert.deepEqual(parsed.diagnostics, []);
  assert.equal(parsed.value.variant, 'nf_tables');
  const [table, extra] = parsed.value.tables;
  assert.equal(extra, undefined);
  assert.equal(table?.family, 'ip');
  assert.equal(table?.name, 'mangle');
  assert.equal(table?.origin, 'iptables');
  assert.deepEqual(table?.sets, []);
  assert.deepEqual(table?.chains.map((c) => [c.name, c.base]), [
    ['PREROUTING', { hook: 'prerouting', type: 'filter', priority: -150, policy: 'accept' }],
    ['OUTPUT', { hook: 'output', type: 'route', priority: -150, policy: 'drop' }],
    ['steer', undefined],
  ]);
  assert.deepEqual(table?.chains[0]?.rules[0], {
    text: '-A PREROUTING -i lan -j steer',
    source: { file: 'dump', line: 6 },
    statements: [
      { kind: 'match', left: { kind: 'meta', key: 'iifname' }, op: '==', right: { kind: 'element', element: { kind: 'value', value: 'lan' } } },
      { kind: 'verdict', verdict: { kind: 'jump', chain: 'steer' } },
    ],
  });
});

/** [table, chain, hook, type, priority] — iptables' registration of every built-in chain, IPv4 and IPv6 alike */
const BUILTINS: readonly (readonly [string, string, string, string, number])[] = [
  ['raw', 'PREROUTING', 'prerouting', 'filter', -300],
  ['raw', 'OUTPUT', 'output', 'filter', -300],
  ['mangle', 'PREROUTING', 'prerouting', 'filter', -150],
  ['mangle', 'INPUT', 'input', 'filter', -150],
  ['mangle', 'FORWARD', 'forward', 'filter', -150],
  ['mangle', 'OUTPUT', 'output', 'route', -150],
  ['mangle', 'POSTROUTING', 'postrouting', 'filter', -150],
  ['nat', 'PREROUTING', 'prerouting', 'nat', -100],
  ['nat', 'INPUT', 'input', 'nat', 100],
  ['nat', 'OUTPUT', 'output', 'nat', -100],
  ['nat', 'POSTROUTING', 'postrouting', 'nat', 100],
  ['filter', 'INPUT', 'input', 'filter', 0],
  ['filter', 'FORWARD', 'forward', 'filter', 0],
  ['filter', 'OUTPUT', 'output', 'filter', 0],
  ['security', 'INPUT', 'input', 'filter', 50],
  ['security', 'FORWARD', 'forward', 'filter', 50],
  ['security', 'OUTPUT', 'output', 'filter', 50],
];

for (const family of [4, 6] as const) {
  test(`built-in chains of every table (IPv${family})`, () => {
    const tables = [...new Set(BUILTINS.map(([t]) => t))];
    const text = tables.map((t) => [`*${t}`, ...BUILTINS.filter(([bt]) => bt === t).map(([, c]) => `:${c} ACCEPT [0:0]`), 'COMMIT'].join('\n')).join('\n');
    const parsed = parseIptablesSave(text, family, 'all');
    assert.deepEqual(parsed.diagnostics, []);
    const seen = parsed.value.tables.flatMap((t) => t.chains.map((c) => [t.name, c.name, c.base?.hook, c.base?.type, c.base?.priority]));
    assert.deepEqual(seen, BUILTINS);
    assert.ok(parsed.value.tables.every((t) => t.family === (family === 4 ? 'ip' : 'ip6') && t.origin === (family === 4 ? 'iptables' : 'ip6tables')));
  });
}

/** [header line, variant] */
const VARIANTS: readonly (readonly [string, string])[] = [
  ['# Generated by iptables-save v1.8.9 (nf_tables) on Thu Nov 26 20:08:25 2026', 'nf_tables'],
  ['# Generated by iptables-nft-save v1.8.7 (nf_tables) on Mon Jan  1 00:00:00 2024', 'nf_tables'],
  ['# Generated by iptables-save v1.8.4 (legacy) on Mon Jan  1 00:00:00 2024', 'legacy'],
  ['# Generated by iptables-save v1.8.9 on Thu Nov 26 20:09:41 2026', 'legacy'],
  ['# Generated by ip6tables-save v1.6.1 on Mon Jan  1 00:00:00 2018', 'legacy'],
  ['# a hand-written file', 'unknown'],
];

for (const [header, variant] of VARIANTS) {
  test(`variant from "${header}"`, () => {
    assert.equal(parseIptablesSave(`${header}\n*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n`, 4, 'x').value.variant, variant);
  });
}

test('restore-file commands: -N, -P, -I with and without a position, counters, a built-in chain not declared', () => {
  const parsed = parseIptablesSave([
    '*filter',
    '-N late',
    '-P INPUT DROP',
    '-A INPUT -j late',
    '-I INPUT -j RETURN',
    '-I INPUT 2 -j ACCEPT',
    '[1:2] -A FORWARD -j DROP',
    ':tail - [0:0]',
    '-A INPUT -j tail',
    'COMMIT',
  ].join('\n'), 4, 'f');
  assert.deepEqual(parsed.diagnostics, []);
  const [table] = parsed.value.tables;
  assert.deepEqual(table?.chains.map((c) => [c.name, c.base?.policy, c.rules.map((r) => r.text)]), [
    ['late', undefined, []],
    ['INPUT', 'drop', ['-I INPUT -j RETURN', '-I INPUT 2 -j ACCEPT', '-A INPUT -j late', '-A INPUT -j tail']],
    ['FORWARD', 'accept', ['-A FORWARD -j DROP']],
    ['tail', undefined, []],
  ]);
});

test('a jump to a chain declared after the rule is not a jump (iptables-restore rejects it too)', () => {
  const parsed = parseIptablesSave('*filter\n-A INPUT -j tail\n:tail - [0:0]\nCOMMIT\n', 4, 'f');
  assert.deepEqual(parsed.value.tables[0]?.chains[0]?.rules[0]?.statements, [{ kind: 'unknown', text: '-j tail' }]);
  assert.match(parsed.diagnostics[0]?.message ?? '', /-j tail, which is no chain declared before this rule, is not modelled/);
});

test('-4 lines are left out of an ip6tables file, -6 lines kept', () => {
  const parsed = parseIptablesSave('*filter\n-A INPUT -4 -j DROP\n-A INPUT -6 -j ACCEPT\nCOMMIT\n', 6, 'f');
  assert.deepEqual(parsed.diagnostics, []);
  assert.deepEqual(parsed.value.tables[0]?.chains[0]?.rules.map((r) => r.text), ['-A INPUT -6 -j ACCEPT']);
});

/** [file, diagnostics as "line:column code", tables kept] */
const BROKEN: readonly (readonly [string, readonly string[], readonly string[]])[] = [
  ['*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j ACCEPT\n', ['1:1 iptables-no-commit'], []],
  ['*filter\n:INPUT ACCEPT [0:0]\n*nat\nCOMMIT\n', ['3:1 iptables-no-commit'], ['nat']],
  ['*broute\n:BROUTING ACCEPT\n-A BROUTING -j DROP\nCOMMIT\n*raw\nCOMMIT\n', ['1:1 iptables-unknown-table'], ['raw']],
  ['-A INPUT -j DROP\n*raw\nCOMMIT\n', ['1:1 iptables-outside-table'], ['raw']],
  ['COMMIT\n', ['1:1 iptables-stray-commit'], []],
  ['*filter\n:INPUT MAYBE [0:0]\n:mine ACCEPT [0:0]\n:mine - [0:0]\nCOMMIT\n', ['2:1 iptables-bad-policy', '3:1 iptables-bad-policy', '4:1 iptables-duplicate-chain'], ['filter']],
  ['*filter\n:INPUT\n-A nochain -j DROP\n-X INPUT\n-A INPUT -m comment --comment "open\nCOMMIT\n', [
    '2:1 iptables-bad-chain-line', '3:4 iptables-unknown-chain', '4:1 iptables-bad-line', '5:31 iptables-bad-quote',
  ], ['filter']],
  ['# Generated by iptables-save v1.8.9 (nf_tables)\n# Table `filter\' is incompatible, use \'nft\' tool.\n*raw\nCOMMIT\n', ['2:1 iptables-table-incompatible'], ['raw']],
  ['# Generated by iptables-save v1.8.9 (nf_tables)\n# Table `nat\' contains incompatible base-chains, use \'nft\' tool to list them.\n*nat\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n*raw\nCOMMIT\n', ['2:1 iptables-table-incompatible'], ['raw']],
];

for (const [text, expected, tables] of BROKEN) {
  test(`damaged file, diagnostics ${expected.join(', ')}`, () => {
    const parsed = parseIptablesSave(text, 4, 'f');
    assert.deepEqual(parsed.diagnostics.map((d) => `${d.source?.line}:${d.source?.column} ${d.code}`), expected);
    assert.deepEqual(parsed.value.tables.map((t) => t.name), tables);
  });
}

/** [line, tokens as text|column|end|quoted, unterminated quote column] */
const TOKENS: readonly (readonly [string, readonly string[], number?])[] = [
  ['-A X  -j ACCEPT', ['-A|1|2|', 'X|4|4|', '-j|7|8|', 'ACCEPT|10|15|']],
  ['--comment "a b" x', ['--comment|1|9|', 'a b|11|15|q', 'x|17|17|']],
  ['"a \\"b\\" \\\\c \\d"', ['a "b" \\c d|1|16|q']],
  ['pre"fix x"post', ['prefix xpost|1|14|q']],
  ['"" x', ['x|4|4|']],
  ['x a\\"b', ['x|1|1|'], 5],
  ['ok "open', ['ok|1|2|'], 4],
];

for (const [line, expected, unterminated] of TOKENS) {
  test(`tokenize ${line}`, () => {
    const result = tokenizeIptablesLine(line);
    assert.deepEqual(result.tokens.map((t) => `${t.text}|${t.column}|${t.end}|${t.quoted ? 'q' : ''}`), expected);
    assert.equal(result.unterminatedAt, unterminated);
  });
}
