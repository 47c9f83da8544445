// One netfilter hook for one packet: its base chains in priority order, conntrack, the NAT chains, and the OUTPUT reroute.
import { ipEquals } from '../../addr/address.ts';
import type { ChainRef, Disposition, JourneyStep } from '../../model/journey.ts';
import { CT_STATUS_BITS, EMPTY_RULESET, NF_PRIORITY, type NfHook } from '../../model/netfilter.ts';
import { hookedChains } from '../netfilter/hook-chains.ts';
import { runBaseChain } from '../netfilter/run-chain.ts';
import type { ChainBranch, HookedChain } from '../netfilter/chain-branch.ts';
import { chainText, endpoint, onDevices, withSteps, type Flight, type HookDevices, type JourneyContext } from './flight.ts';
import { applyNatBinding, applyNatRequest, type ManipType } from './nat.ts';
import { reroute, rerouteTrigger, type Routed } from './route-steps.ts';

export interface Ended {
  readonly flight: Flight;
  readonly disposition: Disposition;
}

export interface HookResult {
  readonly flights: Flight[];
  readonly ended: Ended[];
}

type Stage =
  | { readonly kind: 'chain'; readonly priority: number; readonly hooked: HookedChain }
  | { readonly kind: 'conntrack'; readonly priority: number }
  | { readonly kind: 'nat'; readonly priority: number; readonly manip: ManipType; readonly chains: readonly HookedChain[] };

/** Where conntrack and the NAT core sit on each hook (nf_conntrack_l3proto_ipv4 ops, nf_nat_ipv4_ops). */
const CONNTRACK_HOOKS: readonly NfHook[] = ['prerouting', 'output'];
const NAT_HOOKS: Partial<Record<NfHook, { readonly priority: number; readonly manip: ManipType }>> = {
  prerouting: { priority: NF_PRIORITY.dstnat, manip: 'dst' },
  output: { priority: NF_PRIORITY.dstnat, manip: 'dst' },
  input: { priority: NF_PRIORITY.srcnat, manip: 'src' },
  postrouting: { priority: NF_PRIORITY.srcnat, manip: 'src' },
};

/**
 * The stages of a hook in the kernel's order. NAT chains do not run at their own priority: the NAT core's
 * hook runs them (ordered by their priorities) at the NAT priority. A hook registered later runs before
 * earlier ones of equal priority; conntrack registers after the chains of a batch (6.18: an nft chain at
 * -200 sees `ct state new`), and the NAT core is taken to do the same, so both come first among equals.
 */
// mirrors nf_nat_register_fn(), net/netfilter/nf_nat_core.c, and nf_hook_entries_grow(), net/netfilter/core.c
function stagesOf(jc: JourneyContext, hook: NfHook, device: string | undefined): Stage[] {
  if (!jc.ruleset) return [];
  const chains = hookedChains(jc.ruleset, jc.family, hook, device);
  const stages: Stage[] = chains.filter((h) => h.chain.base?.type !== 'nat').map((hooked) => ({ kind: 'chain', priority: hooked.chain.base?.priority ?? 0, hooked }));
  if (CONNTRACK_HOOKS.includes(hook)) stages.push({ kind: 'conntrack', priority: NF_PRIORITY.conntrack });
  const nat = NAT_HOOKS[hook];
  if (nat) stages.push({ kind: 'nat', ...nat, chains: chains.filter((h) => h.chain.base?.type === 'nat') });
  const rank = (s: Stage): number => (s.kind === 'chain' ? 1 : 0);
  return stages.map((s, i) => ({ s, i })).sort((a, b) => a.s.priority - b.s.priority || rank(a.s) - rank(b.s) || a.i - b.i).map((x) => x.s);
}

function chainRef(hooked: HookedChain): ChainRef {
  return { family: hooked.table.family, table: hooked.table.name, chain: hooked.chain.name, origin: hooked.table.origin };
}

interface ChainRun {
  readonly flight: Flight;
  readonly branch: ChainBranch;
}

