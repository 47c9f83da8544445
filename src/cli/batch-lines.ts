// Splits an `ip -batch` file into commands the way iproute2 reads it (getcmdline() + makeargs(), lib/utils.c).

export type BatchItem =
  | { readonly kind: 'command'; readonly line: number; readonly args: readonly string[] }
  | { readonly kind: 'error'; readonly line: number; readonly message: string };

const MAX_ARGS = 512;
const WORD_SEPARATORS = ' \t\r\n';

// mirrors makeargs(): whitespace-separated words; a word starting with ' or " runs to the same quote
function splitWords(line: string): string[] | string {
  const args: string[] = [];
  let i = 0;
  const n = line.length;
  while (i < n) {
    while (i < n && WORD_SEPARATORS.includes(line[i]!)) i++;
    if (i >= n) break;
    if (args.length >= MAX_ARGS - 1) return 'Too many arguments to command';
    const quote = line[i];
    if (quote === "'" || quote === '"') {
      const close = line.indexOf(quote, i + 1);
      if (close < 0) return 'Unterminated quoted string';
      args.push(line.slice(i + 1, close));
      i = close + 1;
    } else {
      let j = i;
      while (j < n && !WORD_SEPARATORS.includes(line[j]!)) j++;
      args.push(line.slice(i, j));
      i = j + 1;
    }
  }
  return args;
}

function stripComment(line: string): string {
  const hash = line.indexOf('#');
  return hash < 0 ? line : line.slice(0, hash);
}

/**
 * Every non-blank command of a batch text with the number of its last physical line (as `ip` counts
 * for "Command failed FILE:LINE"); a backslash before the newline continues a command, `#` starts a comment.
 */
export function* readBatchCommands(text: string): Generator<BatchItem> {
  let pos = 0;
  let lineNo = 0;
  const readLine = (): string | undefined => {
    if (pos >= text.length) return undefined;
    const nl = text.indexOf('\n', pos);
    const end = nl < 0 ? text.length : nl + 1;
    const line = text.slice(pos, end);
    pos = end;
    lineNo++;
    return line;
  };
  for (let raw = readLine(); raw !== undefined; raw = readLine()) {
    let line = stripComment(raw);
    while (line.endsWith('\\\n')) {
      const more = readLine();
      if (more === undefined) {
        yield { kind: 'error', line: lineNo, message: 'Missing continuation line' };
        return;
      }
      line = line.slice(0, -2) + stripComment(more);
    }
    const words = splitWords(line);
    if (typeof words === 'string') yield { kind: 'error', line: lineNo, message: words };
    else if (words.length > 0) yield { kind: 'command', line: lineNo, args: words };
  }
}
