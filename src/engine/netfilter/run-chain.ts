// Runs one base chain on one packet: every way it can end, with its probability.
import type { ChainRef, JourneyStep, NfPacketState } from '../../model/journey.ts';
import { NF_PRIORITY, type NetfilterRuleset, type NfBaseChain, type NfChain, type NfRule, type NfTable } from '../../model/netfilter.ts';
import type { ChainBranch, HookedChain, NatRequest } from './chain-branch.ts';
import { evalRule, type RulePath } from './eval-rule.ts';
import { formatChainRef, formatRuleLabel, formatVerdict } from './nf-text.ts';
import { unionAssumptions } from './nf-value.ts';

export interface RunChainOptions {
  /** branches followed at most; beyond, a split keeps only its most likely outcome (default 256) */
  readonly maxBranches?: number;
}

const DEFAULT_MAX_BRANCHES = 256;
/** mirrors NFT_JUMP_STACK_SIZE, include/net/netfilter/nf_tables.h: deeper jump/goto nesting is refused at load */
const JUMP_STACK_SIZE = 16;

/** A chain being run: which rule comes next, and the chains entered in this frame (by the jump, then gotos). */
interface Frame {
  readonly chain: NfChain;
  readonly next: number;
  readonly entered: readonly string[];
}

/** Steps as a shared-tail list: threads that split share their past. */
interface StepList {
  readonly step: JourneyStep;
  readonly prev: StepList | undefined;
}

interface Thread {
  readonly probability: number;
  readonly assumptions: readonly string[];
  readonly steps: StepList | undefined;
  readonly packet: NfPacketState;
  readonly nat?: NatRequest;
  readonly notrack: boolean;
  /** return points pushed by jumps */
  readonly stack: readonly Frame[];
  readonly at: Frame;
}

/**
 * Whether conntrack has attached its entry when this chain runs: nf_conntrack_in() hooks prerouting
 * and output at NF_IP_PRI_CONNTRACK (-200); earlier chains (raw) and ingress see no entry yet.
 * An nft chain at exactly -200 sees the entry: conntrack registers after the chains of a batch and
 * equal priorities run the last registered first (6.18: `ct state new` matched at -200, `invalid` at -300).
 */
function ctAttachedAt(base: NfBaseChain): boolean {
  if (base.hook === 'ingress') return false;
  if (base.hook === 'prerouting' || base.hook === 'output') return base.priority >= NF_PRIORITY.conntrack;
  return true;
}

function chainRef(table: NfTable, chain: NfChain): ChainRef {
  return { family: table.family, table: table.name, chain: chain.name, origin: table.origin };
}

function push(steps: StepList | undefined, step: JourneyStep): StepList {
  return { step, prev: steps };
}

function listSteps(steps: StepList | undefined): JourneyStep[] {
  const out: JourneyStep[] = [];
  for (let s = steps; s; s = s.prev) out.push(s.step);
  return out.reverse();
}

function ruleStep(ref: ChainRef, rule: NfRule, before: NfPacketState, path: RulePath): JourneyStep {
  const end = path.end;
  const verdict = end?.kind === 'verdict' && end.verdict.kind !== 'jump' && end.verdict.kind !== 'goto'
    ? formatVerdict(end.verdict)
    : end?.kind === 'reject' ? (end.with !== undefined ? `reject with ${end.with}` : 'reject')
      : end?.kind === 'nat' ? 'accept' : undefined;
  return {
    kind: 'rule',
    chain: ref,
    rule: { text: rule.text, ...(rule.handle !== undefined ? { handle: rule.handle } : {}), ...(rule.source ? { source: rule.source } : {}) },
    result: path.unknown ? 'unknown' : end?.kind === 'break' ? 'not-matched' : 'matched',
    ...(path.effects.length > 0 ? { effect: path.effects.join(', ') } : {}),
    ...(verdict !== undefined ? { verdict } : {}),
    markBefore: before.mark,
    markAfter: path.packet.mark,
    ctMarkBefore: before.ct.mark,
    ctMarkAfter: path.packet.ct.mark,
  };
}

