// nft JSON expressions and statements back to nft syntax: the rule text when no `nft -a list ruleset` was captured,
// and the text of statements pbr does not model. Readable nft, not byte-for-byte what nft prints.
import { isJsonObject, type JsonObject } from './json-fields.ts';

const BINOPS = new Set(['&', '|', '^', '<<', '>>']);
const UNQUALIFIED_META = new Set(['iif', 'oif', 'iifname', 'oifname', 'iiftype', 'oiftype']);

/** meta mark or ct mark, alone or inside a binop: nft prints the numbers beside them as 0x%08x. */
function involvesMark(json: unknown): boolean {
  if (!isJsonObject(json)) return false;
  const [key, value] = single(json);
  if (BINOPS.has(key) && Array.isArray(value)) return value.some(involvesMark);
  return (key === 'meta' || key === 'ct') && isJsonObject(value) && value['key'] === 'mark';
}

function renderMarkNumber(json: unknown): string | undefined {
  return typeof json === 'number' && Number.isInteger(json) && json >= 0 ? `0x${json.toString(16).padStart(8, '0')}` : undefined;
}

/** Renders an expression (left- or right-hand side); `markContext`: numbers are marks. */
export function renderNftExpr(json: unknown, markContext = false): string {
  if (markContext) {
    const hex = renderMarkNumber(json);
    if (hex !== undefined) return hex;
  }
  if (typeof json === 'string') return renderString(json);
  if (typeof json === 'number' || typeof json === 'boolean') return String(json === true ? 'exists' : json === false ? 'missing' : json);
  if (json === null || json === undefined) return '';
  if (Array.isArray(json)) return json.map((item) => renderNftExpr(item, markContext)).join(',');
  if (!isJsonObject(json)) return String(json);
  const [key, value] = single(json);
  if (BINOPS.has(key) && Array.isArray(value)) {
    const marks = markContext || involvesMark(json);
    return value.map((item) => renderNftExpr(item, marks)).join(` ${key} `);
  }
  const o = isJsonObject(value) ? value : {};
  switch (key) {
    case 'payload':
      return o['protocol'] !== undefined ? `${str(o['protocol'])} ${str(o['field'])}` : `@${str(o['base'])},${str(o['offset'])},${str(o['len'])}`;
    case 'meta':
      // nft prints the interface keys without "meta"
      return UNQUALIFIED_META.has(str(o['key'])) ? str(o['key']) : `meta ${str(o['key'])}`;
    case 'ct': {
      const k = str(o['key']);
      return o['dir'] !== undefined ? `ct ${str(o['dir'])} ${k}` : `ct ${k}`;
    }
    case 'concat':
      return Array.isArray(value) ? value.map((item) => renderNftExpr(item)).join(' . ') : '';
    case 'set':
      return `{ ${(Array.isArray(value) ? value : [value]).map(renderSetItem).join(', ')} }`;
    case 'map':
      return `${renderNftExpr(o['key'])} map ${renderNftExpr(o['data'])}`;
    case 'prefix':
      return `${renderNftExpr(o['addr'])}/${str(o['len'])}`;
    case 'range':
      return Array.isArray(value) ? value.map((item) => renderNftExpr(item, markContext)).join('-') : '';
    case 'elem':
      return renderElem(o);
    case 'numgen':
      return `numgen ${str(o['mode'])} mod ${str(o['mod'])}${o['offset'] ? ` offset ${str(o['offset'])}` : ''}`;
    case 'jhash':
      return `jhash ${renderNftExpr(o['expr'])} mod ${str(o['mod'])}${o['seed'] !== undefined ? ` seed 0x${Number(o['seed']).toString(16)}` : ''}${o['offset'] ? ` offset ${str(o['offset'])}` : ''}`;
    case 'symhash':
      return `symhash mod ${str(o['mod'])}${o['offset'] ? ` offset ${str(o['offset'])}` : ''}`;
    case 'fib':
      return `fib ${flags(o['flags']).join(' . ')} ${str(o['result'])}`;
    case 'rt':
      return `rt ${o['family'] !== undefined ? `${str(o['family'])} ` : ''}${str(o['key'])}`;
    case 'socket':
    case 'osf':
      return `${key} ${str(o['key'])}`;
    case 'ipsec':
      return `ipsec ${str(o['dir'])} ${str(o['key'])}`;
    case 'exthdr':
      return `exthdr ${str(o['name'])}${o['field'] !== undefined ? ` ${str(o['field'])}` : ''}`;
    case 'tcp option':
    case 'sctp chunk':
      return `${key} ${str(o['name'])}${o['field'] !== undefined ? ` ${str(o['field'])}` : ''}`;
    default:
      return renderVerdict(json) ?? `${key} ${JSON.stringify(value)}`;
  }
}

function renderSetItem(item: unknown): string {
  if (Array.isArray(item) && item.length === 2) return `${renderNftExpr(item[0])} : ${renderNftExpr(item[1])}`;
  return renderNftExpr(item);
}

function renderElem(o: JsonObject): string {
  let text = renderNftExpr(o['val']);
  if (o['timeout'] !== undefined) text += ` timeout ${str(o['timeout'])}s`;
  if (typeof o['comment'] === 'string') text += ` comment ${JSON.stringify(o['comment'])}`;
  return text;
}

function renderString(s: string): string {
  if (s.startsWith('@')) return s;
  return /^[A-Za-z0-9_.:/-]+$/.test(s) && !/^\d+$/.test(s) ? s : JSON.stringify(s);
}

