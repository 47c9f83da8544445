// `pbr example`: the seed scenario offline — the intent of examples/pbr.yaml planned against a recorded two-uplink
// router, applied in the model (appliedState), then traced: where ssh, http and their replies go.
import { fileURLToPath } from 'node:url';
import { isLinkLocal6 } from '../addr/classify.ts';
import { formatPrefix } from '../addr/prefix.ts';
import { loadSnapshot } from '../host/load-snapshot.ts';
import { parseIntent } from '../intent/parse-intent.ts';
import { formatDiagnostic } from '../model/diagnostics.ts';
import { ExitCode } from '../model/errors.ts';
import type { Intent } from '../model/intent.ts';
import type { NetworkState } from '../model/network-state.ts';
import { appliedState } from '../plan/applied-state.ts';
import { compileIntent } from '../plan/compile-intent.ts';
import { planChanges } from '../plan/plan-changes.ts';
import { describeRequest, verifyPolicies } from '../plan/policy-checks.ts';
import { EXAMPLE_TRACES, renderCompactTrace, summarizeJourney, traceExampleCase } from './example-traces.ts';
import type { CliIo } from './io.ts';
import { renderPlanText } from './plan-output.ts';

/** The files of the example: names as printed, paths as read. */
export interface ExampleFiles {
  readonly snapshotName: string;
  readonly snapshot: string;
  readonly intentName: string;
  readonly intent: string;
}

const BUNDLED: ExampleFiles = {
  snapshotName: 'examples/two-uplinks.snapshot.json',
  snapshot: fileURLToPath(new URL('../../examples/two-uplinks.snapshot.json', import.meta.url)),
  intentName: 'examples/pbr.yaml',
  intent: fileURLToPath(new URL('../../examples/pbr.yaml', import.meta.url)),
};

const RP_FILTER = ['off', 'strict', 'loose'];

/** One line per device with addresses: its addresses, default routes through it, its effective rp_filter. */
function hostLines(state: NetworkState): string[] {
  const devs = [...new Set(state.addresses.filter((a) => a.dev !== 'lo').map((a) => a.dev))];
  const all = Number(state.sysctls.get('net/ipv4/conf/all/rp_filter') ?? 0);
  return devs.map((dev) => {
    const addresses = state.addresses.filter((a) => a.dev === dev && !isLinkLocal6(a.local)).map((a) => formatPrefix({ address: a.local, length: a.prefixLength }));
    const defaults = state.routes.filter((r) => r.table === 254 && r.dst.length === 0 && r.nexthops.some((nh) => nh.dev === dev));
    // rp_filter in effect is the larger of conf/all and conf/DEV (spec §7.2, fib_validate_source())
    const rpFilter = Math.max(all, Number(state.sysctls.get(`net/ipv4/conf/${dev}/rp_filter`) ?? 0));
    const notes = [...(defaults.length > 0 ? ['the default route'] : []), `rp_filter ${RP_FILTER[rpFilter] ?? rpFilter}`];
    return `  ${dev.padEnd(6)}${addresses.join(' ').padEnd(36)} ${notes.join(', ')}`;
  });
}

function intentLines(text: string): string[] {
  return text.trimEnd().split('\n').filter((l) => !l.startsWith('#')).map((l) => `  ${l}`);
}

function verificationLines(intent: Intent, after: NetworkState): { lines: string[]; failed: number } {
  const results = verifyPolicies(intent, after);
  const failed = results.filter((r) => !r.ok).length;
  const lines = results.map((r) => {
    const share = r.check.expect.probability === undefined ? '' : ` ${Number((r.check.expect.probability * 100).toFixed(2))}%`;
    return `  ${r.ok ? 'ok    ' : 'NOT OK'}  ${r.check.policy}: ${describeRequest(r.check.request)} → ${r.check.expect.dev}${share}${r.ok ? '' : ` (got ${r.got})`}`;
  });
  lines.push(failed === 0 ? `all ${results.length} checks ok: every policy leads where the intent says` : `${failed} of ${results.length} checks NOT OK`);
  return { lines, failed };
}

/** Exit 0 when every check holds on the applied state, 1 (findings) when one does not. */
export async function runExample(io: CliIo, files: ExampleFiles = BUNDLED): Promise<number> {
  const { value: live } = await loadSnapshot(files.snapshot);
  const intentText = await io.readText(files.intent);
  const parsed = parseIntent(intentText, files.intentName);
  if (parsed.value === undefined) throw new Error(`${files.intentName} is invalid: ${parsed.diagnostics.map(formatDiagnostic).join('; ')}`);
  const intent = parsed.value;
  const compiled = compileIntent(intent, live);
  if (compiled.diagnostics.some((d) => d.severity === 'error')) throw new Error(`${files.intentName} does not compile on ${files.snapshotName}`);
  const plan = planChanges(live, compiled.value);
  const after = appliedState(live, compiled.value);
  const traced = EXAMPLE_TRACES.map((t) => traceExampleCase(t, live, after));

  const out: string[] = [
    'pbr example: the seed scenario — a router with two uplinks, ssh over one, http over the other — computed offline',
    '(no root needed, nothing on this machine changes).',
    '',
    `The host, recorded from a real network namespace (${files.snapshotName}):`,
    ...hostLines(live),
    '',
    `The intent (${files.intentName}):`,
    ...intentLines(intentText),
    '',
    `== 1. The plan: what \`pbr plan -c ${files.intentName} --snapshot ${files.snapshotName}\` prints`,
    renderPlanText(plan).trimEnd(),
    ...plan.conflicts.map((c) => `conflict (${c.object}): ${c.message}\nhint: ${c.hint}`),
    ...compiled.diagnostics.map((d) => `pbr: ${formatDiagnostic(d)}`),
    '',
    `== 2. After the apply (computed offline), \`pbr plan\` finds ${planChanges(after, compiled.value).changes.length === 0 ? 'nothing left to change' : 'changes left: re-apply would not be a no-op'}. Where the packets go:`,
    ...traced.flatMap((c, i) => [
      `  ${i + 1}. ${c.trace.title}`,
      `     before: ${summarizeJourney(c.before, live)}`,
      `     after:  ${summarizeJourney(c.after, after)}`,
    ]),
    '',
  ];
  traced.forEach((c, i) => {
    const { text, left } = renderCompactTrace(c.after, after);
    out.push(`== 2.${i + 1} ${c.trace.title}`, `$ pbr trace --reply ${c.trace.args}    # after the apply`, text.trimEnd());
    if (left > 0) out.push(`(${left} rule${left === 1 ? '' : 's'} that did not match left out; pbr trace shows every one)`);
    out.push('');
  });
  const verification = verificationLines(intent, after);
  out.push('== 3. The checks `pbr apply` runs after applying, on the same state: each policy\'s packets and the uplink they must take', ...verification.lines, '');
  out.push(
    'On your own host: pbr snapshot -o host.json && pbr plan -c pbr.yaml --snapshot host.json',
    '                  pbr apply -c pbr.yaml --confirm 60   # as root; rolls back unless `pbr confirm` follows',
  );
  io.stdout.write(`${out.join('\n')}\n`);
  return verification.failed === 0 ? ExitCode.ok : ExitCode.findings;
}
