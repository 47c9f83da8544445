// Reads a snapshot file (or '-' for stdin) into the model; an unusable snapshot is an InvalidInputError (exit 3).
import { readFile } from 'node:fs/promises';
import type { Parsed } from '../model/diagnostics.ts';
import { formatLocation } from '../model/diagnostics.ts';
import { InvalidInputError } from '../model/errors.ts';
import type { NetworkState } from '../model/network-state.ts';
import { parseSnapshotJson, SNAPSHOT_UNUSABLE } from '../parse/snapshot.ts';

export interface LoadSnapshotOptions {
  /** reads standard input (for '-'); process.stdin by default */
  readonly readStdin?: () => Promise<string>;
}

/** The model and every diagnostic; throws InvalidInputError naming the file when nothing usable is in it. */
export async function loadSnapshot(path: string, options: LoadSnapshotOptions = {}): Promise<Parsed<NetworkState>> {
  const name = path === '-' ? '<stdin>' : path;
  let text: string;
  try {
    text = path === '-' ? await (options.readStdin ?? readStdin)() : await readFile(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new InvalidInputError(`cannot read snapshot ${name}: ${reason}`, 'create one with `pbr snapshot -o FILE`');
  }
  const parsed = parseSnapshotJson(text, { name });
  const fatal = parsed.diagnostics.find((d) => d.code === SNAPSHOT_UNUSABLE);
  if (fatal !== undefined) {
    const where = formatLocation(fatal.source);
    throw new InvalidInputError(`${where.startsWith(name) ? where : name}: ${fatal.message}`, fatal.hint);
  }
  return parsed;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
