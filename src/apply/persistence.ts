// `pbr install` / `pbr uninstall`: the files that bring pbr's state back at boot, each marked as pbr's own so that
// uninstall removes exactly those and nothing else. Enabling the unit (systemctl) is a separate, explicit step.
import { lstat, readFile, readlink, rmdir, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from './atomic-file.ts';
import { resolveFilePath } from './host-action.ts';

/** First line of every file pbr installs. */
export const PBR_FILE_MARKER = '# Managed by pbr (pbr install); pbr uninstall removes this file.';

export const PERSISTENCE_PATHS = {
  unit: '/etc/systemd/system/pbr.service',
  intent: '/etc/pbr/pbr.yaml',
  sysctl: '/etc/sysctl.d/90-pbr.conf',
  rtTables: '/etc/iproute2/rt_tables.d/pbr.conf',
} as const;

/** `systemctl enable` links the unit here (from WantedBy); uninstall removes that link when it points at pbr's unit. */
const WANTS_LINK = '/etc/systemd/system/multi-user.target.wants/pbr.service';

export interface PersistenceContents {
  /** the intent file (pbr.yaml) as the user wrote it */
  readonly intent: string;
  /** sysctl.d lines, `key = value` */
  readonly sysctlConf: string;
  /** rt_tables.d lines, `ID NAME` */
  readonly rtTablesConf: string;
}

export interface PersistenceOptions {
  /** prefix for every path (tests) */
  readonly root?: string;
}

export function renderSystemdUnit(pbrPath: string): string {
  if (!pbrPath.startsWith('/') || /\s/.test(pbrPath)) throw new Error(`the pbr path in the unit must be absolute, without spaces: ${pbrPath}`);
  return [
    PBR_FILE_MARKER,
    '[Unit]',
    'Description=pbr: policy-based routing (uplinks, rules, tables, nftables marks)',
    'Wants=network-online.target',
    'After=network-online.target',
    '',
    '[Service]',
    'Type=oneshot',
    `ExecStart=${pbrPath} apply -c ${PERSISTENCE_PATHS.intent}`,
    'RemainAfterExit=yes',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

/** pbr's own files begin with PBR_FILE_MARKER, or (files pbr apply writes, e.g. rt_tables.d) a comment saying "written by pbr apply". */
export function isPbrFile(content: string): boolean {
  const first = content.split('\n', 1)[0] ?? '';
  return first === PBR_FILE_MARKER || /^#.*\bwritten by pbr (apply|install)\b/.test(first);
}

function marked(content: string): string {
  return isPbrFile(content) ? content : `${PBR_FILE_MARKER}\n${content}`;
}

/** The four files install writes, path → content. */
export function persistenceFiles(contents: PersistenceContents, pbrPath: string): ReadonlyMap<string, string> {
  return new Map([
    [PERSISTENCE_PATHS.unit, renderSystemdUnit(pbrPath)],
    [PERSISTENCE_PATHS.intent, marked(contents.intent)],
    [PERSISTENCE_PATHS.sysctl, marked(contents.sysctlConf)],
    [PERSISTENCE_PATHS.rtTables, marked(contents.rtTablesConf)],
  ]);
}

type Found = { readonly kind: 'absent' } | { readonly kind: 'pbr'; readonly content: string } | { readonly kind: 'foreign' };

async function inspect(path: string): Promise<Found> {
  try {
    const content = await readFile(path, 'utf8');
    return isPbrFile(content) ? { kind: 'pbr', content } : { kind: 'foreign' };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'absent' };
    throw error;
  }
}

export type InstallResult =
  | { readonly kind: 'installed'; readonly written: readonly string[]; readonly unchanged: readonly string[] }
  /** a file at one of pbr's paths is not pbr's: nothing was written */
  | { readonly kind: 'refused'; readonly foreign: readonly string[] };

export async function installPersistence(contents: PersistenceContents, pbrPath: string, options: PersistenceOptions = {}): Promise<InstallResult> {
  const files = persistenceFiles(contents, pbrPath);
  const found = new Map<string, Found>();
  for (const path of files.keys()) found.set(path, await inspect(resolveFilePath(path, options.root)));
  const foreign = [...found].filter(([, f]) => f.kind === 'foreign').map(([path]) => path);
  if (foreign.length > 0) return { kind: 'refused', foreign };
  const written: string[] = [];
  const unchanged: string[] = [];
  for (const [path, content] of files) {
    const before = found.get(path);
    if (before?.kind === 'pbr' && before.content === content) {
      unchanged.push(path);
      continue;
    }
    await writeFileAtomic(resolveFilePath(path, options.root), content, 0o644);
    written.push(path);
  }
  return { kind: 'installed', written, unchanged };
}

export interface UninstallResult {
  readonly removed: readonly string[];
  /** at pbr's paths but not written by pbr: left in place */
  readonly foreign: readonly string[];
  readonly absent: readonly string[];
}

export async function uninstallPersistence(options: PersistenceOptions = {}): Promise<UninstallResult> {
  const removed: string[] = [];
  const foreign: string[] = [];
  const absent: string[] = [];
  const wants = resolveFilePath(WANTS_LINK, options.root);
  const link = await readlink(wants).catch(() => undefined);
  if (link === PERSISTENCE_PATHS.unit) {
    await unlink(wants);
    removed.push(WANTS_LINK);
  }
  for (const path of Object.values(PERSISTENCE_PATHS)) {
    const real = resolveFilePath(path, options.root);
    const found = await inspect(real);
    if (found.kind === 'absent') absent.push(path);
    else if (found.kind === 'foreign') foreign.push(path);
    else {
      await unlink(real);
      removed.push(path);
    }
  }
  // /etc/pbr is pbr's own directory: remove it when uninstall left it empty
  const pbrDir = resolveFilePath(dirname(PERSISTENCE_PATHS.intent), options.root);
  if (await lstat(pbrDir).then((st) => st.isDirectory(), () => false)) await rmdir(pbrDir).catch(() => undefined);
  return { removed, foreign, absent };
}

/** The command that enables (or disables) the unit; run only on an explicit request (`pbr install --enable`). */
export function systemctlArgv(action: 'enable' | 'disable'): string[] {
  return ['systemctl', action, 'pbr.service'];
}
