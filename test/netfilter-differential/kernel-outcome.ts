// What happened to each probe, read off the router's observer sets and the sinks' records; and the
// shape both the kernel's and pbr's answers are compared in.
import { UPLINKS } from './lab-topology.ts';
import type { Probe } from './probes.ts';

/** One direction of a probe: gone (dropped anywhere, or never sent), or seen leaving (`out`) / delivered (`in`) on `dev`. */
export type DirectionOutcome =
  | { readonly fate: 'gone' }
  | { readonly fate: 'out' | 'in'; readonly dev: string; readonly mark: number; readonly ctmark: number };

export interface ProbeOutcome {
  readonly request: DirectionOutcome;
  /** only for probes whose request reached something that answers */
  readonly reply?: DirectionOutcome;
}

interface Sighting {
  readonly where: 'out' | 'in';
  readonly sport: number;
  readonly dport: number;
  readonly mark: number;
  readonly ctmark: number;
  readonly dev: string;
}

function setElements(listing: unknown, setName: string): unknown[][] {
  const items = (listing as { nftables?: unknown[] }).nftables ?? [];
  for (const item of items) {
    const set = (item as { set?: { name?: string; elem?: unknown[] } }).set;
    if (set?.name !== setName) continue;
    return (set.elem ?? []).map((e) => {
      const concat = (e as { concat?: unknown[]; elem?: { val?: { concat?: unknown[] } } }).concat ?? (e as { elem?: { val?: { concat?: unknown[] } } }).elem?.val?.concat;
      if (!Array.isArray(concat)) throw new Error(`unexpected element in set ${setName}: ${JSON.stringify(e)}`);
      return concat;
    });
  }
  throw new Error(`set ${setName} is missing from the listing`);
}

function num(v: unknown, what: string): number {
  if (typeof v !== 'number') throw new Error(`${what} is not a number: ${JSON.stringify(v)}`);
  return v;
}

export function parseObserver(listing: unknown): Sighting[] {
  const out: Sighting[] = [];
  for (const where of ['out', 'in'] as const) {
    for (const [sport, dport, mark, ctmark, dev] of setElements(listing, where === 'out' ? 'post' : 'in')) {
      out.push({ where, sport: num(sport, 'sport'), dport: num(dport, 'dport'), mark: num(mark, 'mark') >>> 0, ctmark: num(ctmark, 'ct mark') >>> 0, dev: String(dev) });
    }
  }
  return out;
}

/** Per sink (index into UPLINKS): the `sport dport` pairs it received, as "sport/dport". */
export function parseSinks(listings: readonly unknown[]): Set<string>[] {
  return listings.map((l) => new Set(setElements(l, 'got').map(([s, d]) => `${num(s, 'sport')}/${num(d, 'dport')}`)));
}

export interface KernelReading {
  readonly outcomes: readonly ProbeOutcome[];
  /** contradictions between the observers (a harness fault, not a disagreement) */
  readonly anomalies: readonly string[];
}

export function kernelOutcomes(probes: readonly Probe[], sightings: readonly Sighting[], sinks: readonly Set<string>[]): KernelReading {
  const anomalies: string[] = [];
  const one = (list: readonly Sighting[], what: string): DirectionOutcome => {
    if (list.length === 0) return { fate: 'gone' };
    if (list.length > 1) anomalies.push(`${what}: seen ${list.length} times: ${JSON.stringify(list)}`);
    const s = list[0] as Sighting;
    return { fate: s.where, dev: s.dev, mark: s.mark, ctmark: s.ctmark };
  };
  const outcomes = probes.map((p): ProbeOutcome => {
    const request = one(sightings.filter((s) => s.sport === p.sport && s.dport === p.dport), `probe ${p.sport} request`);
    const reached = UPLINKS.flatMap((up, i) => (sinks[i]?.has(`${p.sport}/${p.dport}`) ? [up] : []));
    const expectedSink = request.fate === 'out' ? [request.dev] : [];
    if (reached.join() !== expectedSink.join()) anomalies.push(`probe ${p.sport}: router saw ${JSON.stringify(request)}, sinks received it on [${reached.join(', ')}]`);
    if (p.proto !== 'tcp' || request.fate === 'gone') return { request };
    const reply = one(sightings.filter((s) => s.sport === p.dport && s.dport === p.sport), `probe ${p.sport} reply`);
    return { request, reply };
  });
  return { outcomes, anomalies };
}

export function formatDirection(d: DirectionOutcome | undefined): string {
  if (d === undefined) return 'no reply expected';
  if (d.fate === 'gone') return 'gone (dropped or unroutable)';
  return `${d.fate === 'out' ? 'leaves via' : 'delivered from'} ${d.dev} mark 0x${d.mark.toString(16)} ct mark 0x${d.ctmark.toString(16)}`;
}
