// martians-unlogged: rp_filter drops packets on some interface while log_martians is off there, so the drops are silent.
import { Sysctls } from '../../engine/sysctl.ts';
import type { LintCheck, LintFinding } from '../../model/lint.ts';

const ID = 'martians-unlogged';

/** "strict" (1) or "loose" (2): rp_filter's effective mode, max(all, dev). */
function mode(rpFilter: number): string {
  return rpFilter === 1 ? 'strict' : 'loose';
}

// Info, not warning: the setting loses no packet by itself, it only hides the drops rp_filter makes anyway; a
// warning would make `pbr lint` exit 1 on every stock distribution host (rp_filter on, log_martians off).
export const check: LintCheck = {
  id: ID,
  severity: 'info',
  title: 'rp_filter is on but log_martians is off, so its drops are silent',
  run({ state }) {
    const sysctls = Sysctls.of(state);
    // rp_filter is max(all, dev), log_martians is all || dev (spec §10; IN_DEV_MAXCONF, IN_DEV_LOG_MARTIANS)
    const silent = state.links
      .filter((l) => !l.loopback && l.up)
      .map((l) => ({ dev: l.name, rpFilter: sysctls.rpFilter(l.name) }))
      .filter(({ dev, rpFilter }) => rpFilter > 0 && !sysctls.logMartians(dev));
    if (silent.length === 0) return [];
    const finding: LintFinding = {
      id: ID,
      severity: 'info',
      message:
        `rp_filter is on for ${silent.map(({ dev, rpFilter }) => `${dev} (${mode(rpFilter)})`).join(', ')} but log_martians is off: ` +
        'packets it drops as martians vanish without a trace in the kernel log, and `pbr explain-log` has nothing to explain',
      hint: 'log them with `sysctl -w net.ipv4.conf.all.log_martians=1` (and persist it in /etc/sysctl.d); the log is rate-limited',
      objects: silent.map(({ dev }) => `dev ${dev}`),
    };
    return [finding];
  },
};
