// Everything an IPv6 lookup needs from one NetworkState, indexed once per state.
import type { IpAddress } from '../../addr/types.ts';
import type { Link, NetworkState } from '../../model/network-state.ts';
import { EngineContext } from '../context.ts';
import { buildFib6Tables, type Fib6Table } from './fib6-table.ts';

export interface Ipv6Context {
  readonly engine: EngineContext;
  readonly tables: ReadonlyMap<number, Fib6Table>;
  /** devices in the kernel's device list order (ifindex order as dumped) */
  readonly links: readonly Link[];
  /** NUD state words of the neighbour entry (dev, address), or undefined when there is none */
  neighbourState(dev: string, address: IpAddress): readonly string[] | undefined;
}

function neighbourKey(dev: string, address: IpAddress): string {
  return `${dev}|${address.value}`;
}

/** Indexes a state for IPv6 lookups; pass the EngineContext when one was already built for it. */
export function buildIpv6Context(state: NetworkState, engine: EngineContext = new EngineContext(state)): Ipv6Context {
  const neighbours = new Map<string, readonly string[]>();
  for (const n of state.neighbours) if (n.address.family === 6) neighbours.set(neighbourKey(n.dev, n.address), n.state);
  return {
    engine,
    tables: buildFib6Tables(state.routes, (id) => engine.nexthopObject(id)),
    links: [...state.links].sort((a, b) => a.ifindex - b.ifindex),
    neighbourState: (dev, address) => neighbours.get(neighbourKey(dev, address)),
  };
}
