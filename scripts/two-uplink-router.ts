// A throwaway router namespace with lan0, wan1 and wan2 (veth peers in a second namespace) for the recording
// scripts: they configure it, and it is captured with `pbr snapshot` into a file, then deleted whatever happens.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { captureSnapshot } from '../src/host/capture-snapshot.ts';

export interface RouterNamespace {
  /** `ip -n ROUTER ARGS…` */
  ip(...args: string[]): void;
  /** a command inside the router namespace, with optional stdin */
  exec(argv: readonly string[], input?: string): void;
  sysctl(key: string, value: string): void;
}

const ip = (...args: string[]): void => {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'inherit'] });
};

/** Builds the router (namespace prefix `prefix`), lets `configure` set it up, and writes its snapshot to `output`. */
export async function recordTwoUplinkRouter(prefix: string, output: URL, configure: (router: RouterNamespace) => void): Promise<void> {
  const router = `${prefix}-router-${process.pid}`;
  const peers = `${prefix}-peers-${process.pid}`;
  const exec = (argv: readonly string[], input?: string): void => {
    execFileSync('ip', ['netns', 'exec', router, ...argv], { input: input ?? '', stdio: ['pipe', 'inherit', 'inherit'] });
  };
  const ns: RouterNamespace = {
    ip: (...args) => ip('-n', router, ...args),
    exec,
    sysctl: (key, value) => exec(['sysctl', '-qw', `${key}=${value}`]),
  };
  try {
    ip('netns', 'add', router);
    ip('netns', 'add', peers);
    ns.ip('link', 'set', 'lo', 'up');
    for (const [dev, peer] of [['lan0', 'client'], ['wan1', 'isp1'], ['wan2', 'isp2']] as const) {
      ns.ip('link', 'add', dev, 'type', 'veth', 'peer', 'name', peer, 'netns', peers);
      ip('-n', peers, 'link', 'set', peer, 'up');
    }
    configure(ns);
    const snapshot = await captureSnapshot({ netns: router });
    writeFileSync(output, `${JSON.stringify({ ...snapshot, netns: 'router' }, null, 2)}\n`);
    console.log(`wrote ${fileURLToPath(output)}`);
  } finally {
    for (const name of [router, peers]) {
      try {
        ip('netns', 'del', name);
      } catch {
        // already gone
      }
    }
  }
}
