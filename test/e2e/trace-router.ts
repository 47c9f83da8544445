// `pbr trace` on a snapshot of the lab's router, in-process: captureSnapshot → parseSnapshot → runCli.
import { runCli } from '../../src/cli/main.ts';
import { captureSnapshot } from '../../src/host/capture-snapshot.ts';
import { parseSnapshot } from '../../src/parse/snapshot.ts';
import type { DispositionDoc, TraceDocument } from '../../src/render/trace-document.ts';
import { memoryIo } from '../cli/memory-io.ts';
import type { ExpectedFate } from './cases.ts';
import type { Lab } from './lab.ts';

export interface RouterTrace {
  readonly exitCode: number;
  readonly stderr: string;
  readonly document?: TraceDocument;
  /** error diagnostics of parsing the snapshot */
  readonly snapshotErrors: readonly string[];
}

/** Snapshots the router as it is now and runs `pbr trace WORDS --reply -j` on it. */
export async function traceRouter(lab: Lab, words: readonly string[]): Promise<RouterTrace> {
  const snapshot = await captureSnapshot({ netns: lab.ns.router });
  const text = JSON.stringify(snapshot);
  const parsed = parseSnapshot(JSON.parse(text) as unknown, { name: lab.ns.router });
  const snapshotErrors = parsed.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message);
  const io = memoryIo({ stdin: text });
  const exitCode = await runCli(['trace', ...words, '--reply', '-j', '--snapshot', '-'], io);
  const document = exitCode === 0 ? (JSON.parse(io.stdout.text) as TraceDocument) : undefined;
  return { exitCode, stderr: io.stderr.text, ...(document ? { document } : {}), snapshotErrors };
}

/** The fields of a disposition that an expectation names. */
export function fateOf(disposition: DispositionDoc, expected: ExpectedFate): Record<string, unknown> {
  return Object.fromEntries(Object.keys(expected).map((key) => [key, disposition[key as keyof DispositionDoc]]));
}

/** One line per outcome: probability, disposition, and the reply's, for failure messages. */
export function summarizeTrace(document: TraceDocument): string {
  const line = (d: DispositionDoc): string => `${d.kind}${d.dev ? ` dev ${d.dev}` : ''}${d.src ? ` src ${d.src}` : ''}${d.by ? ` by ${d.by}` : ''}: ${d.why}`;
  return document.outcomes
    .map((o) => {
      const reply = o.reply?.outcomes.map((r) => `    reply p=${r.probability}: ${line(r.disposition)}`).join('\n') ?? '    (no reply traced)';
      return `  p=${o.probability}: ${line(o.disposition)}\n${reply}`;
    })
    .join('\n');
}
