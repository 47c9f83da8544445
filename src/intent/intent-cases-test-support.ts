// Test support: intent files that must parse, with the Intent each gives (shared by the parser and schema tests).
import { parseIp } from '../addr/address.ts';
import { parsePrefix } from '../addr/prefix.ts';
import type { IpAddress, IpPrefix } from '../addr/types.ts';
import type { SourceLocation } from '../model/diagnostics.ts';
import type { Intent, IntentOptions } from '../model/intent.ts';
import { DEFAULT_INTENT_OPTIONS } from './parse-options.ts';

export const FILE = 'pbr.yaml';

export function ip(text: string): IpAddress {
  const a = parseIp(text);
  if (!a) throw new Error(`bad address in a test: ${text}`);
  return a;
}

export function prefix(text: string): IpPrefix {
  const p = parsePrefix(text);
  if (!p) throw new Error(`bad prefix in a test: ${text}`);
  return p;
}

export function at(line: number, column: number): SourceLocation {
  return { file: FILE, line, column };
}

const one = (n: number): { start: number; end: number } => ({ start: n, end: n });

/** The intent of issue 4, verbatim. */
export const ISSUE_EXAMPLE = `uplinks:
  isp1: { interface: wan1, gateway: 192.0.2.1 }
  isp2: { interface: wan2, gateway: 198.51.100.1, gateway6: "fe80::1" }
policies:
  - name: ssh-via-isp2
    match: { proto: tcp, dport: 22 }
    via: isp2
  - name: web-via-isp1
    match: { proto: tcp, dport: [80, 443] }
    via: isp1
  - name: office
    match: { src: 10.0.0.0/24 }
    via: { balance: { isp1: 3, isp2: 1 } }
  - name: backup-first
    match: { uid: 1000 }
    via: { failover: [isp2, isp1] }
default: isp1
`;

const ISSUE_INTENT: Intent = {
  uplinks: [
    { name: 'isp1', interface: 'wan1', gateway: ip('192.0.2.1'), location: at(2, 3) },
    { name: 'isp2', interface: 'wan2', gateway: ip('198.51.100.1'), gateway6: ip('fe80::1'), location: at(3, 3) },
  ],
  policies: [
    { name: 'ssh-via-isp2', match: { proto: 6, dport: [one(22)] }, via: { kind: 'uplink', uplink: 'isp2' }, location: at(5, 5) },
    { name: 'web-via-isp1', match: { proto: 6, dport: [one(80), one(443)] }, via: { kind: 'uplink', uplink: 'isp1' }, location: at(8, 5) },
    {
      name: 'office',
      match: { src: [prefix('10.0.0.0/24')] },
      via: { kind: 'balance', weights: [{ uplink: 'isp1', weight: 3 }, { uplink: 'isp2', weight: 1 }] },
      location: at(11, 5),
    },
    { name: 'backup-first', match: { uid: [one(1000)] }, via: { kind: 'failover', order: ['isp2', 'isp1'] }, location: at(14, 5) },
  ],
  default: 'isp1',
  options: DEFAULT_INTENT_OPTIONS,
  file: FILE,
};

const EVERY_MATCH_KEY = `uplinks:
  isp1:
    interface: wan1
    gateway: 192.0.2.1
    gateway6: 2001:db8:1::1
    table: 10001
    mark: 0x01000000
  isp2:
    interface: wan2
    gateway: 198.51.100.1
    gateway6: fe80::1
    table: isp2
    weight: 2
policies:
  - name: dev-ports
    match:
      proto: udp
      src: [10.0.0.0/24, 10.0.1.7]
      dst: 203.0.113.0/24
      iif: lan0
      sport: "1024-65535"
      dport: [8000-8100, 53, domain]
    via: isp1
  - name: v6-ssh
    match: { proto: tcp, dst: "2001:db8:ff::/48", dport: ssh, dscp: af21, mark: "0x10/0xff", uid: [0, "1000-1999"] }
    via: { balance: [isp1, isp2] }
  - name: not-mail
    match:
      proto: tcp
      not: { dport: [smtp, submission] }
    via: isp2
  - name: ping6
    match: { proto: icmpv6, dscp: 46, mark: 0 }
    via: isp2
default: isp2
options:
  rule_priorities: 2000-2099
  table_ids: "10000-10099"
  mark_mask: 0x0f000000
  forwarding: true
  rp_filter: keep
  log_martians: true
`;

const EVERY_MATCH_KEY_OPTIONS: IntentOptions = {
  rulePriorities: { start: 2000, end: 2099 },
  tableIds: { start: 10000, end: 10099 },
  markMask: 0x0f000000,
  forwarding: true,
  rpFilter: 'keep',
  logMartians: true,
};