class ChainRun {
  private readonly work: Thread[] = [];
  private readonly done: ChainBranch[] = [];
  private readonly table: NfTable;
  private readonly baseChain: NfChain;
  private readonly base: NfBaseChain;
  private readonly ctAttached: boolean;
  private readonly maxBranches: number;

  constructor(hooked: HookedChain, base: NfBaseChain, maxBranches: number) {
    this.table = hooked.table;
    this.baseChain = hooked.chain;
    this.base = base;
    this.ctAttached = ctAttachedAt(base);
    this.maxBranches = maxBranches;
  }

  run(packet: NfPacketState): ChainBranch[] {
    this.work.push({ probability: 1, assumptions: [], steps: undefined, packet, notrack: false, stack: [], at: { chain: this.baseChain, next: 0, entered: [this.baseChain.name] } });
    for (let thread = this.work.pop(); thread; thread = this.work.pop()) this.advance(thread);
    return mergeBranches(this.done);
  }

  private finish(thread: Thread, verdict: ChainBranch['verdict'], extra: Partial<ChainBranch> = {}): void {
    this.done.push({
      probability: thread.probability,
      assumptions: thread.assumptions,
      steps: listSteps(thread.steps),
      packet: thread.packet,
      verdict,
      notrack: thread.notrack,
      ...(thread.nat ? { nat: thread.nat } : {}),
      ...extra,
    });
  }

  // mirrors nft_do_chain(), net/netfilter/nf_tables_core.c: the end of a chain returns to the last jump, the base chain's end applies the policy
  private returnFrom(thread: Thread): void {
    const caller = thread.stack[thread.stack.length - 1];
    if (caller) {
      this.work.push({ ...thread, stack: thread.stack.slice(0, -1), at: caller });
      return;
    }
    const ref = chainRef(this.table, this.baseChain);
    const policy = this.base.policy;
    const ended = { ...thread, steps: push(thread.steps, { kind: 'policy', chain: ref, verdict: policy }) };
    this.finish(ended, policy, policy === 'drop' ? { verdictBy: `policy drop of ${formatChainRef(ref)}` } : {});
  }

  /** A jump or goto the kernel would have refused to load (loop, too deep, missing chain). */
  private refuse(thread: Thread, label: string, why: string): void {
    this.finish({ ...thread, assumptions: unionAssumptions(thread.assumptions, [`${label}: ${why}; the kernel refuses to load such a rule set, pbr stops here and assumes drop`]) }, 'drop', { verdictBy: label });
  }

  private enter(thread: Thread, label: string, target: string, mode: 'jump' | 'goto', after: Frame): void {
    const chain = this.table.chains.find((c) => c.name === target && !c.base);
    if (!chain) return this.refuse(thread, label, `chain ${target} does not exist in table ${this.table.family} ${this.table.name}`);
    const frames = [...thread.stack, thread.at];
    if (frames.some((f) => f.entered.includes(target))) return this.refuse(thread, label, `${mode} ${target} loops back to a chain already running`);
    const depth = frames.reduce((n, f) => n + f.entered.length, 0);
    if (depth >= JUMP_STACK_SIZE) return this.refuse(thread, label, `${mode} ${target} nests deeper than the kernel's ${JUMP_STACK_SIZE} levels`);
    if (mode === 'jump') {
      this.work.push({ ...thread, stack: [...thread.stack, after], at: { chain, next: 0, entered: [target] } });
    } else {
      this.work.push({ ...thread, at: { chain, next: 0, entered: [...thread.at.entered, target] } });
    }
  }

