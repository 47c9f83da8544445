// Typed reads of the fields of one `ip -j` object; a wrong type becomes a diagnostic naming the field.
import type { SourceLocation } from '../model/diagnostics.ts';
import type { DiagnosticSink } from './diagnostic-sink.ts';
import { describeJson, type JsonArrayDocument } from './json-document.ts';

export type JsonObject = Readonly<Record<string, unknown>>;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads fields of one object; every problem is reported at the object's location. */
export class FieldReader {
  constructor(
    readonly object: JsonObject,
    readonly sink: DiagnosticSink,
    readonly where: SourceLocation,
    /** what the object is, for messages: "rule", "route", … */
    readonly what: string,
  ) {}

  has(key: string): boolean {
    return Object.hasOwn(this.object, key);
  }

  private wrongType(key: string, expected: string): undefined {
    this.sink.error(
      'json-field-type',
      `${this.what}: field "${key}" should be ${expected}, found ${describeJson(this.object[key])}`,
      this.where,
    );
    return undefined;
  }

  string(key: string): string | undefined {
    if (!this.has(key)) return undefined;
    const value = this.object[key];
    return typeof value === 'string' ? value : this.wrongType(key, 'a string');
  }

  /** a non-negative integer (iproute2 prints u32 values as JSON numbers) */
  uint(key: string): number | undefined {
    if (!this.has(key)) return undefined;
    const value = this.object[key];
    return typeof value === 'number' && Number.isInteger(value) && value >= 0
      ? value
      : this.wrongType(key, 'a non-negative integer');
  }

  int(key: string): number | undefined {
    if (!this.has(key)) return undefined;
    const value = this.object[key];
    return typeof value === 'number' && Number.isInteger(value) ? value : this.wrongType(key, 'an integer');
  }

  /** a number printed as a string, decimal or 0x-hex ("0x10", "255") */
  numericString(key: string): number | undefined {
    const text = this.string(key);
    if (text === undefined) return undefined;
    const value = parseUnsigned(text);
    return value ?? this.wrongType(key, 'a decimal or hexadecimal number');
  }

  stringArray(key: string): string[] | undefined {
    if (!this.has(key)) return undefined;
    const value = this.object[key];
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
    return this.wrongType(key, 'an array of strings');
  }

  objectArray(key: string): JsonObject[] | undefined {
    if (!this.has(key)) return undefined;
    const value = this.object[key];
    if (Array.isArray(value) && value.every(isJsonObject)) return value;
    return this.wrongType(key, 'an array of objects');
  }

  child(key: string): JsonObject | undefined {
    if (!this.has(key)) return undefined;
    const value = this.object[key];
    return isJsonObject(value) ? value : this.wrongType(key, 'an object');
  }

  /** a field printed with print_null/print_bool: present (and not false) means set */
  flag(key: string): boolean {
    return this.has(key) && this.object[key] !== false;
  }

  /** a reader for a nested object, reporting at the same location */
  nested(object: JsonObject, what: string): FieldReader {
    return new FieldReader(object, this.sink, this.where, what);
  }
}

/** strtoul(text, 0)-like: decimal or 0x-hex, no sign; undefined when not a number. */
export function parseUnsigned(text: string): number | undefined {
  if (/^0x[0-9a-f]+$/i.test(text)) return parseInt(text.slice(2), 16);
  if (/^\d+$/.test(text)) return Number(text);
  return undefined;
}

/** Visits every element of an `ip -j` array that is an object; any other element is an error naming it "<noun> #N". */
export function forEachJsonObject(
  doc: JsonArrayDocument | undefined,
  sink: DiagnosticSink,
  noun: string,
  visit: (item: JsonObject, where: SourceLocation, index: number) => void,
): void {
  doc?.items.forEach((item, index) => {
    const where = doc.locations[index] ?? sink.at();
    if (!isJsonObject(item)) {
      sink.error('json-item-type', `${noun} #${index + 1}: expected an object`, where);
      return;
    }
    visit(item, where, index);
  });
}
