// --help texts, each with examples.

export const MAIN_HELP = `pbr — policy-based routing for Linux: declare it, apply it, trace it, prove it

Usage:
  pbr snapshot [-o FILE] [--netns NAME]
  pbr route get [--snapshot FILE] [-4|-6] [-j] [--explain] ADDRESS [SELECTORS]
  pbr route get [--snapshot FILE] [-4|-6] [-j] [--explain] --batch FILE|- [--summary]
  pbr route show [--snapshot FILE] [-4|-6] [-j] [-d] [table NAME|ID|all]
  pbr trace [--snapshot FILE] [-4|-6] [-j] [--reply] (--from-local | iif DEV) ADDRESS [SELECTORS]
  pbr rule show [--snapshot FILE] [-4|-6] [-j] [-d]
  pbr lint [--snapshot FILE] [-c FILE] [-j]
  pbr doctor [--netns NAME] [-j]
  pbr explain-log [--snapshot FILE] [-j] [FILE|-]
  pbr plan [-c FILE] [--snapshot FILE | --netns NAME] [--format text|commands] [-j]
  pbr apply [-c FILE] [--netns NAME] [--confirm SECONDS] [-j]
  pbr rollback | pbr confirm | pbr status [-j]
  pbr install [-c FILE] [--enable] | pbr uninstall [--disable]
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
  pbr trace --snapshot router.json --reply 203.0.113.10 from 10.0.0.5 iif eth0 proto tcp dport ssh
  pbr rule show --snapshot router.json
  pbr route show --snapshot router.json table all
  pbr plan -c pbr.yaml && pbr apply -c pbr.yaml --confirm 60 && pbr confirm
  pbr lint --snapshot router.json
  dmesg | pbr explain-log --snapshot router.json -

Exit status: 0 ok · 1 plan has changes or lint findings · 2 usage error or lookup error (as ip) · 3 invalid snapshot
or intent · 4 system error · 5 apply failed and rolled back · 6 rollback failed · 70 internal error
`;

export const ROUTE_GET_HELP = `Usage: pbr route get [--snapshot FILE] [-4|-6] [-j] [--explain] [to] ADDRESS [SELECTORS]
       pbr route get [--snapshot FILE] [-4|-6] [-j] [--explain] --batch FILE|- [--summary]

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
  --summary        with --batch: instead of a line per query, one table of how many queries
                   took each (rule, table, route, dev, disposition), most first, and a total
                   line; -j prints {"rows":[…],"total":N,"failed":N}. The route is "via GW",
                   led by the matched prefix when the lines ask fibmatch; a failed lookup is
                   a row (its errno), only bad lines make the exit status 2

Examples:
  pbr route get --snapshot router.json 198.51.100.7
  pbr route get --snapshot router.json 198.51.100.7 from 10.0.0.5 iif lan0 mark 0x10
  pbr route get --snapshot router.json -j --explain 2001:db8::1 ipproto tcp dport 443
  pbr route get --snapshot router.json --batch queries.txt
  pbr route get --snapshot router.json --batch flows.txt --summary

Exit status: 0 found · 2 lookup error (RTNETLINK answers: …) or bad arguments; a batch exits 2
when any of its lines failed
`;

export const TRACE_HELP = `Usage: pbr trace [--snapshot FILE] [-4|-6] [-j] [--reply] [to] ADDRESS from ADDR iif DEV [SELECTORS]
       pbr trace [--snapshot FILE] [-4|-6] [-j] [--reply] --from-local [--uid N] [--gid N] [to] ADDRESS [SELECTORS]

Follows one packet through every netfilter hook (raw, conntrack, mangle, nat, filter; nftables and
iptables alike) and every routing decision the kernel makes for it (input route, output route, the
reroute after mangle OUTPUT or an nft "type route" chain, rp_filter), and says where it ends up and
why. Without --snapshot the current network namespace is captured first.

The packet is either received (iif DEV and its source, from ADDR) or generated by this host
(--from-local; the output route picks the source unless from ADDR is given).

SELECTORS (route get's words, any order, plus names for protocols and ports):
  from ADDR          source address             iif DEV       device it arrives on
  oif DEV            socket bound to DEV (--from-local only)
  mark NUM           mark it carries (SO_MARK)  tos TOS       hex or rt_dsfield name (alias dsfield)
  proto PROTO        tcp, udp, icmp, sctp, … or a number (alias ipproto); default tcp when a port
                     is given, else icmp (ipv6-icmp for IPv6) echo-request
  sport PORT         source port                dport PORT    destination port: a number or a
                                                              name from /etc/services (ssh, https)
  icmp-type TYPE     a number or echo-request, echo-reply, destination-unreachable, time-exceeded
  uid NUM, gid NUM   owner of the sending socket (--from-local only; same as --uid/--gid)

Options:
  --snapshot FILE    read the state from FILE (made by pbr snapshot)
  -4, -6             address family (default: from the first address)
  -j, --json         print the whole trace as one JSON object: request, outcomes (each with
                     probability, assumptions, steps, packet, disposition, reply) and diagnostics;
                     addresses are strings, marks/ct marks/tos "0x…" strings, ports and ids numbers
  --reply            also follow the reply under each outcome (conntrack entry, ct mark, NAT reversal,
                     its own routing and reverse-path check)
  --from-local       the packet is sent by a local process (no iif)
  --uid N, --gid N   the sending socket's owner (--from-local only)

Output: numbered steps (hook; chain with table, family, type and priority; each rule as written with
its handle or file:line, matched or not, its effect, verdict and mark change; each routing decision
with the ip rule and table that decided and the route; conntrack and NAT), then "result:" and a
"why:" line. A rule pbr does not model, or a random match (numgen, statistic), splits the trace into
outcomes, each with its probability or marked "possible" with the assumptions it rests on.

Examples:
  pbr trace --snapshot router.json 203.0.113.10 from 10.0.0.50 iif lan0 proto tcp dport ssh
  pbr trace --snapshot router.json --reply 192.0.2.2 from 203.0.113.10 iif wan2 dport 22
  pbr trace --snapshot router.json --from-local --uid 1000 203.0.113.10 proto udp dport domain
  pbr trace --snapshot router.json -j --from-local 2001:db8:ff::10 proto tcp dport https

Exit status: 0 the trace ran, whatever the packet's fate · 2 bad arguments or unknown device ·
3 invalid snapshot
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

The seed scenario, computed offline (no root; nothing on this machine changes): a router with a LAN
and two uplinks, recorded from a real namespace (examples/two-uplinks.snapshot.json), and the intent
examples/pbr.yaml (ssh over isp2, the web over isp1). Prints the host and the intent, the plan as
\`pbr plan --snapshot\` prints it, then applies the plan in the model and shows, before and after,
where forwarded ssh and http, ssh opened by the router and a connection arriving on the second uplink
go, with their replies: \`pbr trace --reply\` of each on the applied state (rules that did not match
left out). Ends with the checks \`pbr apply\` runs after applying.

Example:
  pbr example | less

Exit status: 0 every check ok · 1 a check failed
`;

