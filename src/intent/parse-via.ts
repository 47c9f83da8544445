// `via:` of a policy and `default:`: one uplink, a weighted balance, or the kernel's failover.
import { isMap, isSeq, type Node } from 'yaml';
import type { Uplink, Via } from '../model/intent.ts';
import { readInteger } from './intent-values.ts';
import { MAX_WEIGHT } from './parse-uplinks.ts';
import { closestWord } from './suggest.ts';
import { describe, scalarValue, type YamlNode, type YamlReader } from './yaml-reader.ts';

const VIA_KEYS = ['balance', 'failover'] as const;

/** An uplink named in `via`, with where it was named (for the family check). */
export interface UplinkReference {
  readonly uplink: Uplink;
  readonly node: Node;
}

export interface ReadVia {
  readonly via: Via;
  readonly references: readonly UplinkReference[];
}

/** The uplinks a reference may name: the valid ones, and those declared but wrong (already reported). */
export interface UplinkIndex {
  readonly valid: ReadonlyMap<string, Uplink>;
  readonly declared: ReadonlySet<string>;
}

/** The uplink `node` names, or an error listing the defined ones. */
export function readUplinkReference(r: YamlReader, node: YamlNode | undefined, at: Node, path: string, uplinks: UplinkIndex): UplinkReference | undefined {
  const name = scalarValue(node);
  if (typeof name !== 'string') {
    r.error(node ?? at, 'intent-wrong-type', `${path} must be an uplink name, not ${describe(node)}`);
    return undefined;
  }
  const uplink = uplinks.valid.get(name);
  if (uplink) return { uplink, node: node ?? at };
  if (!uplinks.declared.has(name)) {
    const defined = [...uplinks.declared];
    const close = closestWord(name, defined);
    const list = defined.length > 0 ? `defined uplinks: ${defined.join(', ')}` : 'no uplinks are defined';
    r.error(node ?? at, 'intent-unknown-uplink', `${path}: no uplink named '${name}'`, close === undefined ? list : `did you mean '${close}'? ${list}`);
  }
  return undefined;
}

export function parseVia(r: YamlReader, node: YamlNode | undefined, at: Node, path: string, uplinks: UplinkIndex): ReadVia | undefined {
  if (!isMap(node)) {
    if (isSeq(node)) {
      r.error(node, 'intent-bad-via', `${path} is a list`, 'for several uplinks say how to use them: { balance: [isp1, isp2] } or { failover: [isp1, isp2] }');
      return undefined;
    }
    const ref = readUplinkReference(r, node, at, path, uplinks);
    return ref && { via: { kind: 'uplink', uplink: ref.uplink.name }, references: [ref] };
  }
  const f = r.fields(node, path, VIA_KEYS);
  if (f.size !== 1) {
    if (f.size > 1 || node.items.length === 0) {
      r.error(node, 'intent-bad-via', `${path} must have exactly one of 'balance' or 'failover'`, 'e.g. { balance: { isp1: 3, isp2: 1 } } or { failover: [isp2, isp1] }');
    }
    return undefined;
  }
  const balance = f.get('balance');
  if (balance) return parseBalance(r, balance.value, balance.at, `${path}.balance`, uplinks);
  const failover = f.get('failover');
  return failover && parseFailover(r, failover.value, failover.at, `${path}.failover`, uplinks);
}

function parseBalance(r: YamlReader, node: YamlNode | undefined, at: Node, path: string, uplinks: UplinkIndex): ReadVia | undefined {
  let complete = true;
  const weights: { uplink: string; weight: number }[] = [];
  const references: UplinkReference[] = [];
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = r.resolve(pair.key);
      const ref = readUplinkReference(r, key, node, `${path} key`, uplinks);
      const value = r.resolve(pair.value);
      const weight = readInteger(r, value, key ?? node, `${path}.${String(scalarValue(key))}`, {
        min: 1, max: MAX_WEIGHT, code: 'intent-bad-weight', what: 'a whole number', hint: 'weights are shares of new connections: { isp1: 3, isp2: 1 } sends 3 of 4 by isp1',
      });
      if (ref && weight !== undefined) {
        weights.push({ uplink: ref.uplink.name, weight });
        references.push(ref);
      } else complete = false;
    }
  } else if (isSeq(node)) {
    for (const [i, item] of node.items.entries()) {
      const ref = readUplinkReference(r, r.resolve(item), node, `${path}[${i}]`, uplinks);
      if (ref) {
        weights.push({ uplink: ref.uplink.name, weight: ref.uplink.weight ?? 1 });
        references.push(ref);
      } else complete = false;
    }
  } else {
    r.error(node ?? at, 'intent-wrong-type', `${path} must be a mapping of uplink to weight or a list of uplinks, not ${describe(node)}`, 'e.g. { isp1: 3, isp2: 1 }, or [isp1, isp2] to use each uplink\'s weight (default 1)');
    return undefined;
  }
  if (!complete) return undefined;
  if (!checkDistinct(r, references, node, path, 'balance')) return undefined;
  return { via: { kind: 'balance', weights }, references };
}

function parseFailover(r: YamlReader, node: YamlNode | undefined, at: Node, path: string, uplinks: UplinkIndex): ReadVia | undefined {
  if (!isSeq(node)) {
    r.error(node ?? at, 'intent-wrong-type', `${path} must be a list of uplinks, first choice first, not ${describe(node)}`, 'e.g. failover: [isp2, isp1]');
    return undefined;
  }
  let complete = true;
  const references: UplinkReference[] = [];
  for (const [i, item] of node.items.entries()) {
    const ref = readUplinkReference(r, r.resolve(item), node, `${path}[${i}]`, uplinks);
    if (ref) references.push(ref);
    else complete = false;
  }
  if (!complete) return undefined;
  if (!checkDistinct(r, references, node, path, 'failover')) return undefined;
  return { via: { kind: 'failover', order: references.map((x) => x.uplink.name) }, references };
}

function checkDistinct(r: YamlReader, references: readonly UplinkReference[], container: Node, path: string, kind: 'balance' | 'failover'): boolean {
  const seen = new Set<string>();
  for (const ref of references) {
    if (seen.has(ref.uplink.name)) {
      r.error(ref.node, 'intent-duplicate-uplink', `${path} names uplink '${ref.uplink.name}' twice`, kind === 'balance' ? 'give each uplink once, with its weight' : 'give each uplink once, in the order to try them');
      return false;
    }
    seen.add(ref.uplink.name);
  }
  if (references.length < 2) {
    const only = references[0]?.uplink.name ?? 'an uplink';
    r.error(references[0]?.node ?? container, kind === 'balance' ? 'intent-balance-too-few' : 'intent-failover-too-few',
      `${path} needs at least two uplinks`, `for one uplink write via: ${only}`);
    return false;
  }
  return true;
}
