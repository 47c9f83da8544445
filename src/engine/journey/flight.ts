// One branch of a journey in progress: the packet, its conntrack entry, the steps so far and their probability.
import { formatIp } from '../../addr/address.ts';
import type { Family, IpAddress } from '../../addr/types.ts';
import type { ChainRef, CtStateName, JourneyStep, NfPacketState } from '../../model/journey.ts';
import type { NetfilterRuleset } from '../../model/netfilter.ts';
import type { NetworkState, RouteType } from '../../model/network-state.ts';
import type { RouteAnswer, RuleDecision } from '../../model/route-query.ts';
import type { Engine } from '../engine.ts';
import type { Sysctls } from '../sysctl.ts';

/** The socket a locally generated packet comes from. */
export interface LocalSocket {
  /** SO_BINDTODEVICE */
  readonly oif?: string;
  readonly uid: number;
  readonly gid?: number;
  /** the address the socket is bound to (or replies from) */
  readonly boundSrc?: IpAddress;
}

/** What every step of one journey (a request, or one reply) reads. */
export interface JourneyContext {
  readonly state: NetworkState;
  readonly engine: Engine;
  readonly ruleset: NetfilterRuleset | undefined;
  readonly family: Family;
  readonly sysctls: Sysctls;
  /** the sending socket of a locally generated packet */
  readonly socket?: LocalSocket;
}

/** An address and port a NAT mapping rewrites to. */
export interface NatBinding {
  readonly addr: IpAddress;
  readonly port?: number;
}

/** The connection as conntrack sees it in the original direction, before any NAT. */
export interface Tuple {
  readonly saddr: IpAddress;
  readonly daddr: IpAddress;
  readonly sport?: number;
  readonly dport?: number;
}

/** The packet's conntrack entry, and whether the packet carries it yet. */
export interface Conntrack {
  /** false once `notrack` ran before the conntrack hook */
  readonly tracked: boolean;
  /** the packet carries its entry (after the conntrack hook, or a looped-back local packet) */
  readonly attached: boolean;
  readonly direction: 'original' | 'reply';
  /** the state the packet gets when conntrack attaches the entry */
  readonly state: CtStateName;
  readonly mark: number;
  readonly status: bigint;
  /** the original tuple, set when the entry is created */
  readonly orig?: Tuple;
  /** source rewrite of the original direction (snat, masquerade) */
  readonly snat?: NatBinding;
  /** destination rewrite of the original direction (dnat, redirect) */
  readonly dnat?: NatBinding;
  /** the NAT chains of that manip type ran (nf_nat_initialized) */
  readonly dstManipDone: boolean;
  readonly srcManipDone: boolean;
}

/** The route the packet follows now, with what the "why" line needs. */
export interface CurrentRoute {
  readonly phase: 'input' | 'output' | 'reroute';
  readonly type: RouteType;
  readonly dev: string;
  readonly gateway?: IpAddress;
  readonly prefsrc?: IpAddress;
  readonly local: boolean;
  readonly decidedBy?: RuleDecision;
  readonly answer: RouteAnswer;
  /** the mark the lookup used, and the rule that set it */
  readonly mark: number;
  readonly markSetBy?: string;
}

export interface Flight {
  readonly probability: number;
  readonly assumptions: readonly string[];
  readonly steps: readonly JourneyStep[];
  readonly packet: NfPacketState;
  readonly ct: Conntrack;
  readonly route?: CurrentRoute;
}

/** The packet's view of conntrack before the conntrack hook: no entry (nft_ct sees "invalid"). */
export const NO_CT: NfPacketState['ct'] = { state: 'invalid', direction: 'original', mark: 0, status: 0n };

export function withSteps(f: Flight, ...steps: readonly JourneyStep[]): Flight {
  return { ...f, steps: [...f.steps, ...steps] };
}

export function note(f: Flight, text: string): Flight {
  return withSteps(f, { kind: 'note', text });
}

/** The packet with the devices a hook shows (state->in, state->out); absent ones are removed. */
export function onDevices(p: NfPacketState, devices: HookDevices): NfPacketState {
  const { iifname: _in, oifname: _out, ...rest } = p;
  return { ...rest, ...(devices.in !== undefined ? { iifname: devices.in } : {}), ...(devices.out !== undefined ? { oifname: devices.out } : {}) };
}

export interface HookDevices {
  readonly in?: string;
  readonly out?: string;
}

export function chainText(c: ChainRef): string {
  return `${c.family} ${c.table} ${c.chain}`;
}

export function hex(n: number): string {
  return `0x${(n >>> 0).toString(16)}`;
}

/** "10.0.0.1:22", "[2001:db8::1]:22", or the bare address when the packet has no port. */
export function endpoint(addr: IpAddress, port: number | undefined): string {
  const a = addr.family === 6 && port !== undefined ? `[${formatIp(addr)}]` : formatIp(addr);
  return port !== undefined ? `${a}:${port}` : a;
}

/** The last rule before now that changed the packet's mark, as "chain rule `text`". */
export function lastMarkSetter(steps: readonly JourneyStep[]): string | undefined {
  for (let i = steps.length - 1; i >= 0; i--) {
    const s = steps[i];
    if (s?.kind === 'rule' && s.markAfter !== s.markBefore) return `${chainText(s.chain)} rule \`${s.rule.text}\``;
  }
  return undefined;
}
