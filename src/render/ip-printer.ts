// One sequence of print calls yields either iproute2's text or its JSON, so the two cannot drift.
// mirrors lib/json_print.c and lib/json_writer.c (iproute2 6.1)

export type JsonScalar = string | number | boolean | null;

/** Colour hooks for text output (identity when colour is off); JSON is never coloured. */
export interface Palette {
  readonly ifname: (s: string) => string;
  readonly inet: (s: string) => string;
  readonly inet6: (s: string) => string;
}

export const PLAIN_PALETTE: Palette = { ifname: (s) => s, inet: (s) => s, inet6: (s) => s };

// mirrors jsonw_puts(): only these characters are escaped
function quoteJson(s: string): string {
  let out = '"';
  for (const ch of s) {
    switch (ch) {
      case '\t': out += '\\t'; break;
      case '\n': out += '\\n'; break;
      case '\r': out += '\\r'; break;
      case '\f': out += '\\f'; break;
      case '\b': out += '\\b'; break;
      case '\\': out += '\\\\'; break;
      case '"': out += '\\"'; break;
      default: out += ch;
    }
  }
  return `${out}"`;
}

function encodeScalar(value: JsonScalar): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return quoteJson(value);
  return String(value);
}

export class IpPrinter {
  private readonly chunks: string[] = [];
  /** one entry per open JSON container: true until its first member is written */
  private readonly firstStack: boolean[] = [];

  constructor(
    readonly json: boolean,
    readonly palette: Palette = PLAIN_PALETTE,
  ) {}

  /** PRINT_ANY: `text` in text mode, `"key":value` in JSON mode (a null key writes an array element). */
  any(key: string | null, text: string, value: JsonScalar): void {
    if (this.json) this.member(key, encodeScalar(value));
    else this.chunks.push(text);
  }

  /** PRINT_FP: text mode only. */
  text(text: string): void {
    if (!this.json) this.chunks.push(text);
  }

  /** PRINT_JSON: JSON mode only; a null key writes an array element. */
  field(key: string | null, value: JsonScalar): void {
    if (this.json) this.member(key, encodeScalar(value));
  }

  openObject(key: string | null = null): void {
    if (!this.json) return;
    this.member(key, '{');
    this.firstStack.push(true);
  }

  closeObject(): void {
    if (!this.json) return;
    this.firstStack.pop();
    this.chunks.push('}');
  }

  openArray(key: string | null = null): void {
    if (!this.json) return;
    this.member(key, '[');
    this.firstStack.push(true);
  }

  closeArray(): void {
    if (!this.json) return;
    this.firstStack.pop();
    this.chunks.push(']');
  }

  /** Raw text appended in either mode (used for document framing). */
  raw(text: string): void {
    this.chunks.push(text);
  }

  toString(): string {
    return this.chunks.join('');
  }

  private member(key: string | null, encoded: string): void {
    const depth = this.firstStack.length;
    if (depth > 0) {
      if (this.firstStack[depth - 1]) this.firstStack[depth - 1] = false;
      else this.chunks.push(',');
    }
    this.chunks.push(key === null ? encoded : `${quoteJson(key)}:${encoded}`);
  }
}

/**
 * The whole document of a listing command: `[obj,obj]\n` in JSON mode (new_json_obj/delete_json_obj),
 * the concatenated lines in text mode.
 */
export function printDocument(json: boolean, palette: Palette, body: (p: IpPrinter) => void): string {
  const p = new IpPrinter(json, palette);
  p.openArray();
  body(p);
  p.closeArray();
  if (json) p.raw('\n');
  return p.toString();
}
