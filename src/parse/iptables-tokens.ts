// Words of one iptables-save line: whitespace-separated, double quotes group (iptables-save quotes comments and log prefixes).
export interface IptablesToken {
  readonly text: string;
  /** 1-based column of the first character */
  readonly column: number;
  /** 0-based index just past the token (quotes included) */
  readonly end: number;
  /** written in quotes: a value, never an option */
  readonly quoted: boolean;
}

export interface TokenizedLine {
  readonly tokens: IptablesToken[];
  /** column of an unterminated quote */
  readonly unterminatedAt?: number;
}

/** mirrors add_param_to_argv(), iptables/xshared.c: `"` groups, `\"` and `\\` escape inside quotes */
export function tokenizeIptablesLine(line: string): TokenizedLine {
  const tokens: IptablesToken[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i] ?? '')) i++;
    if (i >= line.length) break;
    const column = i + 1;
    let text = '';
    let quoteAt: number | undefined;
    let quoted = false;
    while (i < line.length) {
      const ch = line[i] ?? '';
      if (quoteAt === undefined && /\s/.test(ch)) break;
      if (ch === '"') {
        quoteAt = quoteAt === undefined ? i + 1 : undefined;
        quoted = true;
        i++;
        continue;
      }
      if (ch === '\\' && quoteAt !== undefined && (line[i + 1] === '"' || line[i + 1] === '\\')) {
        text += line[i + 1];
        i += 2;
        continue;
      }
      text += ch;
      i++;
    }
    if (quoteAt !== undefined) return { tokens, unterminatedAt: quoteAt };
    tokens.push({ text, column, end: i, quoted });
  }
  return { tokens };
}
