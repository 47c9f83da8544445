// Compares the kernel's answer with pbr's on the contract fields of `ip -d -j route get`
// (docs/architecture.md §3): nothing that the contract says must be equal is normalised.
import type { KernelAnswer } from './kernel-answer.ts';

export const CONTRACT_FIELDS = ['type', 'dst', 'from', 'gateway', 'dev', 'table', 'prefsrc', 'iif', 'mark', 'uid'] as const;

export interface FieldDiff {
  /** a contract field, "errno"/"message" for failures, or "outcome" when one side failed */
  readonly field: string;
  readonly kernel: unknown;
  readonly pbr: unknown;
}

/** pbr's `-j` output for one query: the printed array, parsed. */
export type PbrJson = unknown;

/** The kernel's answer in the shape pbr must print with -j. */
export function kernelAnswerJson(k: KernelAnswer): unknown[] {
  return k.ok ? [k.route] : [{ error: { errno: k.errno, message: k.message } }];
}

function onlyObject(json: PbrJson): Record<string, unknown> | undefined {
  if (!Array.isArray(json) || json.length !== 1) return undefined;
  const [first] = json as unknown[];
  return typeof first === 'object' && first !== null && !Array.isArray(first) ? (first as Record<string, unknown>) : undefined;
}

const show = (v: unknown): string => (v === undefined ? 'undefined' : JSON.stringify(v));

/** The oracles report a crash or a failed CLI run as an object instead of the printed array. */
function describeBadOutput(pbr: PbrJson): string {
  if (typeof pbr === 'object' && pbr !== null && !Array.isArray(pbr)) {
    const o = pbr as Record<string, unknown>;
    if (typeof o['crash'] === 'string') return `crash (${o['crash'].split(':')[0] ?? ''})`;
    if (o['cliFailure'] !== undefined) return 'cli failure';
  }
  return 'not a one-element array';
}

export function compareAnswers(kernel: KernelAnswer, pbr: PbrJson): FieldDiff[] {
  const obj = onlyObject(pbr);
  if (!obj) return [{ field: 'outcome', kernel: kernel.ok ? 'route' : kernel.errno, pbr: describeBadOutput(pbr) }];
  const error = obj['error'];
  if (!kernel.ok) {
    if (typeof error !== 'object' || error === null) return [{ field: 'outcome', kernel: kernel.errno, pbr: `route ${show(obj['type'])}` }];
    const e = error as Record<string, unknown>;
    const diffs: FieldDiff[] = [];
    if (e['errno'] !== kernel.errno) diffs.push({ field: 'errno', kernel: kernel.errno, pbr: e['errno'] });
    else if (e['message'] !== kernel.message) diffs.push({ field: 'message', kernel: kernel.message, pbr: e['message'] });
    return diffs;
  }
  if (error !== undefined) {
    const e = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
    return [{ field: 'outcome', kernel: `route ${show(kernel.route['type'])}`, pbr: e['errno'] ?? show(error) }];
  }
  const diffs: FieldDiff[] = [];
  for (const field of CONTRACT_FIELDS) {
    const k = kernel.route[field];
    const p = obj[field];
    if (show(k) !== show(p)) diffs.push({ field, kernel: k, pbr: p });
  }
  return diffs;
}

export function formatDiffs(diffs: readonly FieldDiff[]): string {
  return diffs.map((d) => `${d.field}: kernel ${show(d.kernel)} / pbr ${show(d.pbr)}`).join('; ');
}
