// A generated rule set as the text its tool loads: an `nft -f` script or an `iptables-restore` file.
import { IPTABLES_CHAIN_NAMES } from './generate-ruleset.ts';
import type { Action, GenRule, GenRuleset, Hook, Match, Verdict } from './ruleset-types.ts';

export function hex(n: number): string {
  return `0x${(n >>> 0).toString(16)}`;
}

export function renderRuleset(ruleset: GenRuleset): string {
  return ruleset.syntax === 'nft' ? renderNftScript(ruleset) : renderIptablesRestore(ruleset);
}

export function renderNftScript(ruleset: GenRuleset): string {
  const lines: string[] = [];
  for (const table of ruleset.tables) {
    lines.push(`table ${table.family} ${table.name} {`);
    for (const chain of table.chains) {
      lines.push(`\tchain ${chain.name} {`);
      if (chain.base) lines.push(`\t\ttype ${chain.base.type} hook ${chain.base.hook} priority ${chain.base.priority}; policy ${chain.base.policy};`);
      for (const rule of chain.rules) lines.push(`\t\t${renderNftRule(rule)}`);
      lines.push('\t}');
    }
    lines.push('}');
  }
  return `${lines.join('\n')}\n`;
}

export function renderNftRule(rule: GenRule): string {
  const parts = rule.matches.map(renderNftMatch);
  if (rule.counter) parts.push('counter');
  parts.push(...rule.actions.map(renderNftAction));
  if (rule.verdict) parts.push(renderVerdictWord(rule.verdict));
  return parts.length === 0 ? 'counter' : parts.join(' ');
}

function nftSet(items: readonly string[]): string {
  return items.length === 1 ? (items[0] as string) : `{ ${items.join(', ')} }`;
}

function renderNftMatch(m: Match): string {
  const not = (negate: boolean): string => (negate ? '!= ' : '');
  switch (m.kind) {
    case 'mark':
    case 'ctmark': {
      const key = m.kind === 'mark' ? 'meta mark' : 'ct mark';
      if (m.mask === 0xffffffff) return `${key} ${not(m.negate)}${nftSet(m.values.map(hex))}`;
      return `${key} and ${hex(m.mask)} ${m.negate ? '!=' : '=='} ${nftSet(m.values.map(hex))}`;
    }
    case 'iifname':
    case 'oifname':
      return `${m.kind} ${not(m.negate)}${nftSet(m.names.map((n) => `"${n}"`))}`;
    case 'proto':
      return m.form === 'l4proto' ? `meta l4proto ${m.proto}` : `ip protocol ${m.proto}`;
    case 'dport':
      return `${m.proto} dport ${not(m.negate)}${nftSet(m.ranges.map(([l, h]) => (l === h ? `${l}` : `${l}-${h}`)))}`;
    case 'ctstate':
      return `ct state ${not(m.negate)}${m.states.join(',')}`;
    case 'ctdir':
      return `ct direction ${m.dir}`;
  }
}

function renderNftAction(a: Action): string {
  if (a.kind !== 'nft-set') throw new Error(`${a.kind} is an iptables target, not an nft statement`);
  const target = a.target === 'mark' ? 'meta mark' : 'ct mark';
  const source = a.source === 'const' ? hex(a.value) : a.source === 'mark' ? 'meta mark' : 'ct mark';
  return `${target} set ${[source, ...a.ops.map((o) => `${o.op} ${hex(o.value)}`)].join(' ')}`;
}

function renderVerdictWord(v: Verdict): string {
  return v.kind === 'jump' || v.kind === 'goto' ? `${v.kind} ${v.chain}` : v.kind;
}

