// /proc/net/fib_trie and the route dump → the FIB state no dump shows directly (spec §3.6, §4.3).
import type { Family } from '../addr/types.ts';
import type { Diagnostic, Parsed } from '../model/diagnostics.ts';
import type { FibFlags, Route, Rule } from '../model/network-state.ts';
import { RT_TABLE_DEFAULT, RT_TABLE_LOCAL, RT_TABLE_MAIN } from '../model/network-state.ts';

export interface FibTrieSections {
  /** section title ("Main", "Local", "Id 100") → its lines */
  readonly sections: ReadonlyMap<string, string>;
}

/** Splits /proc/net/fib_trie or /proc/net/fib_triestat into its per-table sections (a header line "Main:" then its lines). */
export function parseFibTrie(text: string): FibTrieSections {
  const sections = new Map<string, string>();
  let title: string | undefined;
  let body: string[] = [];
  const flush = (): void => {
    if (title !== undefined) sections.set(title, body.join('\n'));
  };
  for (const line of text.split('\n')) {
    const header = /^(\S.*):\s*$/.exec(line);
    if (header) {
      flush();
      title = header[1] ?? '';
      body = [];
    } else if (line.trim() !== '' && title !== undefined) {
      body.push(line);
    }
  }
  flush();
  return { sections };
}

/**
 * v4TablesMerged: while no IPv4 rule was ever added or deleted, local and main are one trie and
 * /proc/net/fib_trie (and fib_triestat) print it twice ("Main:" with the same body as "Local:");
 * after fib_unmerge() "Main:" holds only main's routes (fib_trie omits it when empty, fib_triestat
 * shows "Prefixes: 0"). VERIFIED on 6.18.
 * v4HasCustomLocalRoutes: inferred from the routes of type local not installed by the kernel.
 */
// mirrors fib_unmerge(), net/ipv4/fib_frontend.c and fib_trie_seq_show(), net/ipv4/fib_trie.c
export function inferFibFlags(input: {
  readonly fibTrie?: string;
  readonly rules4: readonly Rule[];
  readonly routes: readonly Route[];
  readonly file?: string;
}): Parsed<FibFlags> {
  const diagnostics: Diagnostic[] = [];
  const file = input.file ?? 'fib_trie';
  const defaultRules = hasOnlyDefaultRules(input.rules4, 4);
  let merged: boolean;
  if (input.fibTrie === undefined) {
    merged = defaultRules;
    diagnostics.push({
      severity: defaultRules ? 'warning' : 'info',
      code: 'fib-trie-missing',
      message: defaultRules
        ? 'no /proc/net/fib_trie: assuming the IPv4 local and main tables are still merged (the rules are the defaults)'
        : 'no /proc/net/fib_trie: the IPv4 local and main tables are split (the rules are not the defaults)',
      source: { file },
      ...(defaultRules ? { hint: 'capture with `pbr snapshot` to record /proc/net/fib_trie' } : {}),
    });
  } else {
    const { sections } = parseFibTrie(input.fibTrie);
    const main = nonEmptySection(sections.get('Main'));
    const local = nonEmptySection(sections.get('Local'));
    if (main === undefined && local === undefined) {
      merged = defaultRules;
      diagnostics.push({
        severity: 'info',
        code: 'fib-trie-empty',
        message: `/proc/net/fib_trie shows no IPv4 routes; taking the tables as ${merged ? 'merged' : 'split'} from the rules`,
        source: { file },
      });
    } else {
      merged = main !== undefined && main === local;
      if (merged && !defaultRules) {
        diagnostics.push({
          severity: 'warning',
          code: 'fib-trie-inconsistent',
          message: '/proc/net/fib_trie shows merged local/main tables although the IPv4 rules are not the defaults',
          source: { file },
          hint: 'the trie and the rules were perhaps captured at different times',
        });
      }
    }
  }
  const customLocal = input.routes.some(
    (r) => r.family === 4 && r.type === 'local' && r.protocol !== 'kernel',
  );
  if (!customLocal) {
    diagnostics.push({
      severity: 'info',
      code: 'fib-custom-local-routes-unobservable',
      message: 'no user-added IPv4 local route is present; one added and removed earlier would still have set the kernel\'s sticky has_custom_local_routes flag, which no dump shows',
      source: { file },
    });
  }
  return { value: { v4TablesMerged: merged, v4HasCustomLocalRoutes: customLocal }, diagnostics };
}

/** A table section that holds routes: fib_triestat lists empty tables with "Prefixes: 0". */
function nonEmptySection(body: string | undefined): string | undefined {
  return body === undefined || /^\s*Prefixes:\s+0\s*$/m.test(body) ? undefined : body;
}

/** The kernel's default rule set: v4 `0 lookup local, 32766 lookup main, 32767 lookup default`; v6 without the last. */
export function hasOnlyDefaultRules(rules: readonly Rule[], family: Family): boolean {
  const expected: readonly (readonly [number, number])[] = family === 4
    ? [[0, RT_TABLE_LOCAL], [32766, RT_TABLE_MAIN], [32767, RT_TABLE_DEFAULT]]
    : [[0, RT_TABLE_LOCAL], [32766, RT_TABLE_MAIN]];
  return rules.length === expected.length && rules.every((rule, i) => {
    const [priority, table] = expected[i] ?? [-1, -1];
    return rule.priority === priority && rule.table === table && rule.action === 'lookup' && isPlainRule(rule);
  });
}

function isPlainRule(rule: Rule): boolean {
  return !rule.invert && rule.src === undefined && rule.dst === undefined && rule.tos === 0 &&
    rule.dscp === undefined && rule.fwmask === 0 && rule.iif === undefined && rule.oif === undefined &&
    rule.uidRange === undefined && rule.ipProto === undefined && rule.sport === undefined &&
    rule.dport === undefined && !rule.l3mdev && rule.suppressPrefixlen === -1 &&
    rule.suppressIfgroup === -1 && rule.tunId === undefined && rule.flowlabel === undefined;
}