/** Every way one base chain can end for the flight, each as the flight after it. */
function runChain(jc: JourneyContext, f: Flight, hooked: HookedChain): ChainRun[] {
  const base = hooked.chain.base;
  const start: JourneyStep = { kind: 'chain', chain: chainRef(hooked), type: base?.type ?? 'filter', priority: base?.priority ?? 0 };
  return runBaseChain(jc.ruleset ?? EMPTY_RULESET, hooked, f.packet).map((branch) => {
    // before conntrack the packet has no entry: whatever the chain did to "ct" did not happen
    const packet = f.ct.attached ? branch.packet : { ...branch.packet, ct: f.packet.ct };
    const ct = branch.notrack && !f.ct.attached ? { ...f.ct, tracked: false } : f.ct;
    return {
      branch,
      flight: {
        ...f,
        probability: f.probability * branch.probability,
        assumptions: [...f.assumptions, ...branch.assumptions],
        steps: [...f.steps, start, ...branch.steps],
        packet,
        ct,
      },
    };
  });
}

/** The end a drop, reject or queue verdict gives. */
function verdictEnd(hook: NfHook, hooked: HookedChain, run: ChainRun): Ended {
  const b = run.branch;
  const by = b.verdictBy ?? `${chainText(chainRef(hooked))} policy`;
  if (b.verdict === 'reject') {
    return { flight: run.flight, disposition: { kind: 'rejected', by, why: `rejected${b.rejectWith ? ` with ${b.rejectWith}` : ''} by ${by} at ${hook}` } };
  }
  if (b.verdict === 'queue') {
    return { flight: run.flight, disposition: { kind: 'unknown', by, why: `queued to user space by ${by} at ${hook}: what the program decides is unknown` } };
  }
  return { flight: run.flight, disposition: { kind: 'dropped', by, why: `dropped by ${by} at ${hook}` } };
}

/** The conntrack hook: a new entry for the first packet, the existing one for a reply, none after notrack. */
// mirrors nf_conntrack_in(), net/netfilter/nf_conntrack_core.c
function conntrackStage(f: Flight): Flight {
  const { ct, packet: p } = f;
  if (ct.attached) return f;
  if (!ct.tracked) {
    return {
      ...withSteps(f, { kind: 'conntrack', action: 'untracked', mark: 0, text: 'notrack: the packet has no conntrack entry (no NAT, no ct mark)' }),
      packet: { ...p, ct: { state: 'untracked', direction: 'original', mark: 0, status: 0n } },
      ct: { ...ct, attached: true },
    };
  }
  if (ct.direction === 'original' && !ct.orig) {
    const orig = { saddr: p.saddr, daddr: p.daddr, ...(p.sport !== undefined ? { sport: p.sport } : {}), ...(p.dport !== undefined ? { dport: p.dport } : {}) };
    const text = `new entry: protocol ${p.l4proto} ${endpoint(p.saddr, p.sport)} → ${endpoint(p.daddr, p.dport)}`;
    return {
      ...withSteps(f, { kind: 'conntrack', action: 'new', mark: ct.mark, text }),
      packet: { ...p, ct: { state: 'new', direction: 'original', mark: ct.mark, status: ct.status } },
      ct: { ...ct, attached: true, orig },
    };
  }
  const status = ct.direction === 'reply' ? ct.status | CT_STATUS_BITS.seen_reply : ct.status;
  const o = ct.orig;
  const text = `${ct.direction} direction of the entry ${o ? `${endpoint(o.saddr, o.sport)} → ${endpoint(o.daddr, o.dport)}` : ''} (ct state ${ct.state})`;
  return {
    ...withSteps(f, { kind: 'conntrack', action: 'found', mark: ct.mark, text }),
    packet: { ...p, ct: { state: ct.state, direction: ct.direction, mark: ct.mark, status } },
    ct: { ...ct, attached: true, status },
  };
}

type Reroute = (f: Flight, reason: string) => Routed[];

function collect(routed: readonly Routed[], out: HookResult): void {
  for (const r of routed) {
    if (r.kind === 'routed') out.flights.push(r.flight);
    else out.ended.push({ flight: r.flight, disposition: r.disposition });
  }
}

