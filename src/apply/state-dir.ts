// Where pbr keeps its lock and journals: /run/pbr (gone at reboot, like the kernel state it describes).
import { join } from 'node:path';

export interface StateLocation {
  /** prefix for every file pbr touches (tests) */
  readonly root?: string;
  /** overrides ROOT/run/pbr */
  readonly stateDir?: string;
}

export function stateDirOf(location: StateLocation): string {
  return location.stateDir ?? join(location.root ?? '/', 'run', 'pbr');
}
