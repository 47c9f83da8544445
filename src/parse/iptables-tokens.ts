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

const isSpace = (code: number): boolean => code === 32 || code === 9 || code === 10 || code === 13 || code === 11 || code === 12;

/** mirrors add_param_to_argv(), iptables/xshared.c: `"` groups, a backslash inside quotes takes the next character as it is */
export function tokenizeIptablesLine(line: string): TokenizedLine {
  const tokens: IptablesToken[] = [];
  const length = line.length;
  let i = 0;
  while (i < length) {
    while (i < length && isSpace(line.charCodeAt(i))) i++;
    if (i >= length) break;
    const column = i + 1;
    let text = '';
    let from = i;
    let quoteAt = 0;
    let quoted = false;
    for (; i < length; i++) {
      const code = line.charCodeAt(i);
      if (quoteAt === 0 && isSpace(code)) break;
      if (code === 34) {
        text += line.slice(from, i);
        from = i + 1;
        quoteAt = quoteAt === 0 ? i + 1 : 0;
        quoted = true;
      } else if (code === 92 && quoteAt !== 0 && i + 1 < length) {
        text += line.slice(from, i);
        from = i + 1;
        i++;
      }
    }
    if (quoteAt !== 0) return { tokens, unterminatedAt: quoteAt };
    text += line.slice(from, i);
    // an empty word ("") is no argument at all
    if (text !== '') tokens.push({ text, column, end: i, quoted });
  }
  return { tokens };
}
