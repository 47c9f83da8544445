// Kernel log lines about martians (dmesg, dmesg -T, journalctl -k, syslog), with the `ll header:` dump that follows.
import { parseIpv4 } from '../../addr/ipv4.ts';
import type { Ipv4Address } from '../../addr/types.ts';

export interface LinkHeader {
  /** the hex bytes as logged */
  readonly bytes: readonly number[];
  /** Ethernet: destination and source MAC, EtherType; absent for other header lengths */
  readonly ethernet?: { readonly dstMac: string; readonly srcMac: string; readonly etherType: number };
}

export interface MartianLogEntry {
  readonly kind: 'source' | 'destination';
  /** 1-based line number of the martian line */
  readonly line: number;
  /** the martian line as read, prefix included */
  readonly text: string;
  /** seconds since boot from a `[  123.456789]` prefix, when the line has one */
  readonly uptime?: number;
  readonly dst: Ipv4Address;
  readonly src: Ipv4Address;
  readonly dev: string;
  /** the `ll header:` line after a martian source line */
  readonly linkHeader?: LinkHeader;
}

export interface UnrecognizedLine {
  readonly line: number;
  readonly text: string;
  readonly why: string;
}

export interface KernelLogParse {
  readonly entries: readonly MartianLogEntry[];
  readonly unrecognized: readonly UnrecognizedLine[];
}

// mirrors ip_handle_martian_source() and ip_route_input_slow() (martian_destination), net/ipv4/route.c
const MARTIAN_SOURCE = /IPv4: martian source (\S+) from (\S+), on dev (\S+)\s*$/;
const MARTIAN_DESTINATION = /IPv4: martian destination (\S+) from (\S+), dev (\S+)\s*$/;
// print_hex_dump(…, "ll header: ", DUMP_PREFIX_OFFSET, 16, 1, …): offset, then up to 16 bytes (and an ASCII column without ascii=false)
const LL_HEADER = /ll header: ([0-9a-f]{8}): ((?:[0-9a-f]{2} ?)+)/;
const UPTIME = /\[\s*(\d+\.\d+)\]/;

function macOf(bytes: readonly number[]): string {
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

function linkHeaderOf(bytes: readonly number[]): LinkHeader {
  if (bytes.length !== 14) return { bytes };
  return { bytes, ethernet: { dstMac: macOf(bytes.slice(0, 6)), srcMac: macOf(bytes.slice(6, 12)), etherType: ((bytes[12] ?? 0) << 8) | (bytes[13] ?? 0) } };
}

/**
 * Reads kernel log text. Every non-blank line is either a martian line, an `ll header:` line (joined to the
 * martian source line before it; a dump longer than 16 bytes continues on lines of its own), or unrecognized.
 */
export function parseKernelLog(text: string): KernelLogParse {
  const entries: MartianLogEntry[] = [];
  const unrecognized: UnrecognizedLine[] = [];
  let open: { entry: MartianLogEntry; bytes: number[] } | undefined;
  const close = (): void => {
    if (!open) return;
    entries.push(open.bytes.length > 0 ? { ...open.entry, linkHeader: linkHeaderOf(open.bytes) } : open.entry);
    open = undefined;
  };
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = index + 1;
    const body = raw.trimEnd();
    if (body.trim() === '') return;
    const header = LL_HEADER.exec(body);
    if (header) {
      const offset = parseInt(header[1] ?? '', 16);
      const bytes = (header[2] ?? '').trim().split(/\s+/).map((h) => parseInt(h, 16));
      if (open && open.entry.kind === 'source' && offset === open.bytes.length) open.bytes.push(...bytes);
      else unrecognized.push({ line, text: raw, why: 'an ll header line without a martian source line before it' });
      return;
    }
    close();
    const source = MARTIAN_SOURCE.exec(body);
    const destination = source ? undefined : MARTIAN_DESTINATION.exec(body);
    const match = source ?? destination;
    if (!match) {
      unrecognized.push({ line, text: raw, why: 'not a martian log line' });
      return;
    }
    const dst = parseIpv4(match[1] ?? '');
    const src = parseIpv4(match[2] ?? '');
    if (!dst || !src) {
      unrecognized.push({ line, text: raw, why: 'the addresses are not IPv4 addresses' });
      return;
    }
    const uptime = UPTIME.exec(body.slice(0, match.index))?.[1];
    open = {
      entry: { kind: source ? 'source' : 'destination', line, text: raw, ...(uptime !== undefined ? { uptime: Number(uptime) } : {}), dst, src, dev: match[3] ?? '' },
      bytes: [],
    };
  });
  close();
  return { entries, unrecognized };
}
