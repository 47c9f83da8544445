// Exceptions for when nothing sensible can continue. Each carries the process exit status.
export const ExitCode = {
  ok: 0,
  findings: 1,
  usage: 2,
  invalidInput: 3,
  system: 4,
  applyRolledBack: 5,
  rollbackFailed: 6,
  internal: 70,
} as const;

export class PbrError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    readonly hint?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad command line: exit 2. */
export class UsageError extends PbrError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.usage, hint);
  }
}

/** Invalid snapshot, intent or dump: exit 3. */
export class InvalidInputError extends PbrError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.invalidInput, hint);
  }
}

/** A command we ran failed: exit 4. */
export class SystemError extends PbrError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.system, hint);
  }
}
