// The long differential run: `npm run fuzz:kernel -- --configs N [--queries M] [--seed S]
// [--family 4|6|both] [--jobs K] [--cli-every N] [--shrink N] [--max-trials N] [--save-fixtures]`.
// Progress on stderr, the summary (and a reproducer per mismatch class) on stdout; exit 1 on mismatches.
import { parseArgs } from 'node:util';
import { kernelAnswerJson } from './compare-answers.ts';
import type { FamilyOption } from './generate-queries.ts';
import { netnsUnavailableReason } from './netns.ts';
import { runSession, type SessionSummary } from './fuzz-session.ts';

const USAGE = `usage: npm run fuzz:kernel -- --configs N [--queries M] [--seed S] [--family 4|6|both] [--jobs K]
         [--cli-every N] [--shrink N] [--max-trials N] [--save-fixtures]`;

function intOption(values: Record<string, unknown>, name: string, fallback: number): number {
  const v = values[name];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} needs a non-negative integer, not "${String(v)}"`);
  return n;
}

function familyOption(v: unknown): FamilyOption {
  if (v === undefined || v === 'both') return 'both';
  if (v === '4' || v === '6') return Number(v) as 4 | 6;
  throw new Error(`--family is 4, 6 or both, not "${String(v)}"`);
}

function formatSummary(s: SessionSummary, seed: number): string {
  const lines = [
    `seed:               ${seed}`,
    `configs:            ${s.configs}`,
    `queries:            ${s.queries}`,
    `comparisons:        ${s.comparisons}`,
    `mismatches:         ${s.mismatches} (${s.classes.size} classes)`,
    `commands:           ${s.commands}`,
    `rejected commands:  ${s.rejected} (${s.commands > 0 ? ((100 * s.rejected) / s.commands).toFixed(1) : '0'} %)`,
    `harness errors:     ${s.errors.length}`,
    `time:               ${(s.millis / 1000).toFixed(1)} s`,
    `kernel outcomes:    ${[...s.kernelOutcomes].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ')}`,
  ];
  if (s.rejectedByMessage.size > 0) {
    lines.push('rejected commands by reason:');
    for (const [k, n] of [...s.rejectedByMessage].sort((a, b) => b[1] - a[1]).slice(0, 15)) lines.push(`  ${String(n).padStart(5)}  ${k}`);
  }
  for (const e of s.errors.slice(0, 10)) lines.push(`harness error (seed ${e.seed}): ${e.message.split('\n').slice(0, 4).join(' | ')}`);
  for (const c of [...s.classes.values()].sort((a, b) => b.count - a.count)) {
    lines.push('', `=== mismatch class: ${c.signature} — ${c.count} queries`);
    lines.push(`first: config seed ${c.first.seed}, query: ip route get ${c.first.query.join(' ')}`);
    lines.push(`  kernel: ${JSON.stringify(kernelAnswerJson(c.first.kernel))}`);
    lines.push(`  pbr:    ${JSON.stringify(c.first.pbr)}`);
    if (c.shrunk) {
      lines.push(`shrunk to ${c.shrunk.commands.length} commands in ${c.shrunk.trials} trials${c.shrunk.diffs.length === 0 ? ' (NOT reproduced in a fresh namespace)' : ''}${c.shrunk.fixture ? `; fixture ${c.shrunk.fixture}` : ''}:`);
      lines.push(c.shrunk.script.trimEnd());
    }
  }
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      configs: { type: 'string' }, queries: { type: 'string' }, seed: { type: 'string' }, family: { type: 'string' },
      jobs: { type: 'string' }, 'cli-every': { type: 'string' }, shrink: { type: 'string' }, 'max-trials': { type: 'string' },
      'save-fixtures': { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const reason = await netnsUnavailableReason();
  if (reason) {
    process.stderr.write(`fuzz:kernel: cannot run: ${reason}\n`);
    return 4;
  }
  const seed = intOption(values, 'seed', Date.now() % 0x100000000);
  const summary = await runSession({
    configs: intOption(values, 'configs', 50),
    queries: intOption(values, 'queries', 100),
    seed,
    family: familyOption(values.family),
    jobs: intOption(values, 'jobs', 2),
    cliEvery: intOption(values, 'cli-every', 25),
    shrinkClasses: intOption(values, 'shrink', 10),
    maxTrials: intOption(values, 'max-trials', 300),
    saveFixtures: values['save-fixtures'] ?? false,
    progress: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(formatSummary(summary, seed));
  return summary.mismatches > 0 || summary.errors.length > 0 ? 1 : 0;
}

main().then((code) => {
  process.exitCode = code;
}, (e: unknown) => {
  process.stderr.write(`fuzz:kernel: ${e instanceof Error ? e.message : String(e)}\n${USAGE}\n`);
  process.exitCode = 2;
});
