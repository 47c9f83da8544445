// `options:` of the intent file: the priority, table and mark space pbr owns, and the sysctls it manages.
import type { IntentOptions } from '../model/intent.ts';
import { formatHex32, readBoolean, readRange, toInteger } from './intent-values.ts';
import { describe, scalarValue, type YamlField, type YamlReader } from './yaml-reader.ts';

/**
 * The defaults, chosen to stay clear of what other software on a multi-homed host uses:
 * - rule priorities 10000-10999: after Tailscale (5210-5270), before wg-quick and the kernel's
 *   main/default rules (32764-32767);
 * - table ids 10000-10999: not 0 or 253-255 (the kernel's), 52 (Tailscale), 51820 (wg-quick),
 *   1-250 (Calico), 2004/2005 (Cilium);
 * - mark mask 0x0f000000: disjoint from Tailscale (0x00ff0000), kube-proxy (0x4000, 0x8000),
 *   wg-quick's 0xca6c (51820), Cilium's 0x0f00, mwan3's 0x3f00 and the small marks of hand-written setups.
 */
export const DEFAULT_INTENT_OPTIONS: IntentOptions = {
  rulePriorities: { start: 10000, end: 10999 },
  tableIds: { start: 10000, end: 10999 },
  markMask: 0x0f000000,
  forwarding: false,
  rpFilter: 'loose',
  logMartians: false,
};

const OPTION_KEYS = ['rule_priorities', 'table_ids', 'mark_mask', 'forwarding', 'rp_filter', 'log_martians'] as const;

// the kernel's own rules sit at 0 (local), 32766 (main) and 32767 (default)
const FIRST_FREE_PREF = 1;
const LAST_FREE_PREF = 32765;
const RT_TABLE_DEFAULT = 253;
const RT_TABLE_LOCAL = 255;
const MAX_U32 = 0xffffffff;

/** The options as written, defaults for what is left out; undefined for an option that is wrong. */
export type ReadOptions = { readonly [K in keyof IntentOptions]: IntentOptions[K] | undefined };

export function parseOptions(r: YamlReader, field: YamlField | undefined): ReadOptions {
  const d = DEFAULT_INTENT_OPTIONS;
  if (field === undefined) return d;
  const map = r.map(field.value, field.at, 'options');
  if (!map) return d;
  const f = r.fields(map, 'options', OPTION_KEYS);
  const get = <T>(key: (typeof OPTION_KEYS)[number], fallback: T, read: (x: YamlField) => T | undefined): T | undefined => {
    const x = f.get(key);
    return x === undefined ? fallback : read(x);
  };
  return {
    rulePriorities: get('rule_priorities', d.rulePriorities, (x) =>
      readRange(r, x.value, x.at, 'options.rule_priorities', {
        min: FIRST_FREE_PREF, max: LAST_FREE_PREF, code: 'intent-bad-range', what: 'a rule priority',
        hint: 'priority 0 is the local rule, 32766 and 32767 are the main and default rules; e.g. "10000-10999"',
      })),
    tableIds: get('table_ids', d.tableIds, (x) => readTableIds(r, x)),
    markMask: get('mark_mask', d.markMask, (x) => readMarkMask(r, x)),
    forwarding: get('forwarding', d.forwarding, (x) => readBoolean(r, x.value, x.at, 'options.forwarding')),
    rpFilter: get('rp_filter', d.rpFilter, (x) => {
      const v = scalarValue(x.value);
      if (v === 'loose' || v === 'keep') return v;
      r.error(x.at, 'intent-bad-option', `options.rp_filter must be 'loose' or 'keep', not ${describe(x.value)}`,
        "'loose' sets rp_filter 2 on the uplinks so replies on another uplink are not dropped as martians; 'keep' leaves it");
      return undefined;
    }),
    logMartians: get('log_martians', d.logMartians, (x) => readBoolean(r, x.value, x.at, 'options.log_martians')),
  };
}

function readTableIds(r: YamlReader, x: YamlField): IntentOptions['tableIds'] | undefined {
  const range = readRange(r, x.value, x.at, 'options.table_ids', {
    min: 1, max: MAX_U32, code: 'intent-bad-range', what: 'a table id', hint: 'e.g. "10000-10999"',
  });
  if (range && range.start <= RT_TABLE_LOCAL && range.end >= RT_TABLE_DEFAULT) {
    r.error(x.at, 'intent-bad-range', `options.table_ids ${range.start}-${range.end} includes the kernel's tables 253-255`,
      '253, 254 and 255 are the default, main and local tables; choose a range that avoids them, e.g. "10000-10999"');
    return undefined;
  }
  return range;
}

function readMarkMask(r: YamlReader, x: YamlField): number | undefined {
  const mask = toInteger(scalarValue(x.value));
  if (mask === undefined || mask === 0 || mask > MAX_U32) {
    r.error(x.at, 'intent-bad-mark', `options.mark_mask must be a non-zero 32-bit mask such as 0x0f000000, not ${describe(x.value)}`);
    return undefined;
  }
  const low = mask & -mask;
  // a run of ones: adding its lowest bit carries through all of them
  if (((mask + low) & mask) >>> 0 !== 0) {
    r.error(x.at, 'intent-bad-mark', `options.mark_mask ${formatHex32(mask)} is not one run of bits`,
      'pbr numbers its marks inside one contiguous run of bits, e.g. 0x0f000000 or 0x00f00000');
    return undefined;
  }
  return mask;
}
