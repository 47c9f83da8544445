// One rule set through the lab: load it on the router, let pbr snapshot the router, arm the observers,
// send the probes, read what the kernel did, and compare with what pbr says.
import { compareProbe, type Disagreement, type ModelProbeAnswer } from './compare-outcomes.ts';
import { kernelOutcomes, parseObserver, parseSinks, type KernelReading } from './kernel-outcome.ts';
import { applyRuleset, armObservers, readObserver, readSinks, type Lab } from './lab.ts';
import { sendProbes, type Probe } from './probes.ts';
import { renderRuleset } from './render-ruleset.ts';
import type { GenRuleset } from './ruleset-types.ts';

/** pbr's side: a snapshot of the router taken with the rule set loaded (and no observer), then one trace per probe. */
export interface ModelOracle {
  capture(lab: Lab): Promise<(probe: Probe) => ModelProbeAnswer>;
}

export interface RulesetRun {
  readonly text: string;
  /** the kernel refused the rule set (a generator bug) */
  readonly applyError?: string;
  readonly kernel?: KernelReading;
  readonly model?: readonly ModelProbeAnswer[];
  readonly disagreements: readonly Disagreement[];
}

export async function runRuleset(lab: Lab, ruleset: GenRuleset, probes: readonly Probe[], oracle: ModelOracle | undefined, waitMs = 250): Promise<RulesetRun> {
  const text = renderRuleset(ruleset);
  const applyError = await applyRuleset(lab, ruleset.syntax, text);
  if (applyError !== undefined) return { text, applyError, disagreements: [] };
  const trace = oracle ? await oracle.capture(lab) : undefined;
  await armObservers(lab);
  await sendProbes(lab, probes, waitMs);
  const [observer, sinks] = await Promise.all([readObserver(lab), readSinks(lab)]);
  const kernel = kernelOutcomes(probes, parseObserver(observer), parseSinks(sinks));
  if (!trace) return { text, kernel, disagreements: [] };
  const model = probes.map((p) => trace(p));
  const disagreements = probes.flatMap((_, i) => compareProbe(i, kernel.outcomes[i] as KernelReading['outcomes'][number], model[i] as ModelProbeAnswer));
  return { text, kernel, model, disagreements };
}
