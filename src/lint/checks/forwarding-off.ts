// forwarding-off: rules select on `iif`, or policies target forwarded traffic, while that interface does not forward.
import type { Family, IpPrefix } from '../../addr/types.ts';
import { prefixContainsPrefix } from '../../addr/prefix.ts';
import { Sysctls } from '../../engine/sysctl.ts';
import { matchFamilies, uplinkFamilies, viaUplinks } from '../../intent/policy-families.ts';
import type { Intent } from '../../model/intent.ts';
import type { LintCheck, LintFinding } from '../../model/lint.ts';
import type { NetworkState } from '../../model/network-state.ts';
import { describeRule, familyLabel, ruleObject } from '../rule-text.ts';

const ID = 'forwarding-off';

/**
 * Whether `dev` forwards `family`. IPv4: the input device's own conf/<dev>/forwarding (IN_DEV_FORWARD, no OR with
 * all); IPv6: conf/all/forwarding (ip6_forward tests the netns-wide value).
 */
// mirrors ip_route_input_slow(), net/ipv4/route.c and ip6_forward(), net/ipv6/ip6_output.c
function forwards(sysctls: Sysctls, family: Family, dev: string): boolean {
  return family === 4 ? sysctls.forwarding(dev) : sysctls.ipv6ConfValue('all', 'forwarding') !== 0;
}

function sysctlFix(family: Family, dev: string): string {
  return family === 4 ? `sysctl -w net.ipv4.conf.${dev}.forwarding=1` : 'sysctl -w net.ipv6.conf.all.forwarding=1';
}

function sysctlName(family: Family, dev: string): string {
  return family === 4 ? `net.ipv4.conf.${dev}.forwarding` : 'net.ipv6.conf.all.forwarding';
}

/** A device packets can arrive on from another host: it exists, is not loopback and not a VRF master. */
function forwardingCandidate(state: NetworkState, dev: string): boolean {
  const link = state.links.find((l) => l.name === dev);
  return link !== undefined && !link.loopback && !link.l3Master;
}

function ruleFindings(state: NetworkState, sysctls: Sysctls): LintFinding[] {
  const findings: LintFinding[] = [];
  for (const rule of [...state.rules4, ...state.rules6]) {
    const dev = rule.iif?.name;
    // a `not iif` rule selects every other device, not this one
    if (dev === undefined || rule.iif?.detached || rule.invert || !forwardingCandidate(state, dev)) continue;
    if (forwards(sysctls, rule.family, dev)) continue;
    findings.push({
      id: ID,
      severity: 'warning',
      message:
        `${describeRule(state, rule)} selects packets arriving on ${dev}, but ${sysctlName(rule.family, dev)} is 0: ` +
        `${familyLabel(rule.family)} packets arriving there for another host are dropped instead of forwarded, so the rule steers none of them`,
      hint: `turn forwarding on with \`${sysctlFix(rule.family, dev)}\` (and persist it in /etc/sysctl.d), or delete the rule if this host is not a router`,
      objects: [ruleObject(rule), `dev ${dev}`],
    });
  }
  return findings;
}

/** The non-loopback devices whose connected subnet of the prefix's family overlaps `prefix` (a LAN the policy serves). */
function lanDevices(state: NetworkState, prefix: IpPrefix): string[] {
  const devs = new Set<string>();
  for (const a of state.addresses) {
    if (a.family !== prefix.address.family || !forwardingCandidate(state, a.dev)) continue;
    const subnet: IpPrefix = { address: a.local, length: a.prefixLength };
    const own: IpPrefix = { address: a.local, length: a.local.family === 4 ? 32 : 128 };
    // the host's own address as the source is locally generated traffic, not forwarded
    if (prefix.length === own.length && prefixContainsPrefix(prefix, own)) continue;
    if (prefixContainsPrefix(prefix, subnet) || prefixContainsPrefix(subnet, prefix)) devs.add(a.dev);
  }
  return [...devs];
}

/** Policies whose match names an input interface or a LAN source: forwarded traffic, which needs forwarding on. */
function intentFindings(state: NetworkState, intent: Intent, sysctls: Sysctls): LintFinding[] {
  // with `forwarding: true` pbr apply turns it on itself
  if (intent.options.forwarding) return [];
  const uplinkDevs = new Set(intent.uplinks.map((u) => u.interface));
  const uplinks = new Map(intent.uplinks.map((u) => [u.name, u]));
  const findings: LintFinding[] = [];
  for (const policy of intent.policies) {
    // the families pbr routes the policy in: those its match selects that some uplink of it carries (compileIntent)
    const carried = viaUplinks(policy.via).flatMap((name) => uplinks.get(name) ?? []).flatMap(uplinkFamilies);
    const families = matchFamilies(policy.match).filter((f) => carried.includes(f));
    const targets: { family: Family; dev: string; why: string }[] = [];
    const iif = policy.match.iif;
    if (iif !== undefined && forwardingCandidate(state, iif)) {
      for (const family of families) targets.push({ family, dev: iif, why: `matches iif ${iif}` });
    }
    for (const src of policy.match.src ?? []) {
      const family = src.address.family;
      if (!families.includes(family)) continue;
      for (const dev of lanDevices(state, src)) {
        if (!uplinkDevs.has(dev)) targets.push({ family, dev, why: `matches sources on ${dev}` });
      }
    }
    const seen = new Set<string>();
    for (const { family, dev, why } of targets) {
      const key = `${family} ${dev}`;
      if (seen.has(key) || forwards(sysctls, family, dev)) continue;
      seen.add(key);
      findings.push({
        id: ID,
        severity: 'warning',
        message:
          `policy ${policy.name} (${intent.file}) ${why}, traffic this host forwards, but ${sysctlName(family, dev)} is 0 ` +
          `and the intent leaves forwarding as it is (options.forwarding: false): ${familyLabel(family)} packets from ${dev} are dropped instead of routed`,
        hint: `set \`forwarding: true\` under options in ${intent.file}, or run \`${sysctlFix(family, dev)}\``,
        objects: [`policy ${policy.name}`, `dev ${dev}`],
      });
    }
  }
  return findings;
}

export const check: LintCheck = {
  id: ID,
  severity: 'warning',
  title: 'rules select on iif, or policies target forwarded traffic, while forwarding is off on that interface',
  run({ state, intent }) {
    const sysctls = Sysctls.of(state);
    return [...ruleFindings(state, sysctls), ...(intent ? intentFindings(state, intent, sysctls) : [])];
  },
};
