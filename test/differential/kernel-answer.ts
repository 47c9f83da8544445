// Asks the kernel: `ip -n NS -d -j -force -batch -` with one `route get` per line, and pairs each
// answer with its query (successes in order on stdout, failures by line number on stderr).
import { ERRNO_MESSAGES } from '../../src/model/route-query.ts';
import { execArgv } from './exec.ts';
import { formatBatch, parseBatchStderr } from './ip-batch.ts';

export type KernelAnswer =
  | { readonly ok: true; readonly route: Readonly<Record<string, unknown>> }
  | { readonly ok: false; readonly errno: string; readonly message: string };

/** Kernel extended-ack messages of route get, with the errno they come with (ip prints no errno then). */
const EXTACK_ERRNO: Readonly<Record<string, string>> = {
  'Unsupported ip proto.': 'EOPNOTSUPP',
};

/** strerror texts beyond the model's ERRNO_MESSAGES that `ip route get` was seen to print. */
const EXTRA_ERRNO_MESSAGES: Readonly<Record<string, string>> = {
  EMSGSIZE: 'Message too long',
};

const RTNETLINK = 'RTNETLINK answers: ';

/** The errno behind an `ip` error text; unknown texts keep the text so that they surface as mismatches. */
export function kernelErrorAnswer(text: string): KernelAnswer {
  const line = text.split('\n').find((l) => l.startsWith(RTNETLINK) || l.startsWith('Error: ')) ?? text.trim();
  if (line.startsWith(RTNETLINK)) {
    const message = line.slice(RTNETLINK.length);
    const errno = Object.entries({ ...ERRNO_MESSAGES, ...EXTRA_ERRNO_MESSAGES }).find(([, m]) => m === message)?.[0];
    return { ok: false, errno: errno ?? `UNKNOWN(${message})`, message };
  }
  // the contract's "message" is the strerror text of the errno, not the extack text ip printed
  const extack = line.replace(/^Error: /, '');
  const errno = EXTACK_ERRNO[extack];
  const strerror = errno === undefined ? undefined : ({ ...ERRNO_MESSAGES, ...EXTRA_ERRNO_MESSAGES } as Record<string, string>)[errno];
  return { ok: false, errno: errno ?? `UNKNOWN(${extack})`, message: strerror ?? extack };
}

export function parseKernelRouteLine(line: string): KernelAnswer {
  const parsed: unknown = JSON.parse(line);
  if (!Array.isArray(parsed) || parsed.length !== 1 || typeof parsed[0] !== 'object' || parsed[0] === null) {
    throw new Error(`unexpected ip -j route get output: ${line}`);
  }
  return { ok: true, route: parsed[0] as Record<string, unknown> };
}

/** `queries` are the words after `route get`. */
export async function askKernel(router: string, queries: readonly (readonly string[])[]): Promise<KernelAnswer[]> {
  if (queries.length === 0) return [];
  const lines = queries.map((q) => ['route', 'get', ...q]);
  const r = await execArgv(['ip', '-n', router, '-d', '-j', '-force', '-batch', '-'], formatBatch(lines));
  const parsed = parseBatchStderr(r.stderr);
  const outputs = r.stdout.split('\n').filter((l) => l.trim() !== '');
  if (parsed.trailing !== '' || outputs.length !== queries.length - parsed.failures.size) {
    return askKernelEach(router, queries);
  }
  let next = 0;
  return queries.map((_, i) => {
    const failure = parsed.failures.get(i + 1);
    if (failure !== undefined) return kernelErrorAnswer(failure);
    return parseKernelRouteLine(outputs[next++] as string);
  });
}

/** One `ip` per query: slow, used when a batch cannot be paired reliably. */
export async function askKernelEach(router: string, queries: readonly (readonly string[])[]): Promise<KernelAnswer[]> {
  const answers: KernelAnswer[] = [];
  for (const q of queries) {
    const r = await execArgv(['ip', '-n', router, '-d', '-j', 'route', 'get', ...q]);
    const out = r.stdout.trim();
    answers.push(r.code === 0 && out !== '' ? parseKernelRouteLine(out) : kernelErrorAnswer(r.stderr));
  }
  return answers;
}
