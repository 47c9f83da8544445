// reply-mark-lost: marks steer connections arriving on an uplink, but this host's own replies are not given the
// connection's mark again, so they leave by whatever route an unmarked packet takes.
import { formatIp, parseIp } from '../../addr/address.ts';
import { traceJourney } from '../../engine/journey/trace-journey.ts';
import type { LintCheck, LintFinding } from '../../model/lint.ts';
import type { NfChain, NfRule, NfStatement, NfTable } from '../../model/netfilter.ts';
import type { NetworkState } from '../../model/network-state.ts';
import { changedBitsOf, describePlace, evalMarkExpr, jumpTargets, markKeyOf, reachingBaseChains, readBitsOf, ruleReadBits, type MarkPlace } from '../mark-bits.ts';

const ID = 'reply-mark-lost';

const REMOTE4 = '203.0.113.77';
const REMOTE6 = '2001:db8:ffff::77';
const TCP = 6;

/** Devices with a default route in some table, and the intent's uplink interfaces. */
function uplinkDevices(state: NetworkState, intentUplinks: readonly string[]): Set<string> {
  const out = new Set(intentUplinks);
  for (const route of state.routes) {
    if (route.dst.length !== 0) continue;
    for (const nh of route.nexthops) if (nh.dev !== undefined) out.add(nh.dev);
  }
  return out;
}

/** interface names a rule requires (`iifname "wan2"`, `iifname { "wan1", "wan2" }`, `-i wan2`) */
function iifNames(rule: NfRule): string[] {
  const out: string[] = [];
  for (const st of rule.statements) {
    if (st.kind !== 'match' || st.op !== '==' || st.left.kind !== 'meta' || (st.left.key !== 'iifname' && st.left.key !== 'iif')) continue;
    const right = st.right;
    if (right.kind === 'element' && right.element.kind === 'value' && typeof right.element.value === 'string') out.push(right.element.value);
    if (right.kind === 'set' && right.set.kind === 'anonymous') {
      for (const e of right.set.entries) if (e.key.kind === 'value' && typeof e.key.value === 'string') out.push(e.key.value);
    }
  }
  return out;
}

/** A mark for routing (bits ip rules read) or a ct mark: what steers a connection. */
function steers(st: NfStatement, table: NfTable, routed: bigint): boolean {
  if (st.kind !== 'set') return false;
  const key = markKeyOf(st.target);
  if (key === 'ct') return true;
  return key === 'meta' && (changedBitsOf('meta', evalMarkExpr(st.value, table)) & routed) !== 0n;
}

/** Whether a chain (or a chain it jumps to) sets a steering mark. */
function chainSteers(table: NfTable, name: string, routed: bigint, seen: Set<string> = new Set()): MarkPlace | undefined {
  if (seen.has(name)) return undefined;
  seen.add(name);
  const chain = table.chains.find((c) => c.name === name);
  for (const rule of chain?.rules ?? []) {
    if (chain && rule.statements.some((st) => steers(st, table, routed))) return { table, chain, rule };
    for (const target of jumpTargets(rule, table)) {
      const found = chainSteers(table, target, routed, seen);
      if (found) return found;
    }
  }
  return undefined;
}

interface Steering {
  readonly dev: string;
  /** the rule that picks the uplink's packets */
  readonly entry: MarkPlace;
}

function steeringOnUplinks(state: NetworkState, uplinks: ReadonlySet<string>, routed: bigint): Steering[] {
  const out: Steering[] = [];
  for (const table of state.netfilter?.tables ?? []) {
    const reaching = reachingBaseChains(table);
    for (const chain of table.chains) {
      const fromPrerouting = (reaching.get(chain.name) ?? []).some((b) => b.base?.hook === 'prerouting' || b.base?.hook === 'input');
      if (!fromPrerouting) continue;
      for (const rule of chain.rules) {
        const devs = iifNames(rule).filter((d) => uplinks.has(d));
        if (devs.length === 0) continue;
        const marks = rule.statements.some((st) => steers(st, table, routed)) || jumpTargets(rule, table).some((t) => chainSteers(table, t, routed) !== undefined);
        if (!marks) continue;
        for (const dev of devs) if (!out.some((s) => s.dev === dev)) out.push({ dev, entry: { table, chain, rule } });
      }
    }
  }
  return out;
}

