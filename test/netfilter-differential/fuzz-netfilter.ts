// The long netfilter differential run: `npm run fuzz:netfilter -- --rulesets N [--seed S] [--only I,J,…]
// [--shrink N] [--max-trials N] [--save-fixtures] [--kernel-only]`; `--only` reruns single rule sets of a run. Progress on stderr; the summary, every disagreeing
// rule set and its shrunk reproducer on stdout; exit 1 on disagreements or harness errors.
import { parseArgs } from 'node:util';
import { formatDisagreement } from './compare-outcomes.ts';
import { formatDirection } from './kernel-outcome.ts';
import { labUnavailableReason } from './lab.ts';
import { createModelOracle } from './model-oracle.ts';
import { describeProbe } from './probes.ts';
import { runSession, type SessionSummary } from './session.ts';

const USAGE = `usage: npm run fuzz:netfilter -- --rulesets N [--seed S] [--only I,J,…] [--shrink N] [--max-trials N] [--save-fixtures] [--kernel-only]`;

function intOption(values: Record<string, unknown>, name: string, fallback: number): number {
  const v = values[name];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} needs a non-negative integer, not "${String(v)}"`);
  return n;
}

export function formatSummary(s: SessionSummary, seed: number, kernelOnly: boolean): string {
  const lines = [
    `seed:            ${seed}`,
    `rule sets:       ${s.rulesets} (${s.rules} rules)`,
    `probes:          ${s.probes}`,
    `comparisons:     ${kernelOnly ? 'none (--kernel-only)' : s.comparisons}`,
    `disagreements:   ${s.disagreements} in ${s.disagreeing.length} rule sets`,
    `harness errors:  ${s.errors.length}`,
    `observer faults: ${s.anomalies.length}`,
    `time:            ${(s.millis / 1000).toFixed(1)} s`,
    `kernel fates:    ${[...s.kernelFates].sort((a, b) => a[0].localeCompare(b[0])).map(([k, n]) => `${k} ${n}`).join(', ')}`,
  ];
  for (const e of s.errors.slice(0, 10)) lines.push(`harness error: ${e}`);
  for (const a of s.anomalies.slice(0, 10)) lines.push(`observer fault: ${a}`);
  for (const d of s.disagreeing) {
    lines.push('', `=== rule set ${d.index} (seed ${d.seed}): ${d.disagreements.length} disagreements`, d.text.trimEnd());
    for (const x of d.disagreements.slice(0, 5)) lines.push(`  ${formatDisagreement(x, d.probes)}`);
    if (d.shrunk) {
      const sh = d.shrunk;
      lines.push(`--- shrunk in ${sh.trials} trials${sh.fixture ? `, saved as ${sh.fixture}` : ''}:`, sh.text.trimEnd());
      lines.push(`  probe: ${describeProbe(sh.probe)}`, `  kernel request: ${formatDirection(sh.kernel.request)}`, `  kernel reply:   ${formatDirection(sh.kernel.reply)}`);
      lines.push(`  ${formatDisagreement(sh.disagreement, [sh.probe])}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      rulesets: { type: 'string' }, seed: { type: 'string' }, only: { type: 'string' }, shrink: { type: 'string' }, 'max-trials': { type: 'string' },
      'save-fixtures': { type: 'boolean' }, 'kernel-only': { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const reason = await labUnavailableReason();
  if (reason) {
    process.stderr.write(`fuzz:netfilter: cannot run: ${reason}\n`);
    return 4;
  }
  const seed = intOption(values, 'seed', Date.now() % 0x100000000);
  const kernelOnly = values['kernel-only'] ?? false;
  const only = values.only?.split(',').map((x) => intOption({ only: x }, 'only', 0));
  const summary = await runSession({
    rulesets: only ? Math.max(...only) + 1 : intOption(values, 'rulesets', 200),
    seed,
    ...(only ? { only } : {}),
    ...(kernelOnly ? {} : { oracle: createModelOracle() }),
    shrink: intOption(values, 'shrink', 5),
    maxTrials: intOption(values, 'max-trials', 150),
    saveFixtures: values['save-fixtures'] ?? false,
    progress: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(formatSummary(summary, seed, kernelOnly));
  return summary.disagreements > 0 || summary.errors.length > 0 || summary.anomalies.length > 0 ? 1 : 0;
}

main().then((code) => {
  process.exitCode = code;
}, (e: unknown) => {
  process.stderr.write(`fuzz:netfilter: ${e instanceof Error ? e.message : String(e)}\n${USAGE}\n`);
  process.exitCode = 2;
});
