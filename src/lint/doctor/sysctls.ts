// The sysctls that decide what policy routing does, with their values and what each means for it.
import { Sysctls } from '../../engine/sysctl.ts';
import type { Family } from '../../addr/types.ts';
import type { NetworkState } from '../../model/network-state.ts';

export interface SysctlResult {
  /** dotted sysctl name, e.g. "net.ipv4.conf.wan1.rp_filter"; a "*" stands for all/default/device */
  readonly name: string;
  /** the value as the kernel applies it, with where it comes from, e.g. "1 (all=1, wan1=0: max)" */
  readonly value: string;
  /** one line: what this value means for policy routing */
  readonly meaning: string;
  /** "ok": nothing to do; "note": worth a look, with a hint (never raises the exit status: lint decides) */
  readonly status: 'ok' | 'note';
  readonly hint?: string;
}

/** Devices that carry routes with a gateway or default routes in any table (of one family, or both): the uplinks, roughly. */
export function uplinkDevices(state: NetworkState, family?: Family): string[] {
  const loopback = new Set(state.links.filter((l) => l.loopback).map((l) => l.name));
  const devices = new Set<string>();
  for (const route of state.routes) {
    if (route.type !== 'unicast' || (family !== undefined && route.family !== family)) continue;
    for (const nh of route.nexthops) {
      if (nh.dev !== undefined && !loopback.has(nh.dev) && (nh.gateway !== undefined || route.dst.length === 0)) devices.add(nh.dev);
    }
  }
  return [...devices].sort();
}

const RP_FILTER_WORDS = ['off', 'strict', 'loose'];

function rpFilterWord(value: number): string {
  return RP_FILTER_WORDS[value] ?? `${value}`;
}

const HASH_POLICIES = ['layer 3 (addresses)', 'layer 4 (addresses, ports, protocol)', 'layer 3, inner header of tunnels', 'custom fields (fib_multipath_hash_fields)'];

