// Seeded `ip route get` argument lists aimed at what a configuration uses (its prefixes, addresses,
// marks, uids, ports, tos values), plus special and martian addresses, on the output and input paths.
import { addressInPrefix, formatAddrText, parsePrefixText, randomAddress, randomAddressIn, type AddrFamily } from './addr-text.ts';
import type { ConfigFacts } from './config-types.ts';
import { createRandom, type Random } from './prng.ts';

export type FamilyOption = 4 | 6 | 'both';

const V4_SPECIAL_DST = ['255.255.255.255', '0.0.0.0', '127.0.0.1', '127.1.2.3', '224.0.0.1', '224.0.0.5', '239.1.2.3', '240.0.0.1', '0.1.2.3'];
const V4_SPECIAL_SRC = ['0.0.0.0', '127.0.0.1', '255.255.255.255', '224.0.0.5', '240.0.0.9'];
const V6_SPECIAL_DST = ['::1', '::', 'ff02::1', 'ff05::2', 'fe80::1', 'fe80::2', '2001:db8::'];
const V6_SPECIAL_SRC = ['::', '::1', 'fe80::1', 'ff02::1'];

/** `count` queries, each the words after `route get`. */
export function generateQueries(facts: ConfigFacts, seed: number, count: number, family: FamilyOption = 'both'): string[][] {
  const rnd = createRandom(seed);
  const out: string[][] = [];
  for (let i = 0; i < count; i++) {
    const f: AddrFamily = family === 'both' ? (rnd.chance(0.6) ? 4 : 6) : family;
    out.push(generateQuery(rnd, facts, f));
  }
  return out;
}

function prefixesOf(facts: ConfigFacts, family: AddrFamily): string[] {
  return family === 4 ? [...facts.prefixes4] : [...facts.prefixes6];
}

function ownOf(facts: ConfigFacts, family: AddrFamily): string[] {
  return family === 4 ? [...facts.addresses4] : [...facts.addresses6];
}

/** The last address of a configured subnet (IPv4 subnet broadcast) or its first. */
function subnetEdge(rnd: Random, facts: ConfigFacts, family: AddrFamily): string | undefined {
  const subnets = prefixesOf(facts, family).map(parsePrefixText).filter((p) => p.length < (family === 4 ? 31 : 127) && p.length > 0);
  if (subnets.length === 0) return undefined;
  const p = rnd.pick(subnets);
  return formatAddrText(family, addressInPrefix(p, rnd.chance(0.7) ? -1n : 0n));
}

function inPrefix(rnd: Random, facts: ConfigFacts, family: AddrFamily): string {
  const prefixes = prefixesOf(facts, family);
  if (prefixes.length === 0) return randomAddress(rnd, family);
  return randomAddressIn(rnd, parsePrefixText(rnd.pick(prefixes)));
}

function pickDestination(rnd: Random, facts: ConfigFacts, family: AddrFamily): string {
  const own = ownOf(facts, family);
  const kind = rnd.weighted([[58, 'prefix'], [10, 'own'], [12, 'special'], [6, 'edge'], [14, 'random']] as const);
  if (kind === 'own' && own.length > 0) return rnd.pick(own);
  if (kind === 'special') return rnd.pick(family === 4 ? V4_SPECIAL_DST : V6_SPECIAL_DST);
  if (kind === 'edge') return subnetEdge(rnd, facts, family) ?? randomAddress(rnd, family);
  if (kind === 'random') return randomAddress(rnd, family);
  return inPrefix(rnd, facts, family);
}

