// Routing table names (/etc/iproute2/rt_tables and rt_tables.d), as iproute2 resolves them.

export interface RtTables {
  /** id -> name, as iproute2 prints a table id */
  readonly names: ReadonlyMap<number, string>;
  /** name -> id, as iproute2 reads a table name */
  readonly ids: ReadonlyMap<string, number>;
}

/** The names iproute2 knows without any file. */
export const BUILTIN_RT_TABLES: readonly (readonly [number, string])[] = [
  [0, 'unspec'],
  [253, 'default'],
  [254, 'main'],
  [255, 'local'],
];

export function builtinRtTables(): RtTables {
  return {
    names: new Map(BUILTIN_RT_TABLES.map(([id, name]) => [id, name])),
    ids: new Map(BUILTIN_RT_TABLES.map(([id, name]) => [name, id])),
  };
}

/** iproute2's rtnl_rttable_n2a(): a known name, else the decimal id. */
export function tableName(tables: RtTables, id: number): string {
  return tables.names.get(id) ?? String(id);
}

/** iproute2's rtnl_rttable_a2n(): a known name or a decimal/hex number; undefined when neither. */
export function tableId(tables: RtTables, text: string): number | undefined {
  const known = tables.ids.get(text);
  if (known !== undefined) return known;
  if (!/^(0x[0-9a-f]+|\d+)$/i.test(text)) return undefined;
  const id = Number(text);
  return id <= 0xffffffff ? id : undefined;
}
