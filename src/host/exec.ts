// Runs a program (argv array, never a shell), optionally inside a network namespace, and captures its output.
import { spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { constants as osConstants } from 'node:os';
import { delimiter, join } from 'node:path';
import { SystemError } from '../model/errors.ts';

export interface ExecOptions {
  /** run inside this network namespace (`ip netns exec NAME …`; needs root) */
  readonly netns?: string;
  /** text written to the program's stdin */
  readonly input?: string;
}

export interface ExecResult {
  /** the argv actually run (with the `ip netns exec NAME` prefix when a netns was given) */
  readonly argv: readonly string[];
  /** exit status; 128 + signal number when the program was killed */
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The program could not be started at all (not installed, not executable). */
export class SpawnError extends SystemError {
  constructor(
    readonly program: string,
    readonly errorCode: string,
    message: string,
  ) {
    super(`cannot run ${program}: ${message}`, errorCode === 'ENOENT' ? `install ${program} or put it on PATH` : undefined);
  }
}

/** argv with the `ip netns exec NAME` prefix when a netns is given. */
export function netnsArgv(argv: readonly string[], netns?: string): string[] {
  return netns === undefined ? [...argv] : ['ip', 'netns', 'exec', netns, ...argv];
}

/** Runs argv to completion; a non-zero exit is a result, not an error. Throws SpawnError when it cannot start. */
export function runProgram(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
  const full = netnsArgv(argv, options.netns);
  const [program, ...args] = full;
  if (program === undefined) return Promise.reject(new SystemError('runProgram: empty argv'));
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error: NodeJS.ErrnoException) => {
      reject(new SpawnError(program, error.code ?? 'UNKNOWN', error.message));
    });
    child.on('close', (code, signal) => {
      resolve({
        argv: full,
        exitCode: code ?? 128 + (signal === null ? 0 : osConstants.signals[signal]),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/** Whether `name` is an executable file on PATH (of this process; `ip netns exec` keeps PATH). */
export async function programExists(name: string): Promise<boolean> {
  const dirs = (process.env['PATH'] ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin').split(delimiter);
  for (const dir of dirs) {
    if (dir === '') continue;
    try {
      await access(join(dir, name), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}
