// Real packets in the lab: probe.mjs servers that record the peer they saw, and one-shot clients.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runProgram } from '../../src/host/exec.ts';
import type { Lab, LabNode } from './lab.ts';

const PROBE = fileURLToPath(new URL('./probe.mjs', import.meta.url));

const READY_TIMEOUT_MS = 5000;

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
  // stdin stays open while this process lives: the server exits when it closes, so a killed test leaves none behind
  const child: ChildProcess = spawn('ip', argv, { stdio: ['pipe', 'pipe', 'pipe'] });
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
    const timer = setTimeout(() => {
      reject(new Error(`probe server in ${node} not ready after ${READY_TIMEOUT_MS} ms: ${stderr.trim()}`));
      child.kill('SIGTERM');
    }, READY_TIMEOUT_MS);
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
        if (message.event === 'ready') {
          clearTimeout(timer);
          resolve(server);
        }
        else if (message.event === 'tcp' || message.event === 'udp') events.push(message as SeenEvent);
        else reject(new Error(`probe server in ${node}: ${line}`));
      }
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`probe server in ${node} exited ${code}: ${stderr.trim()}`));
    });
  });
}

export type ExchangeOptions =
  | {
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
  | {
      /** one echo request with ping */
      readonly proto: 'icmp';
      readonly to: string;
      readonly from?: string;
      /** the echo identifier (it plays the source port's part in conntrack and NAT) */
      readonly sport?: number;
      /** the socket's SO_MARK (ping -m) */
      readonly mark?: number;
      readonly timeoutMs?: number;
    };

export type ExchangeResult =
  | { readonly ok: true; readonly local?: string; readonly localPort?: number; readonly seen?: SeenEvent }
  | { readonly ok: false; readonly error: string };

/** One TCP connection, UDP request/answer or ICMP echo from a node; `seen` is what the far side saw of us (TCP, UDP). */
export async function exchange(lab: Lab, node: LabNode, options: ExchangeOptions): Promise<ExchangeResult> {
  const timeoutMs = options.timeoutMs ?? 1500;
  if (options.proto === 'icmp') {
    const argv = ['ping', '-n', '-q', '-c', '1', '-W', String(timeoutMs / 1000)];
    if (options.sport !== undefined) argv.push('-e', String(options.sport));
    if (options.mark !== undefined) argv.push('-m', String(options.mark));
    if (options.from !== undefined) argv.push('-I', options.from);
    const result = await runProgram([...argv, options.to], { netns: lab.ns[node] });
    if (result.exitCode > 1) throw new Error(`${result.argv.join(' ')} exited ${result.exitCode}: ${result.stderr.trim()}`);
    return result.exitCode === 0 ? { ok: true } : { ok: false, error: 'no echo reply' };
  }
  const probe = [process.execPath, PROBE, options.proto, '--to', options.to, '--port', String(options.port), '--timeout', String(timeoutMs)];
  if (options.from !== undefined) probe.push('--from', options.from);
  if (options.sport !== undefined) probe.push('--sport', String(options.sport));
  const asUser = options.uid === undefined ? [] : ['setpriv', `--reuid=${options.uid}`, `--regid=${options.uid}`, '--clear-groups'];
  const result = await runProgram([...asUser, ...probe], { netns: lab.ns[node] });
  if (result.exitCode !== 0) throw new Error(`${result.argv.join(' ')} exited ${result.exitCode}: ${result.stderr.trim()}`);
  return JSON.parse(result.stdout) as ExchangeResult;
}
