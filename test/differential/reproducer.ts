// A mismatch as a shell script anyone can run, and as a regression fixture (JSON).
import { formatCommand, type ConfigCommand } from './config-types.ts';
import type { FieldDiff } from './compare-answers.ts';

export const FIXTURE_FORMAT = 'pbr-differential-fixture';

export interface DifferentialFixture {
  readonly format: typeof FIXTURE_FORMAT;
  readonly name: string;
  /** config seed the mismatch was found with */
  readonly seed: number;
  /** who is wrong and why, as far as known when recorded */
  readonly diagnosis: string;
  readonly commands: readonly ConfigCommand[];
  /** the words after `ip route get` */
  readonly query: readonly string[];
  /** what the kernel printed, in pbr's -j shape: `[route]` or `[{error:{errno,message}}]` */
  readonly kernel: readonly unknown[];
  /** what pbr printed when the fixture was recorded */
  readonly pbrAtRecording: unknown;
  readonly kernelRelease: string;
}

export interface ReproducerInput {
  readonly seed: number;
  readonly commands: readonly ConfigCommand[];
  readonly query: readonly string[];
  readonly kernel: unknown;
  readonly pbr: unknown;
  readonly diffs: readonly FieldDiff[];
}

export function renderReproducerScript(r: ReproducerInput): string {
  const names = { router: '"$R"', peer: '"$P"' };
  const lines = [
    '#!/bin/sh',
    `# pbr differential reproducer, config seed ${r.seed}`,
    `# kernel: ${JSON.stringify(r.kernel)}`,
    `# pbr:    ${JSON.stringify(r.pbr)}`,
    ...r.diffs.map((d) => `# differs: ${d.field}: kernel ${JSON.stringify(d.kernel)} / pbr ${JSON.stringify(d.pbr)}`),
    'R=pbrd-repro-r; P=pbrd-repro-p',
    'ip netns add "$R"; ip netns add "$P"',
    ...r.commands.map((c) => formatCommand(c, names)),
    `ip -n "$R" -d -j route get ${r.query.join(' ')}`,
    'pbr snapshot --netns "$R" -o /tmp/pbrd-repro.json',
    `pbr route get --snapshot /tmp/pbrd-repro.json -j ${r.query.join(' ')}`,
    'ip netns del "$R"; ip netns del "$P"',
  ];
  return `${lines.join('\n')}\n`;
}

/** The fixture as JSON text: one line per field, one line per command (readable diffs in review). */
export function formatFixture(f: DifferentialFixture): string {
  const lines = Object.entries(f).map(([key, value]) => {
    if (key !== 'commands') return `  ${JSON.stringify(key)}: ${JSON.stringify(value)}`;
    const commands = (value as readonly ConfigCommand[]).map((c) => `    ${JSON.stringify(c)}`).join(',\n');
    return `  "commands": [\n${commands}\n  ]`;
  });
  return `{\n${lines.join(',\n')}\n}\n`;
}

export function isDifferentialFixture(x: unknown): x is DifferentialFixture {
  if (typeof x !== 'object' || x === null) return false;
  const f = x as Record<string, unknown>;
  return f['format'] === FIXTURE_FORMAT && Array.isArray(f['commands']) && Array.isArray(f['query']) && Array.isArray(f['kernel']);
}
