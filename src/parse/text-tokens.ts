// Whitespace tokens of one line of iproute2 text output, with line-numbered complaints.
import type { SourceLocation } from '../model/diagnostics.ts';
import type { DiagnosticSink } from './diagnostic-sink.ts';
import { parseUnsigned } from './json-fields.ts';

export interface Token {
  readonly text: string;
  /** 1-based column */
  readonly column: number;
}

export function tokenizeLine(line: string): Token[] {
  const tokens: Token[] = [];
  for (const match of line.matchAll(/\S+/g)) tokens.push({ text: match[0], column: (match.index ?? 0) + 1 });
  return tokens;
}

export class TokenCursor {
  private index = 0;

  constructor(
    private readonly tokens: readonly Token[],
    readonly sink: DiagnosticSink,
    readonly line: number,
  ) {}

  done(): boolean {
    return this.index >= this.tokens.length;
  }

  peek(): string | undefined {
    return this.tokens[this.index]?.text;
  }

  next(): string | undefined {
    return this.tokens[this.index++]?.text;
  }

  /** location of the token just read (or of the line) */
  at(): SourceLocation {
    const token = this.tokens[Math.max(this.index - 1, 0)];
    return this.sink.at(this.line, token?.column ?? 1);
  }

  /** the argument of `keyword`; reports a missing one */
  value(keyword: string): string | undefined {
    const value = this.next();
    if (value === undefined) this.sink.error('text-missing-value', `"${keyword}" without a value`, this.at());
    return value;
  }

  /** a decimal or 0x-hex number; reports anything else */
  number(text: string, keyword: string): number | undefined {
    const value = parseUnsigned(text);
    if (value === undefined) this.bad(keyword, text);
    return value;
  }

  bad(keyword: string, value: string): void {
    this.sink.error('text-bad-value', `bad value "${value}" after "${keyword}"`, this.at());
  }

  unknown(word: string): void {
    this.sink.warning('text-unknown-word', `ignored unknown word "${word}"`, this.at());
  }
}