export const LINT_HELP = `Usage: pbr lint [--snapshot FILE] [-c FILE] [-j]

Checks the routing state for the pitfalls that make packets disappear: rules that look up empty
tables, policy tables without a default route, duplicate priorities, tables without a name, and
more (docs/lint/README.md lists every check). Without --snapshot the current network namespace is
captured first. Each finding prints as

  SEVERITY ID: what is wrong, naming the rules, tables, chains and interfaces involved
    hint: the fix
    see docs/lint/ID.md

and nothing at all is printed when nothing is found.

Options:
  --snapshot FILE  lint the state in FILE (made by pbr snapshot)
  -c, --config FILE
                   lint the state this intent (pbr.yaml) would produce on the host (or on the
                   snapshot), together with the intent itself
  -j, --json       print the findings as a JSON array of {id, severity, message, hint, objects}

Examples:
  pbr lint
  pbr lint --snapshot router.json
  pbr lint -c /etc/pbr/pbr.yaml --snapshot router.json -j

Exit status: 0 no finding at warning or above (info findings only) · 1 findings at warning or
above · 3 invalid snapshot or intent
`;

export const DOCTOR_HELP = `Usage: pbr doctor [--netns NAME] [-j]

Checks this host for policy routing: what the kernel offers (several routing tables, fwmark rules,
multipath, IPv6 tables and subtrees, nftables meta/ct marks and route chains, masquerade, iptables
mark/connmark), read from /proc/config.gz or /boot/config-RELEASE, else /proc/modules, else tried
in a throwaway network namespace (pbrdoc-*, root only, deleted afterwards); the tools present
(iproute2, nft, iptables and its backend, ip6tables, conntrack); the sysctls that decide what
policy routing does (forwarding, rp_filter, src_valid_mark, log_martians, fwmark_reflect,
tcp_fwmark_accept, multipath hash, ignore_routes_with_linkdown); and pbr lint on a fresh capture.
Every problem comes with its fix. Marks: ✓ fine · ✗ error or warning · ! worth a look · ? unknown.

Options:
  --netns NAME  inspect the sysctls and state of network namespace NAME (the kernel is shared)
  -j, --json    one JSON object: {kernelRelease, kernel: {sources, capabilities}, tools, sysctls,
                lint, notes, summary}

Examples:
  pbr doctor
  sudo pbr doctor --netns router -j

Exit status: 0 nothing at warning or above · 1 something at warning or above · 4 the capture failed
`;

export const EXPLAIN_LOG_HELP = `Usage: pbr explain-log [--snapshot FILE] [-j] [FILE|-]

Reads kernel log lines (dmesg, dmesg -T, journalctl -k; with or without timestamps) and explains
each "IPv4: martian source D from S, on dev X" and "IPv4: martian destination D from S, dev X"
line (with the "ll header:" line after it, which gives the MACs) on this host's state: which check
dropped the packet (rp_filter strict or loose, a martian address), the rule and table the reverse
lookup used, and the smallest change that lets it through (rp_filter 2 on X; src_valid_mark=1
with the mark restored; a route back via X in that table), each checked on a changed copy of the
state — or why the packet should stay dropped (loopback, 0.0.0.0/8, multicast or own-address
sources; a private source on an Internet uplink). The packet is assumed to carry no mark. Lines
that are not martian lines are counted and listed. Without FILE, or with -, standard input is
read; without --snapshot the current network namespace is captured first.

Options:
  --snapshot FILE  explain on the state in FILE (made by pbr snapshot) instead of a live capture
  -j, --json       one JSON object: {entries, unrecognized, summary}

Examples:
  dmesg | pbr explain-log
  journalctl -k -b | pbr explain-log --snapshot router.json
  pbr explain-log -j kern.log

Exit status: 0 every line understood and every martian explained · 1 a line not understood or a
drop not explained · 3 the log or the snapshot cannot be read
`;
