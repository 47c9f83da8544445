// A fake host for apply tests: objects added and deleted by commands, sysctls written by tee, files under a temp root.
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Runner } from '../host/capture-snapshot.ts';
import type { ExecResult } from '../host/exec.ts';
import type { PlannedChange } from '../model/plan.ts';

export interface FakeHost {
  readonly root: string;
  readonly stateDir: string;
  readonly objects: Set<string>;
  readonly sysctls: Map<string, string>;
  /** every argv run, joined by spaces, with " @NETNS" when run in a namespace */
  readonly calls: string[];
  /** a command (argv joined) that fails with exit 2 */
  failing: Set<string>;
  /** called before each command runs (to look at the journal at that moment) */
  onRun?: (command: string) => Promise<void>;
  readonly run: Runner;
  dispose(): Promise<void>;
}

export async function createFakeHost(): Promise<FakeHost> {
  const root = await mkdtemp(join(tmpdir(), 'pbr-apply-'));
  const host: FakeHost = {
    root,
    stateDir: join(root, 'run', 'pbr'),
    objects: new Set(['foreign-rule']),
    sysctls: new Map([['/proc/sys/net/ipv4/ip_forward', '0\n']]),
    calls: [],
    failing: new Set(),
    run: async (argv, options) => {
      const command = argv.join(' ');
      host.calls.push(options?.netns === undefined ? command : `${command} @${options.netns}`);
      await host.onRun?.(command);
      const result = (exitCode: number, stderr = ''): ExecResult => ({ argv, exitCode, stdout: '', stderr });
      if (host.failing.has(command)) return result(2, `RTNETLINK answers: Operation not permitted (${command})\n`);
      const [verb, object] = argv;
      if (object === undefined) return result(1, 'usage\n');
      if (verb === 'add') {
        if (host.objects.has(object)) return result(2, 'RTNETLINK answers: File exists\n');
        host.objects.add(object);
        return result(0);
      }
      if (verb === 'del') {
        if (!host.objects.delete(object)) return result(2, 'RTNETLINK answers: No such file or directory\n');
        return result(0);
      }
      if (verb === 'tee') {
        host.sysctls.set(object, options?.input ?? '');
        return result(0);
      }
      return result(127, `${verb}: not found\n`);
    },
    dispose: () => rm(root, { recursive: true, force: true }),
  };
  return host;
}

/** Every file under root except pbr's state dir: path → mode and content. */
export async function listFiles(root: string, dir = ''): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const names = await readdir(join(root, dir)).catch(() => []);
  for (const name of names.sort()) {
    const rel = `${dir}/${name}`;
    if (rel === '/run') continue;
    const path = join(root, rel);
    const st = await stat(path);
    if (st.isDirectory()) {
      out[`${rel}/`] = (st.mode & 0o7777).toString(8);
      Object.assign(out, await listFiles(root, rel));
    } else {
      out[rel] = `${(st.mode & 0o7777).toString(8)} ${await readFile(path, 'utf8')}`;
    }
  }
  return out;
}

export function addChange(object: PlannedChange['object'], name: string): PlannedChange {
  return { object, action: 'add', summary: `add ${object} ${name}`, apply: [{ kind: 'run', argv: ['add', name] }], revert: [{ kind: 'run', argv: ['del', name] }] };
}