/** Every sysctl doctor reports, for the namespace `state` was captured in. */
export function assessSysctls(state: NetworkState): SysctlResult[] {
  const s = Sysctls.of(state);
  const uplinks = uplinkDevices(state, 4);
  const uplinksOf = { ipv4: uplinks, ipv6: uplinkDevices(state, 6) };
  const fwmarkRules = { ipv4: state.rules4.some((r) => r.fwmark !== 0 || r.fwmask !== 0), ipv6: state.rules6.some((r) => r.fwmark !== 0 || r.fwmask !== 0) };
  const hasFwmarkRules = fwmarkRules.ipv4 || fwmarkRules.ipv6;
  const hasMultipath = state.routes.some((r) => r.nexthops.length > 1);
  const raw = (path: string): string => state.sysctls.get(path)?.trim() ?? 'unset';
  const out: SysctlResult[] = [];
  const ok = (name: string, value: string, meaning: string): void => void out.push({ name, value, meaning, status: 'ok' });
  const note = (name: string, value: string, meaning: string, when: boolean, hint: string): void =>
    void out.push({ name, value, meaning, status: when ? 'note' : 'ok', ...(when ? { hint } : {}) });

  const v4Forward = raw('net/ipv4/ip_forward');
  ok('net.ipv4.ip_forward', v4Forward, v4Forward === '1' ? 'routes packets between interfaces: iif rules and forwarded policies apply' : 'only this host\'s own traffic is routed: iif rules and policies for forwarded traffic never see a packet');
  const v6Forward = raw('net/ipv6/conf/all/forwarding');
  ok('net.ipv6.conf.all.forwarding', v6Forward, v6Forward === '1' ? 'IPv6 packets are forwarded between interfaces (and router advertisements are ignored unless accept_ra=2)' : 'IPv6 packets are not forwarded: IPv6 policies for forwarded traffic do nothing');

  const rpAll = s.ipv4ConfValue('all', 'rp_filter');
  ok('net.ipv4.conf.all.rp_filter', `${rpAll} (${rpFilterWord(rpAll)})`, 'combined with each device\'s value by max: all=1 makes every interface strict');
  const rpDefault = s.ipv4ConfValue('default', 'rp_filter');
  ok('net.ipv4.conf.default.rp_filter', `${rpDefault} (${rpFilterWord(rpDefault)})`, 'the value interfaces created from now on start with');
  for (const dev of uplinks) {
    const effective = s.rpFilter(dev);
    note(
      `net.ipv4.conf.${dev}.rp_filter`,
      `${effective} (${rpFilterWord(effective)}; all=${rpAll}, ${dev}=${s.ipv4ConfValue(dev, 'rp_filter')}: max)`,
      effective === 1
        ? `strict: a packet arriving on ${dev} is dropped as martian unless the route back to its source leaves by ${dev}`
        : effective === 2 ? `loose: a packet arriving on ${dev} is dropped only when no route at all leads back to its source` : `off: no source check on ${dev}`,
      effective === 1 && uplinks.length > 1,
      `with several uplinks, replies and traffic arriving on an uplink the main route does not use are dropped silently; set loose mode: sysctl -w ${rpAll === 1 ? 'net.ipv4.conf.all.rp_filter=2 ' : ''}net.ipv4.conf.${dev}.rp_filter=2 (pbr lint rp-filter-drops names a source that is dropped)`,
    );
  }
  const rpOnSomewhere = uplinks.some((dev) => s.rpFilter(dev) !== 0) || rpAll !== 0;
  const svmAll = s.ipv4ConfValue('all', 'src_valid_mark');
  const svmOff = uplinks.filter((dev) => !s.srcValidMark(dev));
  note(
    'net.ipv4.conf.*.src_valid_mark',
    `${svmAll === 1 ? '1' : '0'} (all=${svmAll}${uplinks.map((d) => `, ${d}=${s.ipv4ConfValue(d, 'src_valid_mark')}`).join('')}: or)`,
    'whether the reverse-path check and source validation use the packet\'s mark: without it the return route is looked up as if unmarked',
    hasFwmarkRules && rpOnSomewhere && svmOff.length > 0,
    `fwmark rules exist and rp_filter is on: packets whose way back depends on their mark fail the check; sysctl -w net.ipv4.conf.all.src_valid_mark=1`,
  );
  const logAll = s.ipv4ConfValue('all', 'log_martians');
  const silent = uplinks.filter((dev) => s.rpFilter(dev) !== 0 && !s.logMartians(dev));
  note(
    'net.ipv4.conf.*.log_martians',
    `${logAll} (all=${logAll}${uplinks.map((d) => `, ${d}=${s.ipv4ConfValue(d, 'log_martians')}`).join('')}: or)`,
    'whether packets dropped as martian (rp_filter, bad source) are logged to the kernel log',
    silent.length > 0,
    `rp_filter drops on ${silent.join(', ')} leave no trace; sysctl -w net.ipv4.conf.all.log_martians=1, then pbr explain-log reads the lines`,
  );
  for (const family of ['ipv4', 'ipv6'] as const) {
    const name = `net/${family}/fwmark_reflect` as const;
    const value = s.netns(name);
    note(
      `net.${family}.fwmark_reflect`,
      `${value}`,
      value ? 'RSTs and ICMP errors the kernel sends for a packet without a socket carry that packet\'s mark' : 'RSTs and ICMP errors sent without a socket are unmarked: they follow the unmarked route',
      value === 0 && fwmarkRules[family],
      `so that such replies follow the same mark rules as the packet they answer: sysctl -w net.${family}.fwmark_reflect=1`,
    );
  }
  const tcpAccept = s.netns('net/ipv4/tcp_fwmark_accept');
  ok(
    'net.ipv4.tcp_fwmark_accept',
    `${tcpAccept}`,
    tcpAccept ? 'accepted TCP sockets take the mark of the SYN: replies of local servers follow mark rules' : 'accepted TCP sockets are unmarked: replies of local servers follow mark rules only when the mark is restored from conntrack',
  );
  for (const family of ['ipv4', 'ipv6'] as const) {
    const policy = s.netns(`net/${family}/fib_multipath_hash_policy`);
    ok(`net.${family}.fib_multipath_hash_policy`, `${policy}`, `multipath routes pick a next hop by ${HASH_POLICIES[policy] ?? 'an unknown policy'}`);
  }
  const seed = raw('net/ipv4/fib_multipath_hash_seed');
  note(
    'net.ipv4.fib_multipath_hash_seed',
    seed,
    seed === 'unset' || /^0\b/.test(seed) ? 'random per boot: which next hop a flow takes cannot be predicted offline' : 'fixed: pbr predicts the exact next hop of each flow',
    hasMultipath && (seed === 'unset' || /^0\b/.test(seed)),
    'multipath routes exist; to make pbr route get / trace name the exact next hop: sysctl -w net.ipv4.fib_multipath_hash_seed=<number>',
  );
  for (const family of ['ipv4', 'ipv6'] as const) {
    const devices = uplinksOf[family];
    const all = family === 'ipv4' ? s.ipv4ConfValue('all', 'ignore_routes_with_linkdown') : s.ipv6ConfValue('all', 'ignore_routes_with_linkdown');
    const down = devices.filter((dev) => (family === 'ipv4' ? !s.ignoreRoutesWithLinkdown(dev) : s.ipv6Conf(dev, 'ignore_routes_with_linkdown', 'or') === 0));
    note(
      `net.${family}.conf.*.ignore_routes_with_linkdown`,
      `${all} (all=${all}${devices.map((d) => `, ${d}=${family === 'ipv4' ? s.ipv4ConfValue(d, 'ignore_routes_with_linkdown') : s.ipv6ConfValue(d, 'ignore_routes_with_linkdown')}`).join('')}: or)`,
      'whether routes over a device without carrier are skipped, so that lookups fall through to another route or next hop',
      devices.length > 1 && down.length > 0,
      `with several uplinks, a route over an uplink that lost carrier still takes packets; sysctl -w net.${family}.conf.all.ignore_routes_with_linkdown=1`,
    );
  }
  return out;
}
