// Scalar values of the intent file: integers (decimal or 0x hex), ranges "A-B", names, interface names.
import type { Node } from 'yaml';
import type { IdRange } from '../model/intent.ts';
import { describe, scalarValue, type YamlNode, type YamlReader } from './yaml-reader.ts';

/** A non-negative integer from a YAML number or a decimal / 0x-hex string. */
export function toInteger(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (/^0x[0-9a-f]+$/i.test(text) || /^\d+$/.test(text)) {
    const n = Number(text);
    return Number.isSafeInteger(n) ? n : undefined;
  }
  return undefined;
}

export interface IntegerSpec {
  readonly min: number;
  readonly max: number;
  readonly code: string;
  /** what the value is, for the message ("a port", "a weight") */
  readonly what: string;
  readonly hint?: string;
}

/** An integer within [min, max], or an error at the node. */
export function readInteger(r: YamlReader, node: YamlNode | undefined, at: Node, path: string, spec: IntegerSpec): number | undefined {
  const n = toInteger(scalarValue(node));
  if (n === undefined || n < spec.min || n > spec.max) {
    r.error(node ?? at, spec.code, `${path} must be ${spec.what} from ${spec.min} to ${spec.max}, not ${describe(node)}`, spec.hint);
    return undefined;
  }
  return n;
}

/** "A-B", or one integer (a range of one): undefined when the text is neither. Bounds are not checked. */
export function toRange(value: unknown): IdRange | undefined {
  const single = toInteger(value);
  if (single !== undefined) return { start: single, end: single };
  if (typeof value !== 'string') return undefined;
  const m = /^\s*(\d+|0x[0-9a-f]+)\s*-\s*(\d+|0x[0-9a-f]+)\s*$/i.exec(value);
  if (!m) return undefined;
  const start = toInteger(m[1]);
  const end = toInteger(m[2]);
  return start === undefined || end === undefined ? undefined : { start, end };
}

/** A range "A-B" (or one integer) with min ≤ A ≤ B ≤ max, or an error at the node. */
export function readRange(r: YamlReader, node: YamlNode | undefined, at: Node, path: string, spec: IntegerSpec): IdRange | undefined {
  const range = toRange(scalarValue(node));
  if (range === undefined || range.start < spec.min || range.end > spec.max) {
    r.error(node ?? at, spec.code, `${path} must be ${spec.what} from ${spec.min} to ${spec.max} or a range "A-B" of them, not ${describe(node)}`, spec.hint);
    return undefined;
  }
  if (range.start > range.end) {
    r.error(node ?? at, spec.code, `${path}: the range ${range.start}-${range.end} runs backwards`, `write it as "${range.end}-${range.start}"`);
    return undefined;
  }
  return range;
}

/** A string scalar, or an error at the node. */
export function readString(r: YamlReader, node: YamlNode | undefined, at: Node, path: string, what: string): string | undefined {
  const v = scalarValue(node);
  if (typeof v === 'string' && v !== '') return v;
  r.error(node ?? at, 'intent-wrong-type', `${path} must be ${what}, not ${describe(node)}`);
  return undefined;
}

export function readBoolean(r: YamlReader, node: YamlNode | undefined, at: Node, path: string): boolean | undefined {
  const v = scalarValue(node);
  if (typeof v === 'boolean') return v;
  r.error(node ?? at, 'intent-wrong-type', `${path} must be true or false, not ${describe(node)}`, 'YAML 1.2 reads yes, no, on and off as words: write true or false');
  return undefined;
}

/** Names of uplinks: they also name nft chains, rt_tables entries and log lines. */
export const UPLINK_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,31}$/;
/** Names of policies: shown in plans, traces and nft rule comments. */
export const POLICY_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** Routing table names as rt_tables files hold them (a word that is not a number). */
export const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;

// mirrors dev_valid_name(), net/core/dev.c: 1..15 bytes (IFNAMSIZ - 1), not "." or "..", no '/', ':' or whitespace
function isValidInterfaceName(name: string): boolean {
  if (name.length === 0 || new TextEncoder().encode(name).length > 15) return false;
  if (name === '.' || name === '..') return false;
  return !/[/:\s]/.test(name);
}

export function readInterfaceName(r: YamlReader, node: YamlNode | undefined, at: Node, path: string): string | undefined {
  const name = readString(r, node, at, path, 'an interface name');
  if (name === undefined) return undefined;
  if (!isValidInterfaceName(name)) {
    r.error(node ?? at, 'intent-bad-interface', `${path}: '${name}' is not a valid interface name`, 'the kernel takes 1 to 15 bytes without "/", ":" or spaces');
    return undefined;
  }
  return name;
}

/** "0x00ff0000" for messages and hints. */
export function formatHex32(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}
