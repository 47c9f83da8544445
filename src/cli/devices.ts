// Device names on the command line, resolved against the snapshot as iproute2 resolves them (ll_name_to_index()).
import type { NetworkState } from '../model/network-state.ts';
import { PbrError, ExitCode } from '../model/errors.ts';

/** `ip` could not resolve a device name: it prints `Cannot find device "X"`; pbr exits 2. */
export class UnknownDeviceError extends PbrError {
  constructor(
    readonly device: string,
    known: readonly string[],
  ) {
    super(`Cannot find device "${device}"`, ExitCode.usage, `devices in the snapshot: ${known.join(', ')}`);
  }
}

export type DeviceResolution =
  | { readonly kind: 'found'; readonly name: string }
  /** "ifN" naming an index that does not exist: the kernel answers ENODEV */
  | { readonly kind: 'no-such-index' };

export class DeviceIndex {
  private readonly byName: ReadonlyMap<string, string>;
  private readonly byIndex: ReadonlyMap<number, string>;
  private readonly names: readonly string[];

  constructor(state: NetworkState) {
    this.byName = new Map(state.links.map((l) => [l.name, l.name]));
    this.byIndex = new Map(state.links.map((l) => [l.ifindex, l.name]));
    this.names = [...state.links].sort((a, b) => a.ifindex - b.ifindex).map((l) => l.name);
  }

  // mirrors ll_name_to_index(), lib/ll_map.c: the name, else "if<N>" as an index
  resolve(name: string): DeviceResolution {
    const known = this.byName.get(name);
    if (known !== undefined) return { kind: 'found', name: known };
    const m = /^if(\d+)/.exec(name);
    const index = m ? Number(m[1]) : 0;
    if (index === 0 || index > 0xffffffff) throw new UnknownDeviceError(name, this.names);
    const byIndex = this.byIndex.get(index);
    return byIndex !== undefined ? { kind: 'found', name: byIndex } : { kind: 'no-such-index' };
  }
}
