// Lint: checks on a host's state (and optionally an intent) that find what makes packets disappear.
import type { Severity } from './diagnostics.ts';
import type { Intent } from './intent.ts';
import type { NetworkState } from './network-state.ts';

/** What a check looks at: a snapshot's state, and the intent when linting `-c pbr.yaml`. */
export interface LintInput {
  readonly state: NetworkState;
  readonly intent?: Intent;
}

export interface LintFinding {
  /** the check's stable id, e.g. "rule-table-empty"; its page is docs/lint/<id>.md */
  readonly id: string;
  readonly severity: Severity;
  /** names the objects involved: rule priority, table, chain and rule handle, interface */
  readonly message: string;
  /** a concrete fix */
  readonly hint: string;
  /** the objects named, for JSON consumers: "rule 100", "table isp2", "nft inet pbr prerouting handle 4", "dev wan2" */
  readonly objects: readonly string[];
}

export interface LintCheck {
  readonly id: string;
  /** severity of its findings */
  readonly severity: Severity;
  /** one line: what it finds */
  readonly title: string;
  run(input: LintInput): readonly LintFinding[];
}
