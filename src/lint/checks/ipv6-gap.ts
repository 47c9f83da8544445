// ipv6-gap: an IPv4 policy has no IPv6 counterpart although the uplink it uses has IPv6.
import { formatIp, parseIp } from '../../addr/address.ts';
import { formatPrefix, prefixContains } from '../../addr/prefix.ts';
import type { IpAddress } from '../../addr/types.ts';
import { createEngine, type Engine } from '../../engine/engine.ts';
import { matchFamilies, uplinkFamilies, viaUplinks } from '../../intent/policy-families.ts';
import { RT_SCOPE_UNIVERSE, RT_TABLE_MAIN, type NetworkState, type PortRange, type Rule } from '../../model/network-state.ts';
import type { Intent, Policy, PolicyMatch, Uplink } from '../../model/intent.ts';
import type { LintCheck, LintFinding } from '../../model/lint.ts';
import { tableName } from '../../model/rt-tables.ts';
import { ruleWords } from '../../model/rule-words.ts';
import { describeRule, RESERVED_TABLES, ruleObject, tableObject } from '../rule-text.ts';
import { tableRoutes } from '../table-routes.ts';

const ID = 'ipv6-gap';
const IPPROTO_ICMP = 1;
const IPPROTO_ICMPV6 = 58;
/** Protocols a route lookup can carry (`ip route get ipproto`): tcp, udp, ipv6-icmp. */
const LOOKUP_PROTOCOLS: ReadonlySet<number> = new Set([6, 17, IPPROTO_ICMPV6]);
/** Global destinations to probe "the Internet" with; the first that no route but a default covers is used. */
const PROBES = ['2000::1', '3fff:ffff:ffff::1', '2001:db8:ffff:ffff::1'];

/** The IPv6 protocol that plays the role of an IPv4 one (ICMP → ICMPv6). */
function v6Proto(proto: number | undefined): number | undefined {
  return proto === IPPROTO_ICMP ? IPPROTO_ICMPV6 : proto;
}

const sameRange = (a: PortRange | undefined, b: PortRange | undefined): boolean =>
  a === undefined || b === undefined ? a === b : a.start === b.start && a.end === b.end;

/** The IPv6 rule selects what the IPv4 rule selects, addresses aside: same mark, devices, uid, protocol, ports. */
function counterpart(v4: Rule, v6: Rule): boolean {
  return (
    !v6.invert &&
    v6.fwmark >>> 0 === v4.fwmark >>> 0 &&
    v6.fwmask >>> 0 === v4.fwmask >>> 0 &&
    v6.iif?.name === v4.iif?.name &&
    v6.oif?.name === v4.oif?.name &&
    sameRange(v6.uidRange, v4.uidRange) &&
    (v6.ipProto ?? 0) === (v6Proto(v4.ipProto) ?? 0) &&
    sameRange(v6.sport, v4.sport) &&
    sameRange(v6.dport, v4.dport) &&
    (v6.src !== undefined && v6.src.length > 0) === (v4.src !== undefined && v4.src.length > 0) &&
    (v6.dst !== undefined && v6.dst.length > 0) === (v4.dst !== undefined && v4.dst.length > 0) &&
    // the kernel's own `lookup main` / `lookup local` rules are no policy
    !(v6.action === 'lookup' && RESERVED_TABLES.has(v6.table))
  );
}

/** A rule that sends IPv4 traffic of its own to a policy table: a plain (not `not`) lookup of a non-reserved table. */
function policyRule(rule: Rule): boolean {
  return rule.action === 'lookup' && !rule.invert && !rule.l3mdev && !RESERVED_TABLES.has(rule.table) && !rule.iif?.detached && !rule.oif?.detached;
}

/** The devices of a table's IPv4 default routes. */
function defaultDevices(state: NetworkState, table: number): string[] {
  const devs = new Set<string>();
  for (const route of tableRoutes(state, 4, table)) {
    if (route.dst.length !== 0 || route.type !== 'unicast') continue;
    for (const nh of route.nexthops) if (nh.dev !== undefined) devs.add(nh.dev);
  }
  return [...devs];
}