function renderVerdict(json: JsonObject): string | undefined {
  const [key, value] = single(json);
  if (['accept', 'drop', 'continue', 'return'].includes(key)) return key;
  if ((key === 'jump' || key === 'goto') && isJsonObject(value)) return `${key} ${str(value['target'])}`;
  return undefined;
}

/** Renders one statement of a rule's "expr" array. */
export function renderNftStatement(json: unknown): string {
  if (!isJsonObject(json)) return renderNftExpr(json);
  const [key, value] = single(json);
  const o = isJsonObject(value) ? value : {};
  switch (key) {
    case 'match': {
      const op = str(o['op']);
      // `==` is implicit, except after a binop (`meta mark & 0xff == 0x1`)
      const binopLeft = isJsonObject(o['left']) && BINOPS.has(Object.keys(o['left'])[0] ?? '');
      const shown = (op === '==' && !binopLeft) || op === 'in' ? '' : `${op} `;
      return `${renderNftExpr(o['left'])} ${shown}${renderNftExpr(o['right'], involvesMark(o['left']))}`;
    }
    case 'mangle':
      return `${renderNftExpr(o['key'])} set ${renderNftExpr(o['value'], involvesMark(o['key']))}`;
    case 'vmap':
      return `${renderNftExpr(o['key'])} vmap ${renderNftExpr(o['data'])}`;
    case 'counter':
      return typeof value === 'string' ? `counter name ${JSON.stringify(value)}` : 'counter';
    case 'log': {
      const parts = ['log'];
      if (typeof o['prefix'] === 'string') parts.push(`prefix ${JSON.stringify(o['prefix'])}`);
      if (o['group'] !== undefined) parts.push(`group ${str(o['group'])}`);
      if (o['level'] !== undefined) parts.push(`level ${str(o['level'])}`);
      if (o['flags'] !== undefined) parts.push(`flags ${flags(o['flags']).join(',')}`);
      return parts.join(' ');
    }
    case 'reject':
      return o['type'] === undefined ? 'reject' : `reject with ${str(o['type'])}${o['expr'] !== undefined ? ` ${renderNftExpr(o['expr'])}` : ''}`;
    case 'snat':
    case 'dnat':
    case 'masquerade':
    case 'redirect': {
      let text = key;
      if (o['family'] !== undefined) text += ` ${str(o['family'])}`;
      if (o['addr'] !== undefined || o['port'] !== undefined) {
        const addr = o['addr'] === undefined ? '' : renderNftExpr(o['addr']);
        const bracketed = o['family'] === 'ip6' && o['port'] !== undefined ? `[${addr}]` : addr;
        text += ` to ${bracketed}${o['port'] !== undefined ? `:${renderNftExpr(o['port'])}` : ''}`;
      }
      if (o['flags'] !== undefined) text += ` ${flags(o['flags']).join(',')}`;
      return text;
    }
    case 'queue':
      return `queue${o['num'] !== undefined ? ` num ${renderNftExpr(o['num'])}` : ''}${o['flags'] !== undefined ? ` ${flags(o['flags']).join(',')}` : ''}`;
    case 'notrack':
      return 'notrack';
    case 'xt':
      return `xt ${str(o['type'])} ${str(o['name'])}`;
    case 'limit':
      return typeof value === 'string' ? `limit name ${JSON.stringify(value)}` : `limit rate ${o['inv'] === true ? 'over ' : ''}${str(o['rate'])}/${str(o['per'])}`;
    case 'quota':
      return typeof value === 'string' ? `quota name ${JSON.stringify(value)}` : `quota ${o['inv'] === true ? 'over ' : ''}${str(o['val'])} ${str(o['val_unit'] ?? 'bytes')}`;
    case 'set':
      return `${str(o['op'])} ${str(o['set'])} { ${renderNftExpr(o['elem'])} }`;
    case 'meter':
      return `meter ${str(o['name'])} { ${renderNftExpr(o['key'])} ${renderNftStatement(o['stmt'])} }`;
    case 'ct count':
      return `ct count ${o['inv'] === true ? 'over ' : ''}${str(o['val'])}`;
    case 'ct helper':
    case 'ct timeout':
    case 'ct expectation':
      return `${key} set ${renderNftExpr(value)}`;
    case 'synproxy':
      return typeof value === 'string' ? `synproxy name ${JSON.stringify(value)}` : 'synproxy';
    case 'tproxy':
      return `tproxy${o['family'] !== undefined ? ` ${str(o['family'])}` : ''} to ${o['addr'] !== undefined ? renderNftExpr(o['addr']) : ''}${o['port'] !== undefined ? `:${renderNftExpr(o['port'])}` : ''}`;
    case 'fwd':
    case 'dup':
      return `${key} to ${o['addr'] !== undefined ? `${renderNftExpr(o['addr'])} device ` : ''}${renderNftExpr(o['dev'])}`;
    case 'flow':
      return `flow ${str(o['op'])} ${str(o['flowtable'])}`;
    default:
      return renderVerdict(json) ?? (value === null ? key : `${key} ${JSON.stringify(value)}`);
  }
}

/** Renders a rule: its statements in order, then its comment. */
export function renderNftRule(expr: readonly unknown[], comment?: string): string {
  const text = expr.map(renderNftStatement).join(' ');
  return comment === undefined ? text : `${text} comment ${JSON.stringify(comment)}`;
}

function single(o: JsonObject): [string, unknown] {
  const key = Object.keys(o)[0] ?? '';
  return [key, o[key]];
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : v === undefined ? '' : JSON.stringify(v);
}

function flags(v: unknown): string[] {
  return Array.isArray(v) ? v.map(str) : v === undefined ? [] : [str(v)];
}
