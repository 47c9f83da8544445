// A shrunk disagreement saved as a regression fixture: the rule set, the one probe, and what the kernel did.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProbeOutcome } from './kernel-outcome.ts';
import type { Probe, ProbeKind } from './probes.ts';
import type { GenRuleset } from './ruleset-types.ts';

export const FIXTURE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'netfilter-differential');

export interface NetfilterFixture {
  readonly name: string;
  /** the seed of the generated rule set it was shrunk from */
  readonly seed: number;
  /** what was wrong, filled in by whoever found the cause */
  readonly diagnosis: string;
  readonly ruleset: GenRuleset;
  /** the rule set as loaded, for reading (replay renders `ruleset` again) */
  readonly text: string;
  readonly probe: { readonly kind: ProbeKind; readonly proto: 'tcp' | 'udp'; readonly dport: number };
  readonly kernel: ProbeOutcome;
}

export function isNetfilterFixture(x: unknown): x is NetfilterFixture {
  const f = x as Partial<NetfilterFixture> | null;
  return typeof f === 'object' && f !== null && typeof f.name === 'string' && typeof f.seed === 'number'
    && typeof f.ruleset === 'object' && typeof f.probe === 'object' && typeof f.kernel === 'object';
}

export function loadFixtures(dir = FIXTURE_DIR): NetfilterFixture[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json')).sort();
  } catch {
    return [];
  }
  return names.map((n) => {
    const parsed: unknown = JSON.parse(readFileSync(join(dir, n), 'utf8'));
    if (!isNetfilterFixture(parsed)) throw new Error(`${n} is not a netfilter differential fixture`);
    return parsed;
  });
}

export function saveFixture(fixture: NetfilterFixture, dir = FIXTURE_DIR): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${fixture.name}.json`);
  writeFileSync(path, `${JSON.stringify(fixture, null, 2)}\n`);
  return path;
}

export function fixtureProbe(f: NetfilterFixture, sport: number): Probe {
  return { ...f.probe, sport };
}