/** What shows the device carries IPv6: a global address, or main's IPv6 default route through it. */
function ipv6Evidence(state: NetworkState, dev: string): string | undefined {
  const address = state.addresses.find((a) => a.dev === dev && a.family === 6 && a.scope === RT_SCOPE_UNIVERSE);
  if (address) return `the global address ${formatIp(address.local)}/${address.prefixLength}`;
  const mainDefault = tableRoutes(state, 6, RT_TABLE_MAIN).some((r) => r.dst.length === 0 && r.type === 'unicast' && r.nexthops.some((nh) => nh.dev === dev));
  return mainDefault ? 'an IPv6 default route in table main' : undefined;
}

/** An IPv6 gateway some route of any table already uses on `dev`, for the hint. */
function ipv6GatewayOn(state: NetworkState, dev: string): string | undefined {
  for (const route of state.routes) {
    if (route.family !== 6) continue;
    const nh = route.nexthops.find((n) => n.dev === dev && n.gateway !== undefined);
    if (nh?.gateway) return formatIp(nh.gateway);
  }
  return undefined;
}

/** An IPv6 destination only default routes cover, to ask where IPv6 traffic to the Internet goes. */
function probeDestination(state: NetworkState): IpAddress | undefined {
  const specific = state.routes.filter((r) => r.family === 6 && r.dst.length > 0);
  return PROBES.map((text) => parseIp(text)).find((a): a is IpAddress => a !== undefined && !specific.some((r) => prefixContains(r.dst, a)));
}

/**
 * Whether IPv6 traffic with the IPv4 rule's selectors already leaves through `dev` (say, main's IPv6 default uses
 * it): an IPv6 lookup toward the probe with the rule's mark, uid, protocol, ports and devices, without addresses.
 */
function ipv6AlreadyThrough(engine: Engine, probe: IpAddress, rule: Rule, dev: string): boolean {
  const proto = v6Proto(rule.ipProto);
  if (proto !== undefined && proto !== 0 && !LOOKUP_PROTOCOLS.has(proto)) return false;
  const answer = engine.routeGet({
    family: 6,
    dst: probe,
    callerUid: 0,
    mark: (rule.fwmark & rule.fwmask) >>> 0,
    ...(rule.iif !== undefined ? { iif: rule.iif.name } : rule.oif !== undefined ? { oif: rule.oif.name } : {}),
    ...(rule.uidRange !== undefined ? { uid: rule.uidRange.start } : {}),
    ...(proto !== undefined && proto !== 0 ? { ipproto: proto } : {}),
    ...(rule.sport !== undefined && rule.sport.start !== 0 ? { sport: rule.sport.start } : {}),
    ...(rule.dport !== undefined && rule.dport.start !== 0 ? { dport: rule.dport.start } : {}),
  });
  if (!answer.ok) return false;
  return answer.route.dev === dev || (answer.candidates ?? []).some((c) => c.dev === dev);
}

/** `ip -6 rule add …` with the IPv4 rule's selectors, placeholders where it names IPv4 prefixes. */
function v6RuleCommand(state: NetworkState, rule: Rule): string {
  const { src, dst, ...rest } = rule;
  const proto = v6Proto(rule.ipProto);
  const v6: Rule = { ...rest, family: 6, ...(proto !== undefined ? { ipProto: proto } : {}) };
  let words = ruleWords(v6, { tables: state.rtTables, details: false, hasPref: () => true }).map((w) => w.text).join('');
  if (src !== undefined && src.length > 0) words = words.replace(/^from all/, 'from IPV6-SOURCE-PREFIX');
  if (dst !== undefined && dst.length > 0) words = `${words} to IPV6-DESTINATION-PREFIX`;
  return `ip -6 rule add pref ${rule.priority} ${words}`;
}

