// --help texts, each with examples.

export const MAIN_HELP = `pbr — policy-based routing for Linux: capture, trace and show routing decisions offline

Usage:
  pbr snapshot [-o FILE] [--netns NAME]
  pbr route get [--snapshot FILE] [-4|-6] [-j] [--explain] ADDRESS [SELECTORS]
  pbr route get [--snapshot FILE] [-4|-6] [-j] [--explain] --batch FILE|-
  pbr route show [--snapshot FILE] [-4|-6] [-j] [-d] [table NAME|ID|all]
  pbr rule show [--snapshot FILE] [-4|-6] [-j] [-d]
  pbr example

Global options:
  --snapshot FILE   answer from a snapshot file instead of capturing this namespace
  -4, -6            address family (default: from the address; IPv4 for listings)
  -j, --json        JSON output (as ip -j)
  --debug           show stack traces of internal errors
  -h, --help        help (also after a command: pbr route get --help)
  -V, --version     print the version

Examples:
  pbr snapshot -o router.json
  pbr route get --snapshot router.json 203.0.113.10 from 10.0.0.5 iif eth0
  pbr rule show --snapshot router.json
  pbr route show --snapshot router.json table all

Exit status: 0 ok · 2 usage error or lookup error (as ip) · 3 invalid snapshot · 4 system error · 70 internal error
`;

export const ROUTE_GET_HELP = `Usage: pbr route get [--snapshot FILE] [-4|-6] [-j] [--explain] [to] ADDRESS [SELECTORS]
       pbr route get [--snapshot FILE] [-4|-6] [-j] [--explain] --batch FILE|-

Answers offline, exactly as \`ip route get\` on the captured host would; without --snapshot
the current network namespace is captured first.

SELECTORS (iproute2's words, any order, abbreviations as ip accepts them):
  from ADDR        source address            iif DEV      input device (input path)
  oif DEV          output device (alias dev) mark NUM     firewall mark (0x… hex, 0… octal)
  tos TOS          dsfield, hex or rt_dsfield name (alias dsfield)
  uid NUM          socket uid                ipproto PROTO  tcp, udp, icmp, ipv6-icmp or a number
  sport NUM        source port               dport NUM    destination port
  fibmatch         print the matched FIB entry instead of the resulting route

Options:
  --snapshot FILE  read the state from FILE (made by pbr snapshot)
  -4, -6           address family (default: from the first address)
  -j, --json       print what \`ip -d -j route get\` prints; errors as [{"error":{…}}]
  --explain        add the reasoning: rules considered, tables searched, source selection,
                   rp_filter/martian checks and the kernel log line of a drop
  --batch FILE     one query per line (a leading "route get" is allowed, # comments, blank
                   lines and trailing \\ continuations as ip -batch); "-" reads stdin; a bad
                   line is reported as "Command failed FILE:LINE" and the batch goes on;
                   with -j every query prints one JSON object on its own line

Examples:
  pbr route get --snapshot router.json 198.51.100.7
  pbr route get --snapshot router.json 198.51.100.7 from 10.0.0.5 iif lan0 mark 0x10
  pbr route get --snapshot router.json -j --explain 2001:db8::1 ipproto tcp dport 443
  pbr route get --snapshot router.json --batch queries.txt

Exit status: 0 found · 2 lookup error (RTNETLINK answers: …) or bad arguments; a batch exits 2
when any of its lines failed
`;

export const ROUTE_SHOW_HELP = `Usage: pbr route show [--snapshot FILE] [-4|-6] [-j] [-d] [table NAME|ID|all]

Prints the routes of one table (default main) exactly as \`ip route show\` does; table names
come from the snapshot's rt_tables. "table all" lists every table (both families unless -4/-6).

Examples:
  pbr route show --snapshot router.json
  pbr route show --snapshot router.json table isp1
  pbr route show --snapshot router.json -6 table all
`;

export const RULE_SHOW_HELP = `Usage: pbr rule show [--snapshot FILE] [-4|-6] [-j] [-d]

Prints the routing policy rules exactly as \`ip rule show\` does (IPv4 unless -6).

Examples:
  pbr rule show --snapshot router.json
  pbr rule show --snapshot router.json -6 -j
`;

export const SNAPSHOT_HELP = `Usage: pbr snapshot [-o FILE] [--netns NAME]

Captures links, addresses, rules and routes of every table (IPv4 and IPv6), nexthop objects,
rt_tables, sysctls and the nftables/iptables rulesets into one JSON file (default: stdout).

Options:
  -o, --output FILE  write the snapshot to FILE
  --netns NAME       capture the named network namespace (ip netns) instead of this one

Examples:
  pbr snapshot -o router.json
  pbr snapshot --netns lab1 > lab1.json
`;

export const EXAMPLE_HELP = `Usage: pbr example

Runs route get queries on the bundled two-uplink snapshot (examples/two-uplinks.snapshot.json)
and explains each decision. Needs no root.

Example:
  pbr example
`;
