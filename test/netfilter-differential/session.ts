// A differential run: N seeded rule sets (nft and iptables alternately) through one lab, every probe
// compared kernel vs pbr; disagreeing rule sets shrunk to a minimal reproducer and optionally saved.
import { createRandom, deriveSeed } from '../differential/prng.ts';
import { formatDisagreement, type Disagreement } from './compare-outcomes.ts';
import { saveFixture, type NetfilterFixture } from './fixture.ts';
import { generateRuleset, syntaxForIndex } from './generate-ruleset.ts';
import type { DirectionOutcome, ProbeOutcome } from './kernel-outcome.ts';
import { withLab, type Lab } from './lab.ts';
import { planProbes, PortAllocator, type Probe } from './probes.ts';
import { renderRuleset } from './render-ruleset.ts';
import { runRuleset, type ModelOracle } from './run-ruleset.ts';
import { countRules, type GenRuleset } from './ruleset-types.ts';
import { shrinkRuleset } from './shrink-ruleset.ts';

export interface SessionOptions {
  readonly rulesets: number;
  readonly seed: number;
  /** run only these indices of the run (to reproduce and shrink one rule set of a long run) */
  readonly only?: readonly number[];
  /** pbr's side; without it only the kernel runs (a harness check) */
  readonly oracle?: ModelOracle;
  /** shrink at most this many disagreeing rule sets */
  readonly shrink: number;
  readonly maxTrials: number;
  readonly saveFixtures: boolean;
  readonly progress?: (line: string) => void;
}

export interface ShrunkReport {
  readonly ruleset: GenRuleset;
  readonly text: string;
  readonly probe: Probe;
  readonly kernel: ProbeOutcome;
  readonly disagreement: Disagreement;
  readonly trials: number;
  readonly fixture?: string;
}

export interface DisagreeingRuleset {
  readonly index: number;
  readonly seed: number;
  readonly text: string;
  readonly probes: readonly Probe[];
  readonly disagreements: readonly Disagreement[];
  readonly shrunk?: ShrunkReport;
}

export interface SessionSummary {
  rulesets: number;
  rules: number;
  probes: number;
  /** directions compared (a request, and a reply when there was one) */
  comparisons: number;
  disagreements: number;
  readonly disagreeing: DisagreeingRuleset[];
  readonly errors: string[];
  readonly anomalies: string[];
  /** how often the kernel gave each fate, e.g. "request out up2" */
  readonly kernelFates: Map<string, number>;
  millis: number;
}

export function rulesetSeed(runSeed: number, index: number): number {
  return deriveSeed(runSeed, index);
}

function fateKey(direction: string, d: DirectionOutcome | undefined): string | undefined {
  if (d === undefined) return undefined;
  return d.fate === 'gone' ? `${direction} gone` : `${direction} ${d.fate} ${d.dev}`;
}

export async function runSession(options: SessionOptions): Promise<SessionSummary> {
  const started = Date.now();
  const summary: SessionSummary = {
    rulesets: 0, rules: 0, probes: 0, comparisons: 0, disagreements: 0,
    disagreeing: [], errors: [], anomalies: [], kernelFates: new Map(), millis: 0,
  };
  await withLab(async (lab) => {
    const ports = new PortAllocator();
    for (let index = 0; index < options.rulesets; index++) {
      if (options.only && !options.only.includes(index)) continue;
      const seed = rulesetSeed(options.seed, index);
      const ruleset = generateRuleset(seed, syntaxForIndex(index));
      const probes = planProbes(createRandom(seed ^ 0x5bd1e995), ports);
      try {
        const run = await runRuleset(lab, ruleset, probes, options.oracle);
        if (run.applyError !== undefined) {
          summary.errors.push(`rule set ${index} (seed ${seed}) refused by the kernel: ${run.applyError}\n${run.text}`);
          continue;
        }
        summary.rulesets++;
        summary.rules += countRules(ruleset);
        summary.probes += probes.length;
        summary.anomalies.push(...(run.kernel?.anomalies ?? []).map((a) => `rule set ${index} (seed ${seed}): ${a}`));
        for (const o of run.kernel?.outcomes ?? []) {
          for (const key of [fateKey('request', o.request), fateKey('reply', o.reply)]) {
            if (key !== undefined) summary.kernelFates.set(key, (summary.kernelFates.get(key) ?? 0) + 1);
          }
          if (options.oracle) summary.comparisons += o.reply === undefined ? 1 : 2;
        }
        summary.disagreements += run.disagreements.length;
        if (run.disagreements.length > 0) {
          const entry: DisagreeingRuleset = { index, seed, text: run.text, probes, disagreements: run.disagreements };
          options.progress?.(`rule set ${index} (seed ${seed}, ${ruleset.syntax}): ${run.disagreements.length} disagreements\n  ${formatDisagreement(run.disagreements[0] as Disagreement, probes)}`);
          const shrunk = options.oracle && summary.disagreeing.filter((d) => d.shrunk).length < options.shrink
            ? await shrinkDisagreement(lab, ruleset, probes, run.disagreements[0] as Disagreement, options.oracle, ports, options.maxTrials, options.saveFixtures)
            : undefined;
          summary.disagreeing.push(shrunk ? { ...entry, shrunk } : entry);
        }
      } catch (e) {
        summary.errors.push(`rule set ${index} (seed ${seed}): ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
      }
      if ((index + 1) % 10 === 0) options.progress?.(`${index + 1}/${options.rulesets} rule sets, ${summary.disagreements} disagreements, ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
  });
  summary.millis = Date.now() - started;
  return summary;
}

async function shrinkDisagreement(
  lab: Lab, ruleset: GenRuleset, probes: readonly Probe[], first: Disagreement, oracle: ModelOracle,
  ports: PortAllocator, maxTrials: number, save: boolean,
): Promise<ShrunkReport | undefined> {
  const original = probes[first.probeIndex];
  if (!original) return undefined;
  let last: { probe: Probe; kernel: ProbeOutcome; disagreement: Disagreement } | undefined;
  const trial = async (candidate: GenRuleset): Promise<boolean> => {
    const probe = { ...original, sport: ports.take() };
    const run = await runRuleset(lab, candidate, [probe], oracle);
    const d = run.disagreements.find((x) => x.direction === first.direction);
    const kernel = run.kernel?.outcomes[0];
    if (d === undefined || kernel === undefined) return false;
    last = { probe, kernel, disagreement: d };
    return true;
  };
  if (!(await trial(ruleset))) return undefined;
  const shrunk = await shrinkRuleset(ruleset, trial, maxTrials);
  // run the result once more so the report shows its own kernel and pbr answers
  if (!(await trial(shrunk.ruleset)) || !last) return undefined;
  const found = last as { probe: Probe; kernel: ProbeOutcome; disagreement: Disagreement };
  const text = renderRuleset(shrunk.ruleset);
  const report: ShrunkReport = { ruleset: shrunk.ruleset, text, probe: found.probe, kernel: found.kernel, disagreement: found.disagreement, trials: shrunk.trials };
  if (!save) return report;
  const fixture: NetfilterFixture = {
    name: `${shrunk.ruleset.syntax}-seed-${ruleset.seed}`,
    seed: ruleset.seed,
    diagnosis: 'not yet diagnosed',
    ruleset: shrunk.ruleset,
    text,
    probe: { kind: found.probe.kind, proto: found.probe.proto, dport: found.probe.dport },
    kernel: found.kernel,
  };
  return { ...report, fixture: saveFixture(fixture) };
}