  /** Keeps the thread count under the cap: beyond it only the most likely path of a split is followed. */
  private capPaths(paths: RulePath[], label: string): RulePath[] {
    if (paths.length <= 1 || this.work.length + this.done.length + paths.length <= this.maxBranches) return paths;
    const total = paths.reduce((sum, p) => sum + p.probability, 0);
    const likeliest = paths.reduce((best, p) => (p.probability > best.probability ? p : best));
    const assumption = `more than ${this.maxBranches} branches: at ${label} only the most likely of ${paths.length} outcomes was followed and given the probability of all of them`;
    return [{ ...likeliest, probability: total, assumptions: unionAssumptions(likeliest.assumptions, [assumption]) }];
  }

  private advance(thread: Thread): void {
    const { chain, next } = thread.at;
    const rule = chain.rules[next];
    if (!rule) return this.returnFrom(thread);
    const ref = chainRef(this.table, chain);
    const label = formatRuleLabel(ref, rule);
    const paths = this.capPaths(evalRule(rule, { table: this.table, ctAttached: this.ctAttached, ruleLabel: label, ruleText: rule.text }, thread.packet), label);
    const after: Frame = { ...thread.at, next: next + 1 };
    for (const path of paths) {
      const moved: Thread = {
        probability: thread.probability * path.probability,
        assumptions: unionAssumptions(thread.assumptions, path.assumptions),
        steps: push(thread.steps, ruleStep(ref, rule, thread.packet, path)),
        packet: path.packet,
        notrack: thread.notrack || path.notrack,
        stack: thread.stack,
        at: after,
        ...(path.nat ? { nat: path.nat } : {}),
      };
      this.follow(moved, path, label);
    }
  }

  private follow(thread: Thread, path: RulePath, label: string): void {
    const end = path.end;
    if (!end || end.kind === 'break') return void this.work.push(thread);
    if (end.kind === 'nat') return this.finish(thread, 'accept');
    if (end.kind === 'reject') return this.finish(thread, 'reject', { verdictBy: label, ...(end.with !== undefined ? { rejectWith: end.with } : {}) });
    const verdict = end.verdict;
    switch (verdict.kind) {
      case 'accept': return this.finish(thread, 'accept');
      case 'drop': case 'queue': return this.finish(thread, verdict.kind, { verdictBy: label });
      case 'continue': return void this.work.push(thread);
      case 'return': return this.returnFrom(thread);
      case 'jump': case 'goto': return this.enter(thread, label, verdict.chain, verdict.kind, thread.at);
    }
  }
}

function branchKey(branch: ChainBranch): string {
  const { packet, verdict, verdictBy, rejectWith, nat, notrack, steps } = branch;
  return JSON.stringify([packet, verdict, verdictBy, rejectWith, nat, notrack, steps], (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
}

/** Branches that end identically become one, their probabilities summed; the likeliest come first. */
function mergeBranches(branches: readonly ChainBranch[]): ChainBranch[] {
  const byKey = new Map<string, ChainBranch>();
  for (const branch of branches) {
    const key = branchKey(branch);
    const seen = byKey.get(key);
    byKey.set(key, seen ? { ...seen, probability: seen.probability + branch.probability, assumptions: unionAssumptions(seen.assumptions, branch.assumptions) } : branch);
  }
  return [...byKey.values()].sort((a, b) => b.probability - a.probability);
}

/**
 * Every way the base chain `hooked` can end for `packet`, with probabilities adding up to 1.
 * Jumps and sets resolve inside the chain's own table, as in the kernel; `_ruleset` is the whole
 * rule set the chain was taken from.
 */
export function runBaseChain(_ruleset: NetfilterRuleset, hooked: HookedChain, packet: NfPacketState, options: RunChainOptions = {}): ChainBranch[] {
  const base = hooked.chain.base;
  if (!base) throw new TypeError(`chain ${hooked.chain.name} of table ${hooked.table.name} is not a base chain`);
  return new ChainRun(hooked, base, options.maxBranches ?? DEFAULT_MAX_BRANCHES).run(packet);
}
