// Walks the YAML nodes of an intent file and reports problems at the line and column of the node at fault.
import { isAlias, isMap, isScalar, isSeq, visit, type Document, type LineCounter, type Node, type Scalar, type YAMLMap, type YAMLSeq } from 'yaml';
import type { SourceLocation } from '../model/diagnostics.ts';
import { DiagnosticSink } from '../parse/diagnostic-sink.ts';
import { suggestWord } from './suggest.ts';

/** A node as the reader sees it: aliases resolved, absent values undefined. */
export type YamlNode = Scalar | YAMLMap | YAMLSeq;

/** One key of a mapping: the key's node (for "unknown key" and "duplicate" messages) and its value. */
export interface YamlField {
  readonly name: string;
  readonly key: Scalar;
  readonly value: YamlNode | undefined;
  /** where the value is; the key when the value is empty */
  readonly at: Node;
}

export class YamlReader {
  readonly sink: DiagnosticSink;

  constructor(
    file: string,
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {
    this.sink = new DiagnosticSink(file);
  }

  locate(node: Node | undefined): SourceLocation {
    const offset = node?.range?.[0];
    if (offset === undefined) return this.sink.at();
    const { line, col } = this.lines.linePos(offset);
    return this.sink.at(line, col);
  }

  locateOffset(offset: number): SourceLocation {
    const { line, col } = this.lines.linePos(offset);
    return this.sink.at(line, col);
  }

  error(node: Node | undefined, code: string, message: string, hint?: string): void {
    this.sink.error(code, message, this.locate(node), hint);
  }

  get errorCount(): number {
    return this.sink.errorCount;
  }

  /** Reports aliases without an anchor before them; true when there are none. */
  checkAliases(): boolean {
    const before = this.errorCount;
    visit(this.doc, {
      Alias: (_key, node) => {
        if (node.resolve(this.doc) === undefined) this.error(node, 'intent-yaml-syntax', `unresolved alias *${node.source}`, 'define the anchor (&name) before the alias that uses it');
      },
    });
    return this.errorCount === before;
  }

  /** The node behind an alias; undefined for an empty value. */
  resolve(node: unknown): YamlNode | undefined {
    if (isAlias(node)) return node.resolve(this.doc);
    if (isScalar(node) && node.value === null) return undefined;
    if (isScalar(node) || isMap(node) || isSeq(node)) return node;
    return undefined;
  }

  /** A mapping, or an error naming what `path` should be. */
  map(node: YamlNode | undefined, at: Node, path: string): YAMLMap | undefined {
    if (isMap(node)) return node;
    this.error(node ?? at, 'intent-wrong-type', `${path} must be a mapping (key: value), not ${describe(node)}`);
    return undefined;
  }

  /**
   * The keys of a mapping by name. Keys outside `known` are reported with the nearest known one;
   * `required` keys that are missing are reported at the mapping.
   */
  fields(map: YAMLMap, path: string, known: readonly string[], required: readonly string[] = []): Map<string, YamlField> {
    const out = new Map<string, YamlField>();
    for (const pair of map.items) {
      const key = this.resolve(pair.key);
      if (!isScalar(key) || typeof key.value !== 'string') {
        this.error(key ?? map, 'intent-wrong-type', `keys under ${path} must be words, not ${describe(key)}`);
        continue;
      }
      const name = key.value;
      if (!known.includes(name)) {
        const where = path === '' ? 'at the top level' : `under ${path}`;
        this.error(key, 'intent-unknown-key', `unknown key '${name}' ${where}`, suggestWord(name, known, 'known keys'));
        continue;
      }
      const value = this.resolve(pair.value);
      out.set(name, { name, key, value, at: value ?? key });
    }
    for (const name of required) {
      if (!out.has(name)) this.error(map, 'intent-missing-key', `${path === '' ? 'the intent' : path} needs '${name}'`, hintForMissing(name));
    }
    return out;
  }

  /** The items of a list, or the one value when it is not a list ("a prefix or a list of prefixes"). */
  oneOrMany(node: YamlNode, path: string): { node: YamlNode | undefined; at: Node; path: string }[] | undefined {
    if (!isSeq(node)) return [{ node, at: node, path }];
    if (node.items.length === 0) {
      this.error(node, 'intent-empty-list', `${path} is an empty list`, 'give at least one value, or leave the key out');
      return undefined;
    }
    return node.items.map((item, i) => {
      const resolved = this.resolve(item);
      return { node: resolved, at: resolved ?? node, path: `${path}[${i}]` };
    });
  }
}

/** The JS value of a scalar (string, number, boolean), else undefined. */
export function scalarValue(node: YamlNode | undefined): unknown {
  return isScalar(node) ? node.value : undefined;
}

export function describe(node: YamlNode | undefined): string {
  if (node === undefined) return 'empty';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  const v = node.value;
  if (typeof v === 'string') return `'${v}'`;
  return String(v);
}

function hintForMissing(name: string): string | undefined {
  switch (name) {
    case 'interface':
      return 'the device this uplink leaves by, e.g. interface: wan1';
    case 'via':
      return 'an uplink name, { balance: { isp1: 3, isp2: 1 } } or { failover: [isp2, isp1] }';
    case 'name':
      return 'a unique name for plans and traces, e.g. name: ssh-via-isp2';
    case 'match':
      return 'what the policy selects, e.g. match: { proto: tcp, dport: 22 }';
    case 'uplinks':
      return 'declare at least one uplink, e.g. uplinks: { isp1: { interface: wan1, gateway: 192.0.2.1 } }';
    default:
      return undefined;
  }
}