const EVERY_MATCH_KEY_INTENT: Intent = {
  uplinks: [
    { name: 'isp1', interface: 'wan1', gateway: ip('192.0.2.1'), gateway6: ip('2001:db8:1::1'), table: 10001, mark: 0x01000000, location: at(2, 3) },
    { name: 'isp2', interface: 'wan2', gateway: ip('198.51.100.1'), gateway6: ip('fe80::1'), table: 'isp2', weight: 2, location: at(8, 3) },
  ],
  policies: [
    {
      name: 'dev-ports',
      match: {
        proto: 17,
        src: [prefix('10.0.0.0/24'), prefix('10.0.1.7/32')],
        dst: [prefix('203.0.113.0/24')],
        iif: 'lan0',
        sport: [{ start: 1024, end: 65535 }],
        dport: [{ start: 8000, end: 8100 }, one(53), one(53)],
      },
      via: { kind: 'uplink', uplink: 'isp1' },
      location: at(15, 5),
    },
    {
      name: 'v6-ssh',
      match: { proto: 6, dst: [prefix('2001:db8:ff::/48')], dport: [one(22)], dscp: 18, mark: { value: 0x10, mask: 0xff }, uid: [one(0), { start: 1000, end: 1999 }] },
      via: { kind: 'balance', weights: [{ uplink: 'isp1', weight: 1 }, { uplink: 'isp2', weight: 2 }] },
      location: at(24, 5),
    },
    { name: 'not-mail', match: { proto: 6, not: { dport: [one(25), one(587)] } }, via: { kind: 'uplink', uplink: 'isp2' }, location: at(27, 5) },
    { name: 'ping6', match: { proto: 58, dscp: 46, mark: { value: 0, mask: 0xffffffff } }, via: { kind: 'uplink', uplink: 'isp2' }, location: at(32, 5) },
  ],
  default: 'isp2',
  options: EVERY_MATCH_KEY_OPTIONS,
  file: FILE,
};

const ANCHORS = `uplinks:
  isp1: &wan { interface: wan1, gateway: 192.0.2.1 }
  isp2: { interface: wan2, gateway6: "2001:db8:2::1" }
policies: []
`;

const ANCHORS_INTENT: Intent = {
  uplinks: [
    { name: 'isp1', interface: 'wan1', gateway: ip('192.0.2.1'), location: at(2, 3) },
    { name: 'isp2', interface: 'wan2', gateway6: ip('2001:db8:2::1'), location: at(3, 3) },
  ],
  policies: [],
  options: DEFAULT_INTENT_OPTIONS,
  file: FILE,
};

const ALIAS_POLICY = `uplinks:
  isp1: { interface: wan1, gateway: 192.0.2.1 }
  isp2: { interface: wan2, gateway: 198.51.100.1 }
policies:
  - name: lan
    match: &lan { src: 10.0.0.0/24 }
    via: isp2
  - name: lan-web
    match: { proto: tcp, dport: http, not: *lan }
    via: isp1
`;

const ALIAS_POLICY_INTENT: Intent = {
  uplinks: [
    { name: 'isp1', interface: 'wan1', gateway: ip('192.0.2.1'), location: at(2, 3) },
    { name: 'isp2', interface: 'wan2', gateway: ip('198.51.100.1'), location: at(3, 3) },
  ],
  policies: [
    { name: 'lan', match: { src: [prefix('10.0.0.0/24')] }, via: { kind: 'uplink', uplink: 'isp2' }, location: at(5, 5) },
    { name: 'lan-web', match: { proto: 6, dport: [one(80)], not: { src: [prefix('10.0.0.0/24')] } }, via: { kind: 'uplink', uplink: 'isp1' }, location: at(8, 5) },
  ],
  options: DEFAULT_INTENT_OPTIONS,
  file: FILE,
};

export const VALID_INTENTS: readonly { readonly name: string; readonly yaml: string; readonly expected: Intent }[] = [
  { name: 'the example of issue 4', yaml: ISSUE_EXAMPLE, expected: ISSUE_INTENT },
  { name: 'every match key, explicit tables, marks, weights and options', yaml: EVERY_MATCH_KEY, expected: EVERY_MATCH_KEY_INTENT },
  { name: 'an anchor, an IPv6-only uplink, an empty policy list', yaml: ANCHORS, expected: ANCHORS_INTENT },
  { name: 'an aliased match under not', yaml: ALIAS_POLICY, expected: ALIAS_POLICY_INTENT },
];
