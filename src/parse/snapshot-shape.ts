// Checks that a parsed JSON value has the SnapshotFile shape; every problem names the field.
import type { CapturedSource, SnapshotFile } from '../model/snapshot.ts';
import { SNAPSHOT_FORMAT, SNAPSHOT_VERSION } from '../model/snapshot.ts';
import type { DiagnosticSink } from './diagnostic-sink.ts';
import { describeJson } from './json-document.ts';
import { isJsonObject, type JsonObject } from './json-fields.ts';

/** Code of the error diagnostic that says the input is not a usable snapshot at all. */
export const SNAPSHOT_UNUSABLE = 'snapshot-unusable';

/** The snapshot, with every malformed source left out; undefined when the file is not a snapshot at all. */
export function validateSnapshotFile(file: unknown, sink: DiagnosticSink): SnapshotFile | undefined {
  const bad = (field: string, expected: string, found: unknown, code = 'snapshot-shape'): void => {
    sink.error(code, `${field}: expected ${expected}, found ${describeJson(found)}`, sink.at(),
      code === SNAPSHOT_UNUSABLE ? 'create snapshots with `pbr snapshot`' : undefined);
  };
  if (!isJsonObject(file)) {
    bad('snapshot', 'an object', file, SNAPSHOT_UNUSABLE);
    return undefined;
  }
  if (file['format'] !== SNAPSHOT_FORMAT) {
    bad('snapshot.format', `"${SNAPSHOT_FORMAT}"`, file['format'], SNAPSHOT_UNUSABLE);
    return undefined;
  }
  const version = file['version'];
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    bad('snapshot.version', 'a positive integer', version, SNAPSHOT_UNUSABLE);
    return undefined;
  }
  if (version > SNAPSHOT_VERSION) {
    sink.warning('snapshot-newer-version', `snapshot.version: ${version} is newer than this pbr reads (${SNAPSHOT_VERSION}); reading what it can`);
  }
  const text = (field: string, optional: boolean): string | undefined => {
    const value = file[field];
    if (value === undefined && optional) return undefined;
    if (typeof value === 'string') return value;
    bad(`snapshot.${field}`, 'a string', value);
    return undefined;
  };
  const capturedAt = text('capturedAt', false) ?? '';
  const kernelRelease = text('kernelRelease', false) ?? '';
  const netns = text('netns', true);
  const hostname = text('hostname', true);
  const notes = Array.isArray(file['notes']) && file['notes'].every((n) => typeof n === 'string')
    ? (file['notes'] as string[])
    : (bad('snapshot.notes', 'an array of strings', file['notes']), []);
  const sourcesValue = file['sources'];
  const sources: Record<string, CapturedSource> = {};
  if (isJsonObject(sourcesValue)) {
    for (const [key, value] of Object.entries(sourcesValue)) {
      const source = validateSource(`snapshot.sources.${key}`, value, bad);
      if (source) sources[key] = source;
    }
  } else {
    bad('snapshot.sources', 'an object', sourcesValue);
  }
  return {
    format: SNAPSHOT_FORMAT,
    version,
    capturedAt,
    kernelRelease,
    ...(netns === undefined ? {} : { netns }),
    ...(hostname === undefined ? {} : { hostname }),
    sources,
    notes,
  };
}

function validateSource(
  field: string,
  value: unknown,
  bad: (field: string, expected: string, found: unknown) => void,
): CapturedSource | undefined {
  if (!isJsonObject(value)) {
    bad(field, 'an object', value);
    return undefined;
  }
  const source: JsonObject = value;
  let ok = true;
  const check = (key: string, valid: boolean, expected: string): void => {
    if (!valid) {
      bad(`${field}.${key}`, expected, source[key]);
      ok = false;
    }
  };
  const argv = source['argv'];
  check('argv', argv === undefined || (Array.isArray(argv) && argv.every((a) => typeof a === 'string')), 'an array of strings');
  check('path', source['path'] === undefined || typeof source['path'] === 'string', 'a string');
  check('exitCode', typeof source['exitCode'] === 'number' && Number.isInteger(source['exitCode']), 'an integer');
  check('stdout', typeof source['stdout'] === 'string', 'a string');
  check('stderr', typeof source['stderr'] === 'string', 'a string');
  if (!ok) return undefined;
  return {
    ...(argv === undefined ? {} : { argv: argv as string[] }),
    ...(source['path'] === undefined ? {} : { path: source['path'] as string }),
    exitCode: source['exitCode'] as number,
    stdout: source['stdout'] as string,
    stderr: source['stderr'] as string,
  };
}
