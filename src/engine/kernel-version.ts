// The kernel release of a snapshot, for behaviour that changed between versions.

export interface KernelVersion {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
}

/** Reads "6.18.44-fc-v657" as 6.18.44; an unreadable release counts as the newest behaviour. */
export function parseKernelRelease(release: string): KernelVersion {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(release);
  if (!m) return { major: Number.MAX_SAFE_INTEGER, minor: 0, patch: 0 };
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0) };
}

export function kernelAtLeast(v: KernelVersion, major: number, minor: number): boolean {
  return v.major > major || (v.major === major && v.minor >= minor);
}
