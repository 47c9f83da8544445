// `nft -a list ruleset` text: each rule as nft prints it (keyed by family, table, chain and handle), and the two
// things nft 1.0.6 leaves out of its JSON: the devices of netdev chains and the flags of tables.

export interface NftTextIndex {
  /** rule text without the trailing `# handle N`, trimmed */
  readonly rules: ReadonlyMap<string, string>;
  /** `device "lo"` / `devices = { a, b }` of a base chain */
  readonly chainDevices: ReadonlyMap<string, readonly string[]>;
  /** `flags dormant` and the like, per table */
  readonly tableFlags: ReadonlyMap<string, readonly string[]>;
}

export function nftRuleKey(family: string, table: string, chain: string, handle: number): string {
  return `${family}\0${table}\0${chain}\0${handle}`;
}

export function nftChainKey(family: string, table: string, chain: string): string {
  return `${family}\0${table}\0${chain}`;
}

export function nftTableKey(family: string, table: string): string {
  return `${family}\0${table}`;
}

/** nft quotes names that are not plain identifiers */
function unquote(name: string): string {
  return name.startsWith('"') && name.endsWith('"') && name.length >= 2 ? name.slice(1, -1) : name;
}

const TABLE = /^table (\S+) (.+?) \{(?: # handle \d+)?$/;
const CHAIN = /^\tchain (.+?) \{(?: # handle \d+)?$/;
const OTHER_BLOCK = /^\t\S.*\{(?: # handle \d+)?$/;
const RULE = /^\t\t(.*?)\s*# handle (\d+)$/;
const DEVICES = /^\t\ttype \S+ hook \S+ (?:device (\S+)|devices = \{ ([^}]*) \}) priority /;
const FLAGS = /^\tflags (.+)$/;

/** Indexes the text; lines it does not recognise (set elements, object bodies, warnings) are skipped. */
export function indexNftText(text: string): NftTextIndex {
  const rules = new Map<string, string>();
  const chainDevices = new Map<string, readonly string[]>();
  const tableFlags = new Map<string, readonly string[]>();
  let family: string | undefined;
  let table: string | undefined;
  let chain: string | undefined;
  for (const line of text.split('\n')) {
    const t = TABLE.exec(line);
    if (t) {
      family = t[1];
      table = unquote(t[2] ?? '');
      chain = undefined;
      continue;
    }
    if (family === undefined || table === undefined) continue;
    const c = CHAIN.exec(line);
    if (c) {
      chain = unquote(c[1] ?? '');
      continue;
    }
    if (OTHER_BLOCK.test(line)) {
      chain = undefined;
      continue;
    }
    const f = chain === undefined ? FLAGS.exec(line) : null;
    if (f) {
      tableFlags.set(nftTableKey(family, table), (f[1] ?? '').split(',').map((s) => s.trim()));
      continue;
    }
    if (chain === undefined) continue;
    const d = DEVICES.exec(line);
    if (d) {
      const list = d[1] !== undefined ? [d[1]] : (d[2] ?? '').split(',');
      chainDevices.set(nftChainKey(family, table, chain), list.map((s) => unquote(s.trim())).filter((s) => s !== ''));
      continue;
    }
    const r = RULE.exec(line);
    if (r) rules.set(nftRuleKey(family, table, chain, Number(r[2])), (r[1] ?? '').trim());
  }
  return { rules, chainDevices, tableFlags };
}
