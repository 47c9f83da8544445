// Test support: model statements as short nft-like text, and a small evaluator of `set` and `match` statements on mark, ct mark and dscp.
import { formatIp } from '../addr/ip.ts';
import type { NfElement, NfExpr, NfPattern, NfStatement } from '../model/netfilter.ts';

type Format = (value: bigint | string) => string;

const decimal: Format = (v) => (typeof v === 'string' ? `"${v}"` : String(v));
const hex: Format = (v) => (typeof v === 'string' ? `"${v}"` : `0x${v.toString(16)}`);

function formatFor(left: NfExpr, family: 4 | 6): Format {
  const text = renderExpr(left);
  if (/saddr|daddr/.test(text)) return (v) => (typeof v === 'string' ? v : formatAddress(v, family));
  return /mark|dscp|state|status/.test(text) ? hex : decimal;
}

const formatAddress = (v: bigint, family: 4 | 6): string => (family === 4 ? formatIp({ family: 4, value: Number(v) }) : formatIp({ family: 6, value: v }));

export function renderExpr(e: NfExpr, format: Format = hex): string {
  switch (e.kind) {
    case 'const': return format(e.value);
    case 'meta': return `meta ${e.key}`;
    case 'ct': return `ct ${e.dir === undefined ? '' : `${e.dir} `}${e.key}`;
    case 'payload': return `${e.protocol} ${e.field}`;
    case 'binop': return `(${renderExpr(e.left, format)} ${e.op} ${renderExpr(e.right, hex)})`;
    case 'concat': return e.parts.map((p) => renderExpr(p, format)).join(' . ');
    case 'numgen': return `numgen ${e.mode} mod ${e.mod}`;
    case 'hash': return e.text;
    case 'map': return `${renderExpr(e.key, format)} map`;
    case 'unknown': return `unknown "${e.text}"`;
  }
}

function renderElement(e: NfElement, format: Format): string {
  switch (e.kind) {
    case 'value': return format(e.value);
    case 'range': return `${format(e.low)}-${format(e.high)}`;
    case 'prefix': return `${format(e.value)}/${e.length}`;
    case 'concat': return e.parts.map((p) => renderElement(p, decimal)).join(' . ');
  }
}

function renderPattern(p: NfPattern, format: Format): string {
  switch (p.kind) {
    case 'element': return renderElement(p.element, format);
    case 'flags': return `flags ${hex(p.mask)}`;
    case 'set': return p.set.kind === 'named' ? `@${p.set.name}` : `{ ${p.set.entries.map((entry) => renderElement(entry.key, format)).join(', ')} }`;
  }
}

export function renderStatement(s: NfStatement, family: 4 | 6 = 4): string {
  switch (s.kind) {
    case 'match': return `${renderExpr(s.left, decimal)} ${s.op} ${renderPattern(s.right, formatFor(s.left, family))}${s.ifAbsent === undefined ? '' : ' (or absent)'}`;
    case 'chance': return `chance ${s.probability}`;
    case 'nth': return `nth ${s.every}/${s.packet}`;
    case 'set': return `${renderExpr(s.target)} set ${renderExpr(s.value)}`;
    case 'verdict': return 'chain' in s.verdict ? `${s.verdict.kind} ${s.verdict.chain}` : s.verdict.kind;
    case 'reject': return `reject${s.with === undefined ? '' : ` with ${s.with}`}`;
    case 'vmap': return `vmap ${renderExpr(s.key)}`;
    case 'nat': {
      const address = (e: NfExpr): string => (e.kind === 'const' && typeof e.value === 'bigint' ? formatAddress(e.value, family) : renderExpr(e));
      const addr = s.addr === undefined ? '' : ` to ${address(s.addr)}${s.addrHigh === undefined ? '' : `-${address(s.addrHigh)}`}`;
      const port = s.port === undefined ? '' : ` port ${renderExpr(s.port, decimal)}${s.portHigh === undefined ? '' : `-${renderExpr(s.portHigh, decimal)}`}`;
      return `${s.type}${addr}${port}`;
    }
    case 'notrack': return 'notrack';
    case 'counter': return 'counter';
    case 'log': return `log${s.prefix === undefined ? '' : ` prefix "${s.prefix}"`}`;
    case 'unknown': return `unknown "${s.text}"`;
  }
}

export interface MarkState {
  readonly mark: bigint;
  readonly ctmark: bigint;
  readonly dscp: bigint;
}

function evaluate(e: NfExpr, state: MarkState): bigint {
  switch (e.kind) {
    case 'const':
      if (typeof e.value !== 'bigint') throw new Error('string constant in arithmetic');
      return e.value;
    case 'meta':
      if (e.key === 'mark') return state.mark;
      break;
    case 'ct':
      if (e.key === 'mark') return state.ctmark;
      break;
    case 'payload':
      if (e.field === 'dscp') return state.dscp;
      break;
    case 'binop': {
      const l = evaluate(e.left, state);
      const r = evaluate(e.right, state);
      switch (e.op) {
        case '&': return l & r;
        case '|': return l | r;
        case '^': return l ^ r;
        case '<<': return l << r;
        case '>>': return l >> r;
      }
    }
  }
  throw new Error(`cannot evaluate ${renderExpr(e)}`);
}

/** Whether every `match` statement holds on the state (element values only: what mark, ct mark and dscp tests use). */
export function matchesAll(statements: readonly NfStatement[], state: MarkState): boolean {
  return statements.every((s) => {
    if (s.kind !== 'match' || s.right.kind !== 'element' || s.right.element.kind !== 'value') throw new Error(`not a value match: ${renderStatement(s)}`);
    const equal = evaluate(s.left, state) === s.right.element.value;
    if (s.op === '==') return equal;
    if (s.op === '!=') return !equal;
    throw new Error(`operator ${s.op}`);
  });
}

/** Runs the `set` statements in order (every value computed from the state before that statement). */
export function applySets(statements: readonly NfStatement[], initial: MarkState): MarkState {
  let state = initial;
  for (const s of statements) {
    if (s.kind !== 'set') throw new Error(`not a set statement: ${renderStatement(s)}`);
    const value = evaluate(s.value, state);
    if (s.target.kind === 'meta' && s.target.key === 'mark') state = { ...state, mark: value };
    else if (s.target.kind === 'ct' && s.target.key === 'mark') state = { ...state, ctmark: value };
    else if (s.target.kind === 'payload' && s.target.field === 'dscp') state = { ...state, dscp: value };
    else throw new Error(`cannot set ${renderExpr(s.target)}`);
  }
  return state;
}
