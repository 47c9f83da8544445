// The body of `pbr snapshot [-o FILE] [--netns NAME]`: capture, write the JSON, say what could not be read.
import { rename, unlink, writeFile } from 'node:fs/promises';
import { ExitCode, SystemError } from '../model/errors.ts';
import type { SnapshotFile } from '../model/snapshot.ts';
import { captureSnapshot, type CaptureOptions } from './capture-snapshot.ts';

export interface SnapshotCommandArgs {
  /** output file; stdout when absent or '-' */
  readonly output?: string;
  readonly netns?: string;
}

export interface SnapshotCommandDeps {
  readonly capture?: (options: CaptureOptions) => Promise<SnapshotFile>;
  readonly writeStdout?: (text: string) => Promise<void>;
  readonly writeStderr?: (text: string) => void;
}

/** Returns the exit status (0); a failure to capture or to write is thrown as a SystemError (exit 4). */
export async function runSnapshotCommand(args: SnapshotCommandArgs, deps: SnapshotCommandDeps = {}): Promise<number> {
  const capture = deps.capture ?? captureSnapshot;
  const writeStderr = deps.writeStderr ?? ((text: string) => void process.stderr.write(text));
  const snapshot = await capture(args.netns === undefined ? {} : { netns: args.netns });
  const json = `${JSON.stringify(snapshot, null, 2)}\n`;
  if (args.output === undefined || args.output === '-') {
    await (deps.writeStdout ?? writeProcessStdout)(json);
  } else {
    await writeFileAtomically(args.output, json);
  }
  for (const note of snapshot.notes) writeStderr(`pbr snapshot: note: ${note}\n`);
  return ExitCode.ok;
}

async function writeFileAtomically(path: string, text: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, text, { mode: 0o644 });
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw new SystemError(`cannot write ${path}: ${(error as Error).message}`);
  }
}

function writeProcessStdout(text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(text, (error) => (error ? reject(error) : resolve()));
  });
}