/** `meta mark set ct mark`, CONNMARK --restore-mark, or `ct mark … meta mark set …` in a chain a route-type output chain reaches */
function restoresOnOutput(state: NetworkState): boolean {
  for (const table of state.netfilter?.tables ?? []) {
    const reaching = reachingBaseChains(table);
    for (const chain of table.chains) {
      if (!(reaching.get(chain.name) ?? []).some((b: NfChain) => b.base?.hook === 'output' && b.base.type === 'route')) continue;
      for (const rule of chain.rules) if (restores(rule, table)) return true;
    }
  }
  return false;
}

function restores(rule: NfRule, table: NfTable): boolean {
  const setsMeta = rule.statements.filter((st): st is NfStatement & { kind: 'set' } => st.kind === 'set' && markKeyOf(st.target) === 'meta');
  if (setsMeta.some((st) => (readBitsOf(st.value, table).get('ct') ?? 0n) !== 0n)) return true;
  const matchesCt = rule.statements.some((st) => st.kind === 'match' && (readBitsOf(st.left, table).get('ct') ?? 0n) !== 0n);
  return matchesCt && setsMeta.length > 0;
}

interface Example {
  readonly text: string;
  /** the reply left by the inbound device: the policy already gets this right */
  readonly sameDevice: boolean;
}

/** A TCP connection from a remote host to the uplink's own address, and the device this host's reply leaves by. */
function traceExample(state: NetworkState, dev: string): Example | undefined {
  for (const family of [4, 6] as const) {
    const local = state.addresses.find((a) => a.dev === dev && a.family === family && a.scope === 0);
    const remote = parseIp(family === 4 ? REMOTE4 : REMOTE6);
    if (!local || !remote) continue;
    const result = traceJourney(state, { family, dst: local.local, src: remote, iif: dev, fromLocal: false, proto: TCP, sport: 40000, dport: 443, reply: true });
    const devices = result.outcomes.flatMap((o) => (o.disposition.kind === 'delivered' ? (o.reply?.outcomes ?? []) : []))
      .map((r) => (r.disposition.kind === 'sent' || r.disposition.kind === 'forwarded' ? r.disposition.dev : undefined))
      .filter((d): d is string => d !== undefined);
    if (devices.length === 0) continue;
    const wrong = devices.find((d) => d !== dev);
    if (wrong === undefined) return { text: '', sameDevice: true };
    return { text: `a TCP connection from ${formatIp(remote)} to ${formatIp(local.local)}:443 arriving on ${dev} is answered out of ${wrong}`, sameDevice: false };
  }
  return undefined;
}

export const check: LintCheck = {
  id: ID,
  severity: 'warning',
  title: 'marks steer incoming connections but are not restored for this host\'s replies',
  run({ state, intent }) {
    if (state.netfilter === undefined || restoresOnOutput(state)) return [];
    const uplinks = uplinkDevices(state, intent?.uplinks.map((u) => u.interface) ?? []);
    const findings: LintFinding[] = [];
    for (const s of steeringOnUplinks(state, uplinks, ruleReadBits(state))) {
      const example = traceExample(state, s.dev);
      if (example?.sameDevice) continue;
      const where = describePlace(s.entry);
      findings.push({
        id: ID,
        severity: 'warning',
        message: `${where} ("${s.entry.rule.text}") marks connections arriving on ${s.dev}, but no output route chain gives this host's own replies the connection's mark again, ` +
          `so a local process answers by the unmarked route${example ? `: ${example.text}` : ''}`,
        hint: 'keep the mark in conntrack (`ct mark set meta mark` after marking in prerouting) and restore it for local packets: ' +
          '`meta mark set ct mark` in a `type route hook output` chain (iptables: `-t mangle -A OUTPUT -j CONNMARK --restore-mark`); ' +
          'sysctl net.ipv4.tcp_fwmark_accept=1 covers only TCP sockets accepted after the SYN was marked',
        objects: [where, `dev ${s.dev}`],
      });
    }
    return findings;
  },
};
