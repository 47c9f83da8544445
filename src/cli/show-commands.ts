// `pbr route show [table X]` and `pbr rule show`.
import type { Family } from '../addr/types.ts';
import { ExitCode, UsageError } from '../model/errors.ts';
import type { NetworkState } from '../model/network-state.ts';
import { tableId } from '../model/rt-tables.ts';
import { renderRouteShow } from '../render/route-show.ts';
import { renderRuleShow } from '../render/rule-show.ts';
import { paletteFor, type CliIo } from './io.ts';
import { matches } from './route-get-args.ts';

export interface ShowOptions {
  readonly family?: Family;
  readonly json: boolean;
  readonly details: boolean;
}

export interface ShowDeps {
  readonly io: CliIo;
  readonly loadState: () => Promise<NetworkState>;
}

/** The table argument of `route show`, checked before anything is loaded; resolved against the snapshot's names later. */
type TableArg = { readonly kind: 'all' } | { readonly kind: 'cache' } | { readonly kind: 'name'; readonly text: string };

// mirrors the "table" branch of iproute_list_flush_or_save(), ip/iproute.c
export function parseRouteShowArgs(args: readonly string[]): TableArg | undefined {
  let table: TableArg | undefined;
  for (let i = 0; i < args.length; i++) {
    const word = args[i]!;
    if (!matches(word, 'table')) {
      throw new UsageError(`"${word}" is not supported by pbr route show`, 'pbr route show takes only: table NAME|ID|all');
    }
    const value = args[++i];
    if (value === undefined) throw new UsageError('"table" needs a value', 'e.g. table main, table 100, table all');
    table = value === 'all' ? { kind: 'all' } : value === 'cache' ? { kind: 'cache' } : { kind: 'name', text: value };
  }
  return table;
}

export async function runRouteShow(args: readonly string[], opts: ShowOptions, deps: ShowDeps): Promise<number> {
  const tableArg = parseRouteShowArgs(args);
  const state = await deps.loadState();
  const render = (table: number | 'all' | undefined): string =>
    renderRouteShow(state, {
      ...(opts.family !== undefined ? { family: opts.family } : {}),
      ...(table !== undefined ? { table } : {}),
      json: opts.json,
      details: opts.details,
      palette: paletteFor(deps.io.stdout),
    });
  let out: string;
  if (tableArg === undefined) out = render(undefined);
  else if (tableArg.kind === 'all') out = render('all');
  // a snapshot holds no route cache: the listing is empty
  else if (tableArg.kind === 'cache') out = opts.json ? '[]\n' : '';
  else {
    const id = tableId(state.rtTables, tableArg.text);
    if (id === undefined) {
      const names = [...state.rtTables.ids.keys()].join(', ');
      throw new UsageError(`unknown table "${tableArg.text}"`, `use a number or a name from rt_tables (${names}) or all`);
    }
    // table 0 (unspec) is no filter at all, as in ip
    out = render(id === 0 ? 'all' : id);
  }
  deps.io.stdout.write(out);
  return ExitCode.ok;
}

export async function runRuleShow(args: readonly string[], opts: ShowOptions, deps: ShowDeps): Promise<number> {
  if (args.length > 0) throw new UsageError(`"${args[0]}" is not supported by pbr rule show`, 'pbr rule show lists every rule; it takes no selectors');
  const state = await deps.loadState();
  deps.io.stdout.write(
    renderRuleShow(state, {
      ...(opts.family !== undefined ? { family: opts.family } : {}),
      json: opts.json,
      details: opts.details,
      palette: paletteFor(deps.io.stdout),
    }),
  );
  return ExitCode.ok;
}