export function renderIptablesRestore(ruleset: GenRuleset): string {
  const table = ruleset.tables[0];
  const chains = table?.chains ?? [];
  const lines = ['*mangle'];
  for (const hook of Object.keys(IPTABLES_CHAIN_NAMES) as Hook[]) {
    const base = chains.find((c) => c.base?.hook === hook)?.base;
    lines.push(`:${IPTABLES_CHAIN_NAMES[hook]} ${base?.policy === 'drop' ? 'DROP' : 'ACCEPT'} [0:0]`);
  }
  for (const chain of chains) if (!chain.base) lines.push(`:${chain.name} - [0:0]`);
  for (const chain of chains) {
    for (const rule of chain.rules) lines.push(`-A ${chain.name}${renderIptablesRule(rule)}`);
  }
  lines.push('COMMIT');
  return `${lines.join('\n')}\n`;
}

/** The words after `-A CHAIN`, each with a leading space. */
export function renderIptablesRule(rule: GenRule): string {
  const parts = rule.matches.map(renderIptablesMatch);
  const action = rule.actions[0];
  if (rule.actions.length > 1 || (action && rule.verdict)) throw new Error('an iptables rule has one target');
  if (action) parts.push(renderIptablesTarget(action));
  if (rule.verdict) {
    const v = rule.verdict;
    parts.push(v.kind === 'jump' ? `-j ${v.chain}` : v.kind === 'goto' ? `-g ${v.chain}` : `-j ${v.kind.toUpperCase()}`);
  }
  return parts.map((p) => ` ${p}`).join('');
}

function iptablesMark(value: number, mask: number): string {
  return mask === 0xffffffff ? hex(value) : `${hex(value)}/${hex(mask)}`;
}

function renderIptablesMatch(m: Match): string {
  const not = (negate: boolean): string => (negate ? '! ' : '');
  switch (m.kind) {
    case 'mark':
    case 'ctmark':
      if (m.values.length !== 1) throw new Error('iptables matches one mark value');
      return `-m ${m.kind === 'mark' ? 'mark' : 'connmark'} ${not(m.negate)}--mark ${iptablesMark(m.values[0] as number, m.mask)}`;
    case 'iifname':
    case 'oifname':
      if (m.names.length !== 1) throw new Error('iptables matches one interface name');
      return `${not(m.negate)}${m.kind === 'iifname' ? '-i' : '-o'} ${(m.names[0] as string).replace(/\*$/, '+')}`;
    case 'proto':
      return `-p ${m.proto}`;
    case 'dport': {
      const words = m.ranges.map(([l, h]) => (l === h ? `${l}` : `${l}:${h}`));
      if (m.ranges.length === 1) return `-m ${m.proto} ${not(m.negate)}--dport ${words[0] as string}`;
      return `-m multiport ${not(m.negate)}--dports ${words.join(',')}`;
    }
    case 'ctstate': {
      const states = m.states.map((s) => s.toUpperCase()).join(',');
      return m.form === 'state' ? `-m state ${not(m.negate)}--state ${states}` : `-m conntrack ${not(m.negate)}--ctstate ${states}`;
    }
    case 'ctdir':
      return `-m conntrack --ctdir ${m.dir.toUpperCase()}`;
  }
}

function renderIptablesTarget(a: Action): string {
  switch (a.kind) {
    case 'nft-set':
      throw new Error('nft statements have no iptables form here');
    case 'MARK':
    case 'CONNMARK':
      return `-j ${a.kind} --${a.option} ${a.mask === undefined ? hex(a.value) : `${hex(a.value)}/${hex(a.mask)}`}`;
    case 'CONNMARK-save':
    case 'CONNMARK-restore': {
      const words = [`-j CONNMARK --${a.kind === 'CONNMARK-save' ? 'save' : 'restore'}-mark`];
      if (a.mask !== undefined) words.push(`--mask ${hex(a.mask)}`);
      if (a.nfmask !== undefined) words.push(`--nfmask ${hex(a.nfmask)}`);
      if (a.ctmask !== undefined) words.push(`--ctmask ${hex(a.ctmask)}`);
      return words.join(' ');
    }
  }
}