function stateFindings(state: NetworkState): LintFinding[] {
  const findings: LintFinding[] = [];
  const probe = probeDestination(state);
  let engine: Engine | undefined;
  for (const rule of state.rules4) {
    if (!policyRule(rule) || state.rules6.some((r6) => counterpart(rule, r6))) continue;
    for (const dev of defaultDevices(state, rule.table)) {
      const evidence = ipv6Evidence(state, dev);
      if (evidence === undefined) continue;
      engine ??= createEngine(state);
      if (probe !== undefined && ipv6AlreadyThrough(engine, probe, rule, dev)) continue;
      const gateway = ipv6GatewayOn(state, dev) ?? 'GATEWAY6';
      const table = tableName(state.rtTables, rule.table);
      findings.push({
        id: ID,
        severity: 'warning',
        message:
          `${describeRule(state, rule)} sends IPv4 through ${dev} (the default route of ${tableObject(state, rule.table)}), ` +
          `and ${dev} has IPv6 (${evidence}), but no IPv6 rule selects the same packets: their IPv6 traffic takes the other IPv6 rules, not ${dev}`,
        hint: `add the IPv6 side: \`${v6RuleCommand(state, rule)}\` and \`ip -6 route add default via ${gateway} dev ${dev} table ${table}\``,
        objects: [ruleObject(rule), tableObject(state, rule.table), `dev ${dev}`],
      });
      break;
    }
  }
  return findings;
}

/** A match's selectors other than its addresses, with ICMP read as ICMPv6: what an IPv6 counterpart repeats. */
function nonAddressSelectors(match: PolicyMatch): string {
  const { src: _src, dst: _dst, not, proto, ...rest } = match;
  return JSON.stringify({ ...rest, proto: v6Proto(proto) ?? null, not: not ? nonAddressSelectors(not) : null });
}

/** Why the policy's match selects IPv4 only: its addresses, or ICMP. */
function whyIpv4Only(match: PolicyMatch): string {
  const { src = [], dst = [], not } = match;
  const prefixes = [...src, ...dst, ...(not?.src ?? []), ...(not?.dst ?? [])];
  if (prefixes.length > 0 && !prefixes.some((p) => p.address.family === 6)) return `its addresses are IPv4 only (${prefixes.map((p) => formatPrefix(p)).join(', ')})`;
  return 'it matches ICMP, which is IPv4 only';
}

/** The uplinks of a policy that carry IPv6 (have a gateway6). */
function ipv6Uplinks(policy: Policy, byName: ReadonlyMap<string, Uplink>): string[] {
  return viaUplinks(policy.via).filter((name) => {
    const uplink = byName.get(name);
    return uplink !== undefined && uplinkFamilies(uplink).includes(6);
  });
}

/**
 * Policies whose match selects IPv4 only (IPv4 addresses, or ICMP) sent over an uplink with a gateway6, with no
 * policy over that uplink that selects the same traffic, addresses aside, for IPv6.
 */
function intentFindings(intent: Intent): LintFinding[] {
  const findings: LintFinding[] = [];
  const byName = new Map(intent.uplinks.map((u) => [u.name, u]));
  for (const policy of intent.policies) {
    const families = matchFamilies(policy.match);
    if (families.length !== 1 || families[0] !== 4) continue;
    const v6Uplinks = ipv6Uplinks(policy, byName);
    if (v6Uplinks.length === 0) continue;
    const selectors = nonAddressSelectors(policy.match);
    const covered = intent.policies.some(
      (other) =>
        other !== policy &&
        matchFamilies(other.match).includes(6) &&
        ipv6Uplinks(other, byName).some((name) => v6Uplinks.includes(name)) &&
        nonAddressSelectors(other.match) === selectors,
    );
    if (covered) continue;
    const icmp = policy.match.proto === IPPROTO_ICMP;
    findings.push({
      id: ID,
      severity: 'warning',
      message:
        `policy ${policy.name} (${intent.file}) selects IPv4 only because ${whyIpv4Only(policy.match)}, ` +
        `although uplink ${v6Uplinks.join(', ')} has a gateway6: the same traffic over IPv6 is left to the other rules, table main's default route`,
      hint: icmp
        ? `add a policy with \`proto: icmpv6\` and the same via, or match no protocol`
        : `add a policy for the IPv6 side of the same traffic via ${v6Uplinks.join(', ')}: the hosts' IPv6 prefixes under match.src or match.dst, the other selectors as in ${policy.name}`,
      objects: [`policy ${policy.name}`, ...v6Uplinks.map((name) => `uplink ${name}`)],
    });
  }
  return findings;
}

export const check: LintCheck = {
  id: ID,
  severity: 'warning',
  title: 'an IPv4 policy has no IPv6 counterpart although the uplink has IPv6',
  run({ state, intent }) {
    return [...stateFindings(state), ...(intent ? intentFindings(intent) : [])];
  },
};
