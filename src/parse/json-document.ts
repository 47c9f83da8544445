// Reads the JSON array `ip -j` prints, with the line and column of every element and of syntax errors.
import type { SourceLocation } from '../model/diagnostics.ts';
import type { DiagnosticSink } from './diagnostic-sink.ts';

export interface JsonArrayDocument {
  readonly items: readonly unknown[];
  /** where each item starts, for diagnostics */
  readonly locations: readonly SourceLocation[];
}

/** Parses `text` as one JSON array; undefined (with an error diagnostic) when it is not one. */
export function parseJsonArrayDocument(text: string, sink: DiagnosticSink): JsonArrayDocument | undefined {
  if (text.trim() === '') {
    sink.error('json-empty', 'no output to parse (expected a JSON array)', sink.at(1, 1));
    return undefined;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    const problem = locateJsonError(text);
    const { line, column } = lineColumn(text, problem.offset);
    sink.error('json-syntax', `invalid JSON: ${problem.message}`, sink.at(line, column));
    return undefined;
  }
  if (!Array.isArray(value)) {
    const start = text.search(/\S/);
    const { line, column } = lineColumn(text, start);
    sink.error('json-not-array', `expected a JSON array, found ${describeJson(value)}`, sink.at(line, column));
    return undefined;
  }
  const locations = topLevelElementPositions(text).map(({ line, column }) => sink.at(line, column));
  return { items: value, locations };
}

export function describeJson(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  return `the ${typeof value} ${String(value)}`;
}

/** 1-based line and column of a character offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(Math.max(offset, 0), text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

/** Line and column where each element of the outermost array starts (the text is known to be valid JSON). */
function topLevelElementPositions(text: string): { line: number; column: number }[] {
  const positions: { line: number; column: number }[] = [];
  let depth = 0;
  let inString = false;
  let expectElement = false;
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x0a) {
      line++;
      lineStart = i + 1;
      continue;
    }
    if (c === 0x20 || c === 0x0d || c === 0x09) continue;
    if (expectElement && c !== 0x5d) positions.push({ line, column: i - lineStart + 1 });
    expectElement = false;
    if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth === 1) expectElement = true;
    } else if (c === 0x5d || c === 0x7d) depth--;
    else if (c === 0x2c && depth === 1) expectElement = true;
  }
  return positions;
}

interface JsonProblem {
  readonly offset: number;
  readonly message: string;
}

/** Finds the first syntax error of invalid JSON text (RFC 8259 grammar). */
export function locateJsonError(text: string): JsonProblem {
  let i = 0;
  const fail = (message: string): never => {
    throw { offset: i, message } satisfies JsonProblem;
  };
  const skipSpace = (): void => {
    while (i < text.length && ' \n\r\t'.includes(text[i] ?? '')) i++;
  };
  const found = (): string => (i >= text.length ? 'end of input' : `'${text[i]}'`);
  const value = (): void => {
    skipSpace();
    const c = text[i];
    if (c === '{') {
      i++;
      skipSpace();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        skipSpace();
        if (text[i] !== '"') fail(`expected a double-quoted property name, found ${found()}`);
        string();
        skipSpace();
        if (text[i] !== ':') fail(`expected ':' after a property name, found ${found()}`);
        i++;
        value();
        skipSpace();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return;
        }
        fail(`expected ',' or '}' in an object, found ${found()}`);
      }
    }
    if (c === '[') {
      i++;
      skipSpace();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value();
        skipSpace();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return;
        }
        fail(`expected ',' or ']' in an array, found ${found()}`);
      }
    }
    if (c === '"') return string();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return number();
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return;
      }
    }
    fail(`expected a value, found ${found()}`);
  };
  const string = (): void => {
    i++;
    while (i < text.length) {
      const c = text[i];
      if (c === '"') {
        i++;
        return;
      }
      if (c === '\\') {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail('invalid \\u escape in a string');
          i += 6;
          continue;
        }
        if (e === undefined || !'"\\/bfnrt'.includes(e)) fail('invalid escape in a string');
        i += 2;
        continue;
      }
      if ((c ?? '').charCodeAt(0) < 0x20) fail('control character in a string');
      i++;
    }
    fail('unterminated string');
  };
  const number = (): void => {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!match) fail(`invalid number`);
    i += match?.[0].length ?? 0;
  };
  try {
    value();
    skipSpace();
    if (i < text.length) fail(`unexpected ${found()} after the JSON value`);
    return { offset: text.length, message: 'unknown syntax error' };
  } catch (problem) {
    return problem as JsonProblem;
  }
}