function chainStage(jc: JourneyContext, f: Flight, hook: NfHook, hooked: HookedChain, out: HookResult, rerouteFn: Reroute | undefined): void {
  for (const run of runChain(jc, f, hooked)) {
    if (run.branch.verdict !== 'accept') {
      out.ended.push(verdictEnd(hook, hooked, run));
      continue;
    }
    // only route-type OUTPUT chains (and iptables mangle OUTPUT, a route chain in the model) reroute, on accept
    const trigger = hooked.chain.base?.type === 'route' ? rerouteTrigger(f.packet, run.flight.packet) : undefined;
    if (rerouteFn && trigger) collect(rerouteFn(run.flight, `${chainText(chainRef(hooked))} (a route chain) changed ${trigger}`), out);
    else out.flights.push(run.flight);
  }
}

/**
 * The NAT core: a connection's first packet runs the NAT chains until one maps it (else a null binding);
 * later packets and replies get the entry's mapping. In OUTPUT a translated destination reroutes.
 */
// mirrors nf_nat_inet_fn(), net/netfilter/nf_nat_core.c, and nf_nat_ipv4_local_fn(), net/netfilter/nf_nat_proto.c
function natStage(jc: JourneyContext, f: Flight, hook: NfHook, stage: Extract<Stage, { kind: 'nat' }>, devices: HookDevices, out: HookResult, rerouteFn: Reroute | undefined): void {
  if (!f.ct.tracked || !f.ct.attached) {
    out.flights.push(f);
    return;
  }
  const done = stage.manip === 'dst' ? f.ct.dstManipDone : f.ct.srcManipDone;
  const mapped: Flight[] = [];
  if (f.ct.direction === 'original' && !done) {
    let pending = [f];
    for (const hooked of stage.chains) {
      const next: Flight[] = [];
      for (const g of pending) {
        for (const run of runChain(jc, g, hooked)) {
          if (run.branch.verdict !== 'accept') out.ended.push(verdictEnd(hook, hooked, run));
          else if (!run.branch.nat) next.push(run.flight);
          else {
            const r = applyNatRequest(jc, run.flight, run.branch.nat, devices.in);
            if (r.kind === 'mapped') mapped.push(r.flight);
            else out.ended.push({ flight: run.flight, disposition: { kind: 'dropped', by: run.branch.nat.ruleText, why: r.why } });
          }
        }
      }
      pending = next;
    }
    mapped.push(...pending);
  } else {
    mapped.push(applyNatBinding(f, stage.manip));
  }
  for (const g of mapped) {
    const h = { ...g, ct: stage.manip === 'dst' ? { ...g.ct, dstManipDone: true } : { ...g.ct, srcManipDone: true } };
    if (rerouteFn && !ipEquals(h.packet.daddr, f.packet.daddr)) collect(rerouteFn(h, 'NAT changed the destination in OUTPUT'), out);
    else out.flights.push(h);
  }
}

/**
 * Runs one hook for one flight. `devices` are the hook's in/out devices as rules see them (OUTPUT keeps
 * the device of the route it was entered with, even after a reroute); `rerouteAllowed` is true for OUTPUT.
 */
// mirrors nf_hook_slow(), net/netfilter/core.c
export function passHook(jc: JourneyContext, f0: Flight, hook: NfHook, devices: HookDevices, rerouteAllowed = false): HookResult {
  const stages = stagesOf(jc, hook, hook === 'ingress' ? devices.in : hook === 'egress' ? devices.out : undefined);
  const entry: Flight = { ...f0, packet: onDevices(f0.packet, devices) };
  if (stages.length === 0) return { flights: [entry], ended: [] };
  const rerouteFn: Reroute | undefined = rerouteAllowed ? (f, reason) => reroute(jc, f, reason) : undefined;
  const startIndex = entry.steps.length;
  let current = [entry];
  const ended: Ended[] = [];
  for (const stage of stages) {
    const out: HookResult = { flights: [], ended };
    for (const f of current) {
      if (stage.kind === 'conntrack') out.flights.push(conntrackStage(f));
      else if (stage.kind === 'nat') natStage(jc, f, hook, stage, devices, out, rerouteFn);
      else chainStage(jc, f, hook, stage.hooked, out, rerouteFn);
    }
    current = out.flights;
  }
  // the hook shows up in the trace only when something happened on it
  const mark = (f: Flight): Flight => (f.steps.length > startIndex ? { ...f, steps: [...f.steps.slice(0, startIndex), { kind: 'hook', hook }, ...f.steps.slice(startIndex)] } : f);
  return { flights: current.map(mark), ended: ended.map((e) => ({ ...e, flight: mark(e.flight) })) };
}