function pickSource(rnd: Random, facts: ConfigFacts, family: AddrFamily, input: boolean): string {
  const own = ownOf(facts, family);
  const kind = input
    ? rnd.weighted([[55, 'prefix'], [15, 'random'], [10, 'own'], [12, 'special'], [8, 'edge']] as const)
    : rnd.weighted([[70, 'own'], [12, 'prefix'], [8, 'special'], [4, 'edge'], [6, 'random']] as const);
  if (kind === 'own' && own.length > 0) return rnd.pick(own);
  if (kind === 'special') return rnd.pick(family === 4 ? V4_SPECIAL_SRC : V6_SPECIAL_SRC);
  if (kind === 'edge') return subnetEdge(rnd, facts, family) ?? randomAddress(rnd, family);
  if (kind === 'random') return randomAddress(rnd, family);
  return inPrefix(rnd, facts, family);
}

function generateQuery(rnd: Random, facts: ConfigFacts, family: AddrFamily): string[] {
  const input = rnd.chance(0.3);
  const dst = pickDestination(rnd, facts, family);
  const pairs: [string, string][] = [];
  const devices = facts.devices.length > 0 ? facts.devices : ['lo'];
  if (input) {
    const iif = rnd.weighted([[92, rnd.pick(devices.filter((d) => d !== 'lo').concat(devices.length === 1 ? ['lo'] : []))], [8, 'lo']]);
    pairs.push(['iif', iif]);
    // a source from the input device's own subnet usually passes rp_filter: the interesting forwarding case
    const own = (facts.subnets[iif]?.[family] ?? []).map(parsePrefixText).filter((p) => p.length < (family === 4 ? 31 : 127));
    if (rnd.chance(0.88)) {
      pairs.push(['from', own.length > 0 && rnd.chance(0.45) ? randomAddressIn(rnd, rnd.pick(own)) : pickSource(rnd, facts, family, true)]);
    }
    if (rnd.chance(0.05)) pairs.push(['uid', String(rnd.int(1, 2000))]);
  } else {
    if (rnd.chance(0.4)) pairs.push(['from', pickSource(rnd, facts, family, false)]);
    if (rnd.chance(0.15)) pairs.push(['oif', rnd.pick(devices)]);
    if (rnd.chance(0.2)) pairs.push(['uid', String(facts.uids.length > 0 && rnd.chance(0.8) ? rnd.pick(facts.uids) : rnd.int(0, 70000))]);
  }
  if (rnd.chance(0.25)) {
    const mark = facts.marks.length > 0 && rnd.chance(0.75) ? rnd.pick(facts.marks) : rnd.pick([1, 3, 0x11, 0x1ff, 0xffffffff]);
    pairs.push(['mark', rnd.chance(0.5) ? `0x${mark.toString(16)}` : String(mark)]);
  }
  if (rnd.chance(0.15)) {
    const tos = facts.tos.length > 0 && rnd.chance(0.6) ? rnd.pick(facts.tos) | rnd.pick([0, 0, 1, 2, 0x20, 0x80]) : rnd.int(0, 255);
    pairs.push([rnd.chance(0.85) ? 'tos' : 'dsfield', `0x${(tos & 0xff).toString(16)}`]);
  }
  if (rnd.chance(0.22)) {
    const proto = rnd.weighted([[40, 'tcp'], [35, 'udp'], [22, family === 4 ? 'icmp' : 'ipv6-icmp'], [3, family === 4 ? 'gre' : 'tcp']]);
    pairs.push(['ipproto', proto]);
    if (proto === 'tcp' || proto === 'udp') {
      const port = (): string => String(facts.ports.length > 0 && rnd.chance(0.7) ? rnd.pick(facts.ports) : rnd.int(1, 65535));
      if (rnd.chance(0.7)) pairs.push(['sport', port()]);
      if (rnd.chance(0.7)) pairs.push(['dport', port()]);
    }
  }
  const groups: string[][] = rnd.sample(pairs, pairs.length);
  if (rnd.chance(0.08)) groups.splice(rnd.int(0, groups.length), 0, ['fibmatch']);
  const target = rnd.chance(0.1) ? ['to', dst] : [dst];
  if (rnd.chance(0.8)) groups.unshift(target);
  else groups.splice(rnd.int(0, groups.length), 0, target);
  return groups.flat();
}
