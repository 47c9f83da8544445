// `ip -force -batch -` output handling: which batch lines failed, with which message, and whether ip
// died half-way (iproute2 exits on some argument errors even with -force).

export interface BatchStderr {
  /** 1-based batch line -> the error text printed before its "Command failed -:N" */
  readonly failures: ReadonlyMap<number, string>;
  /** error text after the last "Command failed" line: ip aborted without reporting a line */
  readonly trailing: string;
}

const FAILED_LINE = /^Command failed (.*):(\d+)$/;

export function parseBatchStderr(stderr: string): BatchStderr {
  const failures = new Map<number, string>();
  let pending: string[] = [];
  for (const line of stderr.split('\n')) {
    const m = FAILED_LINE.exec(line);
    if (m) {
      failures.set(Number(m[2]), pending.join('\n'));
      pending = [];
    } else if (line.trim() !== '') {
      pending.push(line);
    }
  }
  return { failures, trailing: pending.join('\n') };
}

/** The batch text for argument lists (arguments never contain blanks: they come from our generators). */
export function formatBatch(lines: readonly (readonly string[])[]): string {
  return lines.map((l) => `${l.join(' ')}\n`).join('');
}
