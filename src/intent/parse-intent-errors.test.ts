import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatLocation } from '../model/diagnostics.ts';
import { FILE } from './intent-cases-test-support.ts';
import { parseIntent } from './parse-intent.ts';

const UPLINKS = `uplinks:
  isp1: { interface: wan1, gateway: 192.0.2.1 }
  isp2: { interface: wan2, gateway: 198.51.100.1, gateway6: "fe80::1" }
`;
/** the two uplinks, then these policy lines from line 5 on */
const policies = (...lines: string[]): string => `${UPLINKS}policies:\n${lines.join('\n')}\n`;
/** the two uplinks, then these option lines from line 5 on */
const options = (...lines: string[]): string => `${UPLINKS}options:\n${lines.join('\n')}\n`;

interface Expected {
  /** "pbr.yaml:LINE:COL code" */
  readonly at: string;
  readonly message: string;
  readonly hint?: string;
}

const CASES: readonly { readonly name: string; readonly yaml: string; readonly errors: readonly Expected[] }[] = [
  {
    name: 'YAML syntax',
    yaml: 'uplinks: { isp1: [ }\n',
    errors: [
      { at: "pbr.yaml:1:20 intent-yaml-syntax", message: "Flow sequence in block collection must be sufficiently indented and end with a ]", hint: "see https://yaml.org/spec/1.2.2/ for the syntax" },
      { at: "pbr.yaml:1:21 intent-yaml-syntax", message: "Flow map in block collection must be sufficiently indented and end with a }", hint: "see https://yaml.org/spec/1.2.2/ for the syntax" },
    ],
  },
  {
    name: 'a key twice',
    yaml: 'uplinks:\n  isp1: { interface: wan1, gateway: 192.0.2.1 }\n  isp1: { interface: wan2, gateway: 198.51.100.1 }\n',
    errors: [
      { at: "pbr.yaml:3:3 intent-duplicate-key", message: "Map keys must be unique", hint: "each key may appear once in a mapping" },
    ],
  },
  {
    name: 'an empty file',
    yaml: '# nothing yet\n',
    errors: [
      { at: "pbr.yaml:1:1 intent-empty", message: "the intent file is empty", hint: "start with uplinks: and policies:; see docs/intent.md" },
    ],
  },
  {
    name: 'a list at the top',
    yaml: '- uplinks\n',
    errors: [
      { at: "pbr.yaml:1:1 intent-wrong-type", message: "the intent must be a mapping (key: value), not a list" },
    ],
  },
  {
    name: 'no uplinks',
    yaml: 'policies: []\n',
    errors: [
      { at: "pbr.yaml:1:1 intent-missing-key", message: "the intent needs 'uplinks'", hint: "declare at least one uplink, e.g. uplinks: { isp1: { interface: wan1, gateway: 192.0.2.1 } }" },
    ],
  },
  {
    name: 'a misspelt top-level key',
    yaml: `${UPLINKS}polices: []\n`,
    errors: [
      { at: "pbr.yaml:4:1 intent-unknown-key", message: "unknown key 'polices' at the top level", hint: "did you mean 'policies'?" },
    ],
  },
  {
    name: 'a misspelt match key',
    yaml: policies('  - { name: a, match: { proto: tcp, dprot: 22 }, via: isp1 }'),
    errors: [
      { at: "pbr.yaml:5:37 intent-unknown-key", message: "unknown key 'dprot' under policies[0].match", hint: "did you mean 'dport'?" },
    ],
  },
  {
    name: 'an unknown uplink key with nothing close',
    yaml: 'uplinks:\n  isp1: { interface: wan1, gateway: 192.0.2.1, gw: 192.0.2.1 }\n',
    errors: [
      { at: "pbr.yaml:2:48 intent-unknown-key", message: "unknown key 'gw' under uplinks.isp1", hint: "known keys: interface, gateway, gateway6, table, mark, weight" },
    ],
  },
  {
    name: 'an uplink without interface or gateways',
    yaml: 'uplinks:\n  isp1: { table: 10001 }\n',
    errors: [
      { at: "pbr.yaml:2:9 intent-missing-key", message: "uplinks.isp1 needs 'interface'", hint: "the device this uplink leaves by, e.g. interface: wan1" },
      { at: "pbr.yaml:2:9 intent-missing-key", message: "uplinks.isp1 needs 'gateway' or 'gateway6'", hint: "the next hop of the uplink's default route: gateway for IPv4, gateway6 for IPv6 (a link-local fe80:: address is fine)" },
    ],
  },
  {
    name: 'a bad uplink name and interface',
    yaml: 'uplinks:\n  1isp: { interface: wan1/x, gateway: 192.0.2.1 }\n',
    errors: [
      { at: "pbr.yaml:2:3 intent-bad-name", message: "uplink name '1isp' is not a plain word", hint: "start with a letter; letters, digits, \"-\" and \"_\" only, at most 32 characters" },
      { at: "pbr.yaml:2:22 intent-bad-interface", message: "uplinks.1isp.interface: 'wan1/x' is not a valid interface name", hint: "the kernel takes 1 to 15 bytes without \"/\", \":\" or spaces" },
    ],
  },
  {
    name: 'gateways of the wrong family',
    yaml: 'uplinks:\n  isp1: { interface: wan1, gateway: "2001:db8::1", gateway6: 192.0.2.1 }\n',
    errors: [
      { at: "pbr.yaml:2:37 intent-gateway-family", message: "uplinks.isp1.gateway 2001:db8::1 is an IPv6 address", hint: "write it as gateway6: \"2001:db8::1\"" },
      { at: "pbr.yaml:2:62 intent-gateway-family", message: "uplinks.isp1.gateway6 192.0.2.1 is an IPv4 address", hint: "write it as gateway: \"192.0.2.1\"" },
    ],
  },
  {
    name: 'gateways that are no next hop',
    yaml: 'uplinks:\n  isp1: { interface: wan1, gateway: 224.0.0.1 }\n  isp2: { interface: wan2, gateway: not-an-address }\n',
    errors: [
      { at: "pbr.yaml:2:37 intent-bad-gateway", message: "uplinks.isp1.gateway 224.0.0.1 cannot be a next hop", hint: "give the address of the router at the other end of the uplink" },
      { at: "pbr.yaml:3:37 intent-bad-address", message: "uplinks.isp2.gateway must be an IPv4 address, not 'not-an-address'" },
    ],
  },
  {
    name: 'tables: zero, the kernel\'s, outside the range, a duplicate',
    yaml: 'uplinks:\n  a: { interface: wan1, gateway: 192.0.2.1, table: 0 }\n  b: { interface: wan1, gateway: 192.0.2.1, table: 254 }\n  c: { interface: wan1, gateway: 192.0.2.1, table: main }\n  d: { interface: wan1, gateway: 192.0.2.1, table: 100 }\n  e: { interface: wan1, gateway: 192.0.2.1, table: 10005 }\n  f: { interface: wan1, gateway: 192.0.2.1, table: 10005 }\n',
    errors: [
      { at: "pbr.yaml:2:52 intent-bad-table", message: "uplinks.a.table must be a table id from 1 to 4294967295 or a name, not 0" },
      { at: "pbr.yaml:3:52 intent-reserved-table", message: "uplinks.b.table 254 is the kernel's main table", hint: "pbr puts each uplink in a table of its own; leave table out and pbr picks one" },
      { at: "pbr.yaml:4:52 intent-reserved-table", message: "uplinks.c.table 'main' is one of the kernel's tables", hint: "pbr puts each uplink in a table of its own; leave table out and pbr picks one" },
      { at: "pbr.yaml:5:52 intent-table-out-of-range", message: "uplinks.d.table 100 is outside options.table_ids 10000-10999", hint: "pbr only creates tables in its own range; pick an id inside it or widen options.table_ids" },
      { at: "pbr.yaml:7:52 intent-duplicate-table", message: "uplinks.f.table 10005 is also uplink 'e's table", hint: "each uplink needs a table of its own; leave table out and pbr picks one" },
    ],
  },
  {
    name: 'marks: zero, outside the mask, a duplicate',
    yaml: 'uplinks:\n  a: { interface: wan1, gateway: 192.0.2.1, mark: 0 }\n  b: { interface: wan1, gateway: 192.0.2.1, mark: 0x10 }\n  c: { interface: wan1, gateway: 192.0.2.1, mark: 0x02000000 }\n  d: { interface: wan1, gateway: 192.0.2.1, mark: "0x02000000" }\n',
    errors: [
      { at: "pbr.yaml:2:51 intent-bad-mark", message: "uplinks.a.mark must be a non-zero 32-bit mark such as 0x01000000, not 0" },
      { at: "pbr.yaml:3:51 intent-mark-outside-mask", message: "uplinks.b.mark 0x00000010 has bits outside options.mark_mask 0x0f000000", hint: "pbr's marks live inside its mask so they never touch other software's bits; e.g. 0x01000000" },
      { at: "pbr.yaml:5:51 intent-duplicate-mark", message: "uplinks.d.mark 0x02000000 is also uplink 'c's mark", hint: "each uplink needs a mark of its own; leave mark out and pbr picks one" },
    ],
  },
  {
    name: 'a mark outside a mask of the user',
    yaml: 'uplinks:\n  a: { interface: wan1, gateway: 192.0.2.1, mark: 0x100 }\n  b: { interface: wan1, gateway: 192.0.2.1, mark: 0x20 }\noptions: { mark_mask: 0xf0 }\n',
    errors: [
      { at: "pbr.yaml:2:51 intent-mark-outside-mask", message: "uplinks.a.mark 0x00000100 has bits outside options.mark_mask 0x000000f0", hint: "pbr's marks live inside its mask so they never touch other software's bits; e.g. 0x00000010" },
    ],
  },
  {
    name: 'an uplink weight of zero',
    yaml: 'uplinks:\n  a: { interface: wan1, gateway: 192.0.2.1, weight: 0 }\n',
    errors: [
      { at: "pbr.yaml:2:53 intent-bad-weight", message: "uplinks.a.weight must be a whole number from 1 to 1000, not 0" },
    ],
  },
  {
    name: 'protocols',
    yaml: policies('  - { name: a, match: { proto: tpc }, via: isp1 }', '  - { name: b, match: { proto: 300 }, via: isp1 }', '  - { name: c, match: { proto: foo }, via: isp1 }'),
    errors: [
      { at: "pbr.yaml:5:32 intent-bad-proto", message: "policies[0].match.proto must be an IP protocol name or a number from 0 to 255, not 'tpc'", hint: "did you mean 'tcp'?" },
      { at: "pbr.yaml:6:32 intent-bad-proto", message: "policies[1].match.proto must be an IP protocol name or a number from 0 to 255, not 300", hint: "e.g. tcp, udp, icmp, icmpv6, sctp, gre, esp, or the number from /etc/protocols" },
      { at: "pbr.yaml:7:32 intent-bad-proto", message: "policies[2].match.proto must be an IP protocol name or a number from 0 to 255, not 'foo'", hint: "e.g. tcp, udp, icmp, icmpv6, sctp, gre, esp, or the number from /etc/protocols" },
    ],
  },
  {
    name: 'prefixes',
    yaml: policies('  - { name: a, match: { src: 10.0.0.1/24 }, via: isp1 }', '  - { name: b, match: { dst: [10.0.0.0/8, "10.0.0.0/33", 7] }, via: isp1 }', '  - { name: c, match: { src: [] }, via: isp1 }'),
    errors: [
      { at: "pbr.yaml:5:30 intent-bad-prefix", message: "policies[0].match.src '10.0.0.1/24' has host bits set", hint: "did you mean 10.0.0.0/24?" },
      { at: "pbr.yaml:6:43 intent-bad-prefix", message: "policies[1].match.dst[1] must be an address or prefix such as 10.0.0.0/24 or 2001:db8::/32, not '10.0.0.0/33'", hint: "a bare address means that one host (/32 or /128)" },
      { at: "pbr.yaml:6:58 intent-bad-prefix", message: "policies[1].match.dst[2] must be an address or prefix such as 10.0.0.0/24 or 2001:db8::/32, not 7", hint: "a bare address means that one host (/32 or /128)" },
      { at: "pbr.yaml:7:30 intent-empty-list", message: "policies[2].match.src is an empty list", hint: "give at least one value, or leave the key out" },
    ],
  },
  {
    name: 'ports',
    yaml: policies('  - { name: a, match: { proto: tcp, dport: 70000 }, via: isp1 }', '  - { name: b, match: { proto: udp, sport: "90-80" }, via: isp1 }', '  - { name: c, match: { proto: tcp, dport: [sshh] }, via: isp1 }', '  - { name: d, match: { proto: tcp, dport: [22, 1.5] }, via: isp1 }'),
    errors: [
      { at: "pbr.yaml:5:44 intent-bad-port", message: "policies[0].match.dport must be a port from 1 to 65535, not 70000" },
      { at: "pbr.yaml:6:44 intent-bad-port", message: "policies[1].match.sport: the range 90-80 runs backwards", hint: "write it as \"80-90\"" },
      { at: "pbr.yaml:7:45 intent-unknown-service", message: "policies[2].match.dport[0]: unknown service 'sshh'", hint: "did you mean 'ssh'? (or give the port number)" },
      { at: "pbr.yaml:8:49 intent-bad-port", message: "policies[3].match.dport[1] must be a port, a service name or a range \"8000-8100\", not 1.5" },
    ],
  },
  {
    name: 'ports without a port protocol',
    yaml: policies('  - { name: a, match: { dport: 53 }, via: isp1 }', '  - { name: b, match: { proto: icmp, sport: 1 }, via: isp1 }', '  - { name: c, match: { not: { dport: 22 } }, via: isp1 }'),
    errors: [
      { at: "pbr.yaml:5:25 intent-ports-need-proto", message: "policies[0].match.dport needs proto tcp, udp or sctp; this match has no proto", hint: "ports exist only in TCP, UDP and SCTP, and the kernel matches them only with the protocol; for both TCP and UDP write two policies" },
      { at: "pbr.yaml:6:38 intent-ports-need-proto", message: "policies[1].match.sport needs proto tcp, udp or sctp; this match has proto icmp", hint: "ports exist only in TCP, UDP and SCTP, and the kernel matches them only with the protocol; for both TCP and UDP write two policies" },
      { at: "pbr.yaml:7:32 intent-ports-need-proto", message: "policies[2].match.not.dport needs proto tcp, udp or sctp; this match has no proto", hint: "ports exist only in TCP, UDP and SCTP, and the kernel matches them only with the protocol; for both TCP and UDP write two policies" },
    ],
  },
  {
    name: 'dscp',
    yaml: policies('  - { name: a, match: { dscp: EF }, via: isp1 }', '  - { name: b, match: { dscp: 64 }, via: isp1 }', '  - { name: c, match: { dscp: 0xb8 }, via: isp1 }'),
    errors: [
      { at: "pbr.yaml:5:31 intent-bad-dscp", message: "policies[0].match.dscp: unknown DSCP name 'EF'", hint: "did you mean 'ef'? (names are lower case: cs0-cs7, af11-af43, ef; or a number 0-63)" },
      { at: "pbr.yaml:6:31 intent-bad-dscp", message: "policies[1].match.dscp must be a DSCP value from 0 to 63, not 64", hint: "DSCP is the upper 6 bits of the TOS byte: ef is 46, not 0xb8" },
      { at: "pbr.yaml:7:31 intent-bad-dscp", message: "policies[2].match.dscp must be a DSCP value from 0 to 63, not 184", hint: "DSCP is the upper 6 bits of the TOS byte: ef is 46, not 0xb8" },
    ],
  },
  {
    name: 'match marks',
    yaml: policies('  - { name: a, match: { mark: "0x10/0x0f" }, via: isp1 }', '  - { name: b, match: { mark: "0x10/0" }, via: isp1 }', '  - { name: c, match: { mark: blue }, via: isp1 }'),
    errors: [
      { at: "pbr.yaml:5:31 intent-bad-mark", message: "policies[0].match.mark value 0x00000010 has bits outside its mask 0x0000000f", hint: "such a match can never be true; did you mean 0x00000000/0x0000000f?" },
      { at: "pbr.yaml:6:31 intent-bad-mark", message: "policies[1].match.mark must be a mark such as 0x10 or \"0x10/0xff\" (value/mask), not '0x10/0'", hint: "a mark without a mask compares all 32 bits; mark: 0 selects unmarked packets" },
      { at: "pbr.yaml:7:31 intent-bad-mark", message: "policies[2].match.mark must be a mark such as 0x10 or \"0x10/0xff\" (value/mask), not 'blue'", hint: "a mark without a mask compares all 32 bits; mark: 0 selects unmarked packets" },
    ],
  },
  {
    name: 'uids',
    yaml: policies('  - { name: a, match: { uid: "2000-1000" }, via: isp1 }', '  - { name: b, match: { uid: [-1, alice] }, via: isp1 }'),
    errors: [
      { at: "pbr.yaml:5:30 intent-bad-uid", message: "policies[0].match.uid: the range 2000-1000 runs backwards", hint: "write it as \"1000-2000\"" },
      { at: "pbr.yaml:6:31 intent-bad-uid", message: "policies[1].match.uid[0] must be a uid from 0 to 4294967294 or a range \"1000-2000\", not -1", hint: "user names are not resolved: give the numeric uid (id -u NAME)" },
      { at: "pbr.yaml:6:35 intent-bad-uid", message: "policies[1].match.uid[1] must be a uid from 0 to 4294967294 or a range \"1000-2000\", not 'alice'", hint: "user names are not resolved: give the numeric uid (id -u NAME)" },
    ],
  },
  {
    name: 'families mixed in one policy',
    yaml: policies('  - { name: a, match: { src: 10.0.0.0/24, dst: "2001:db8::/32" }, via: isp2 }', '  - { name: b, match: { proto: icmp, dst: "2001:db8::/32" }, via: isp2 }', '  - { name: c, match: { src: 10.0.0.0/24, not: { dst: "fc00::/7" } }, via: isp2 }'),
    errors: [
      { at: "pbr.yaml:5:48 intent-family-mix", message: "policies[0].match.dst is IPv6 but policies[0].match.src is IPv4", hint: "a rule matches one family at a time: give both lists the same families, or write one policy per family" },
      { at: "pbr.yaml:6:23 intent-family-mix", message: "policies[1].match: proto icmp is IPv4 only but the addresses are IPv6", hint: "use icmp with IPv4 addresses and icmpv6 with IPv6 ones" },
      { at: "pbr.yaml:7:55 intent-family-mix", message: "policies[2].match.not.dst is IPv6 but policies[2].match.src is IPv4", hint: "a rule matches one family at a time: give both lists the same families, or write one policy per family" },
    ],
  },
  {
    name: 'an IPv6 policy by an uplink without gateway6',
    yaml: policies('  - { name: a, match: { dst: "2001:db8::/32" }, via: isp1 }', '  - { name: b, match: { proto: icmpv6 }, via: { failover: [isp2, isp1] } }'),
    errors: [
      { at: "pbr.yaml:5:54 intent-uplink-family", message: "policy 'a' matches IPv6 but uplink 'isp1' has no gateway6", hint: "give uplinks.isp1 a gateway6, or send this policy by an uplink that has one" },
      { at: "pbr.yaml:6:66 intent-uplink-family", message: "policy 'b' matches IPv6 but uplink 'isp1' has no gateway6", hint: "give uplinks.isp1 a gateway6, or send this policy by an uplink that has one" },
    ],
  },
  {
    name: 'uplinks with no family in common',
    yaml: 'uplinks:\n  a: { interface: wan1, gateway: 192.0.2.1 }\n  b: { interface: wan2, gateway6: "fe80::1" }\npolicies:\n  - { name: p, match: { proto: tcp }, via: { balance: [a, b] } }\n',
    errors: [
      { at: "pbr.yaml:5:56 intent-uplink-family", message: "policy 'p': its uplinks 'a', 'b' carry no family in common", hint: "an uplink carries IPv4 with a gateway and IPv6 with a gateway6; give them one in common" },
    ],
  },
  {
    name: 'unknown uplinks',
    yaml: policies('  - { name: a, match: {}, via: isp3 }', '  - { name: b, match: {}, via: { failover: [isp1, wan2] } }') + 'default: isp\n',
    errors: [
      { at: "pbr.yaml:5:32 intent-unknown-uplink", message: "policies[0].via: no uplink named 'isp3'", hint: "did you mean 'isp1'? defined uplinks: isp1, isp2" },
      { at: "pbr.yaml:6:51 intent-unknown-uplink", message: "policies[1].via.failover[1]: no uplink named 'wan2'", hint: "defined uplinks: isp1, isp2" },
      { at: "pbr.yaml:7:10 intent-unknown-uplink", message: "default: no uplink named 'isp'", hint: "did you mean 'isp1'? defined uplinks: isp1, isp2" },
    ],
  },
  {
    name: 'balance and failover with too few or repeated uplinks',
    yaml: policies('  - { name: a, match: {}, via: { balance: { isp1: 1 } } }', '  - { name: b, match: {}, via: { failover: [isp1] } }', '  - { name: c, match: {}, via: { failover: [isp1, isp2, isp1] } }', '  - { name: d, match: {}, via: { balance: { isp1: 1.5, isp2: 1 } } }'),
    errors: [
      { at: "pbr.yaml:5:45 intent-balance-too-few", message: "policies[0].via.balance needs at least two uplinks", hint: "for one uplink write via: isp1" },
      { at: "pbr.yaml:6:45 intent-failover-too-few", message: "policies[1].via.failover needs at least two uplinks", hint: "for one uplink write via: isp1" },
      { at: "pbr.yaml:7:57 intent-duplicate-uplink", message: "policies[2].via.failover names uplink 'isp1' twice", hint: "give each uplink once, in the order to try them" },
      { at: "pbr.yaml:8:51 intent-bad-weight", message: "policies[3].via.balance.isp1 must be a whole number from 1 to 1000, not 1.5", hint: "weights are shares of new connections: { isp1: 3, isp2: 1 } sends 3 of 4 by isp1" },
    ],
  },
  {
    name: 'a via that is neither',
    yaml: policies('  - { name: a, match: {}, via: [isp1, isp2] }', '  - { name: b, match: {}, via: { balance: [isp1, isp2], failover: [isp1, isp2] } }', '  - { name: c, match: {}, via: { balanse: [isp1, isp2] } }'),
    errors: [
      { at: "pbr.yaml:5:32 intent-bad-via", message: "policies[0].via is a list", hint: "for several uplinks say how to use them: { balance: [isp1, isp2] } or { failover: [isp1, isp2] }" },
      { at: "pbr.yaml:6:32 intent-bad-via", message: "policies[1].via must have exactly one of 'balance' or 'failover'", hint: "e.g. { balance: { isp1: 3, isp2: 1 } } or { failover: [isp2, isp1] }" },
      { at: "pbr.yaml:7:34 intent-unknown-key", message: "unknown key 'balanse' under policies[2].via", hint: "did you mean 'balance'?" },
    ],
  },
  {
    name: 'policy names',
    yaml: policies('  - { name: web, match: {}, via: isp1 }', '  - { name: web, match: {}, via: isp2 }', '  - { name: "a b", match: {}, via: isp2 }', '  - { match: {}, via: isp2 }'),
    errors: [
      { at: "pbr.yaml:6:13 intent-duplicate-policy", message: "policies[1].name: a policy named 'web' already exists", hint: "policy names must be unique (the first is at line 5)" },
      { at: "pbr.yaml:7:13 intent-bad-name", message: "policies[2].name 'a b' is not a plain word", hint: "letters, digits, \".\", \"-\" and \"_\", at most 64 characters, e.g. ssh-via-isp2" },
      { at: "pbr.yaml:8:5 intent-missing-key", message: "policies[3] needs 'name'", hint: "a unique name for plans and traces, e.g. name: ssh-via-isp2" },
    ],
  },
  {
    name: 'not inside not, an empty not',
    yaml: policies('  - { name: a, match: { not: { not: { proto: tcp } } }, via: isp1 }', '  - { name: b, match: { not: {} }, via: isp1 }'),
    errors: [
      { at: "pbr.yaml:5:32 intent-nested-not", message: "policies[0].match.not.not: a 'not' inside 'not' negates twice", hint: "write the keys of the inner match directly in the outer one" },
      { at: "pbr.yaml:6:30 intent-empty-not", message: "policies[1].match.not is empty", hint: "an empty match selects every packet, so its negation selects none; give it keys or leave it out" },
    ],
  },
  {
    name: 'options',
    yaml: options('  rule_priorities: 0-10', '  table_ids: 200-300', '  mark_mask: 0', '  forwarding: yes', '  rp_filter: strict', '  log_martians: 1', '  colour: blue'),
    errors: [
      { at: "pbr.yaml:5:20 intent-bad-range", message: "options.rule_priorities must be a rule priority from 1 to 32765 or a range \"A-B\" of them, not '0-10'", hint: "priority 0 is the local rule, 32766 and 32767 are the main and default rules; e.g. \"10000-10999\"" },
      { at: "pbr.yaml:6:14 intent-bad-range", message: "options.table_ids 200-300 includes the kernel's tables 253-255", hint: "253, 254 and 255 are the default, main and local tables; choose a range that avoids them, e.g. \"10000-10999\"" },
      { at: "pbr.yaml:7:14 intent-bad-mark", message: "options.mark_mask must be a non-zero 32-bit mask such as 0x0f000000, not 0" },
      { at: "pbr.yaml:8:15 intent-wrong-type", message: "options.forwarding must be true or false, not 'yes'", hint: "YAML 1.2 reads yes, no, on and off as words: write true or false" },
      { at: "pbr.yaml:9:14 intent-bad-option", message: "options.rp_filter must be 'loose' or 'keep', not 'strict'", hint: "'loose' sets rp_filter 2 on the uplinks so replies on another uplink are not dropped as martians; 'keep' leaves it" },
      { at: "pbr.yaml:10:17 intent-wrong-type", message: "options.log_martians must be true or false, not 1", hint: "YAML 1.2 reads yes, no, on and off as words: write true or false" },
      { at: "pbr.yaml:11:3 intent-unknown-key", message: "unknown key 'colour' under options", hint: "known keys: rule_priorities, table_ids, mark_mask, forwarding, rp_filter, log_martians" },
    ],
  },
  {
    name: 'option ranges backwards, a mask with holes',
    yaml: options('  rule_priorities: "2000-1000"', '  table_ids: 10', '  mark_mask: 0x0ff00f00'),
    errors: [
      { at: "pbr.yaml:5:20 intent-bad-range", message: "options.rule_priorities: the range 2000-1000 runs backwards", hint: "write it as \"1000-2000\"" },
      { at: "pbr.yaml:7:14 intent-bad-mark", message: "options.mark_mask 0x0ff00f00 is not one run of bits", hint: "pbr numbers its marks inside one contiguous run of bits, e.g. 0x0f000000 or 0x00f00000" },
    ],
  },
  {
    name: 'an alias without its anchor',
    yaml: 'uplinks:\n  isp1: *wan\n',
    errors: [
      { at: "pbr.yaml:2:9 intent-yaml-syntax", message: "unresolved alias *wan", hint: "define the anchor (&name) before the alias that uses it" },
    ],
  },
  {
    name: 'several errors at once, in file order',
    yaml: 'default: nope\n' + policies('  - { name: a, match: { proto: tcp, dprot: 22 }, via: isp3 }'),
    errors: [
      { at: "pbr.yaml:1:10 intent-unknown-uplink", message: "default: no uplink named 'nope'", hint: "defined uplinks: isp1, isp2" },
      { at: "pbr.yaml:6:37 intent-unknown-key", message: "unknown key 'dprot' under policies[0].match", hint: "did you mean 'dport'?" },
      { at: "pbr.yaml:6:55 intent-unknown-uplink", message: "policies[0].via: no uplink named 'isp3'", hint: "did you mean 'isp1'? defined uplinks: isp1, isp2" },
    ],
  },
  {
    name: 'a reference to a wrong uplink is not a second error',
    yaml: 'uplinks:\n  isp1: { interface: wan1, gateway: 192.0.2.300 }\npolicies: [{ name: a, match: {}, via: isp1 }]\ndefault: isp1\n',
    errors: [
      { at: "pbr.yaml:2:37 intent-bad-address", message: "uplinks.isp1.gateway must be an IPv4 address, not '192.0.2.300'" },
    ],
  },
];

for (const c of CASES) {
  test(`parseIntent error: ${c.name}`, () => {
    const r = parseIntent(c.yaml, FILE);
    assert.equal(r.value, undefined);
    const errors = r.diagnostics.filter((d) => d.severity === 'error');
    assert.deepEqual(errors.map((d) => `${formatLocation(d.source)} ${d.code}`), c.errors.map((e) => e.at));
    assert.deepEqual(errors.map((d) => ({ message: d.message, hint: d.hint })), c.errors.map((e) => ({ message: e.message, hint: e.hint })));
  });
}
