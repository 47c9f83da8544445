// Real packets in the lab: probe.mjs servers that record the peer they saw, and one-shot clients.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runProgram } from '../../src/host/exec.ts';
import type { Lab, LabNode } from './lab.ts';

const PROBE = fileURLToPath(new URL('./probe.mjs', import.meta.url));

/** What a probe server saw: one connection or datagram. */
export interface SeenEvent {
  readonly event: 'tcp' | 'udp';
  readonly localPort: number;
  readonly peer: string;
  readonly peerPort: number;
}

export interface ProbeServer {
  /** every connection/datagram so far */
  readonly events: SeenEvent[];
  stop(): Promise<void>;
}

/** Starts `probe.mjs serve` in a node's namespace and waits until it listens. */
export function startServer(lab: Lab, node: LabNode, ports: { tcp?: readonly number[]; udp?: readonly number[] }): Promise<ProbeServer> {
  const argv = ['netns', 'exec', lab.ns[node], process.execPath, PROBE, 'serve', '--tcp', (ports.tcp ?? []).join(','), '--udp', (ports.udp ?? []).join(',')];
  const child: ChildProcess = spawn('ip', argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  const events: SeenEvent[] = [];
  let stderr = '';
  let pending = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const server: ProbeServer = {
    events,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
  return new Promise((resolve, reject) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      let newline: number;
      while ((newline = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        const message = JSON.parse(line) as { event: string };
        if (message.event === 'ready') resolve(server);
        else if (message.event === 'tcp' || message.event === 'udp') events.push(message as SeenEvent);
        else reject(new Error(`probe server in ${node}: ${line}`));
      }
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`probe server in ${node} exited ${code}: ${stderr.trim()}`)));
  });
}

export interface ExchangeOptions {
  readonly proto: 'tcp' | 'udp';
  readonly to: string;
  readonly port: number;
  /** bind to this local address */
  readonly from?: string;
  readonly sport?: number;
  /** run as this uid (and gid) with setpriv */
  readonly uid?: number;
  /** give up after this long (default 1500 ms) */
  readonly timeoutMs?: number;
}

export type ExchangeResult =
  | { readonly ok: true; readonly local: string; readonly localPort: number; readonly seen: SeenEvent }
  | { readonly ok: false; readonly error: string };

/** One TCP connection or UDP request/answer from a node; `seen` is what the far side saw of us. */
export async function exchange(lab: Lab, node: LabNode, options: ExchangeOptions): Promise<ExchangeResult> {
  const probe = [process.execPath, PROBE, options.proto, '--to', options.to, '--port', String(options.port), '--timeout', String(options.timeoutMs ?? 1500)];
  if (options.from !== undefined) probe.push('--from', options.from);
  if (options.sport !== undefined) probe.push('--sport', String(options.sport));
  const asUser = options.uid === undefined ? [] : ['setpriv', `--reuid=${options.uid}`, `--regid=${options.uid}`, '--clear-groups'];
  const result = await runProgram([...asUser, ...probe], { netns: lab.ns[node] });
  if (result.exitCode !== 0) throw new Error(`${result.argv.join(' ')} exited ${result.exitCode}: ${result.stderr.trim()}`);
  return JSON.parse(result.stdout) as ExchangeResult;
}
