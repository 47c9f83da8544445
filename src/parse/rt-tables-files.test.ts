import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tableId, tableName } from '../model/rt-tables.ts';
import { parseRtTablesFiles } from './rt-tables-files.ts';

const files = (...contents: string[]) => contents.map((content, i) => ({ path: `f${i}`, content }));

test('built-in names without any file', () => {
  const { value, diagnostics } = parseRtTablesFiles([]);
  assert.deepEqual([253, 254, 255, 0].map((id) => tableName(value, id)), ['default', 'main', 'local', 'unspec']);
  assert.equal(tableName(value, 100), '100');
  assert.deepEqual(diagnostics, []);
});

// mirrors fread_id_name(): sscanf("0x%x %s"), then sscanf("%d %s"); the rest of a line is ignored
const lines: readonly [string, string, number | undefined, string | undefined][] = [
  ['decimal', '100 isp1', 100, 'isp1'],
  ['tab and leading blanks', ' \t 101\tisp2', 101, 'isp2'],
  ['hex', '0x12c lab', 300, 'lab'],
  ['trailing comment', '102 isp3 # comment', 102, 'isp3'],
  ['comment glued to the name is part of it', '103 isp4#x', 103, 'isp4#x'],
  ['extra words ignored', '104 isp5 more words', 104, 'isp5'],
  ['digits glued to the name', '105abc', 105, 'abc'],
  ['"0x10" alone is id 0 named "x10" (C sscanf)', '0x10', 0, 'x10'],
  ['uppercase 0X is read as decimal 0', '0X1f name', 0, 'X1f'],
  ['large id', '4000 vpn', 4000, 'vpn'],
];
for (const [name, line, id, tableNameText] of lines) {
  test(`line: ${name}`, () => {
    const { value } = parseRtTablesFiles(files(line));
    if (tableNameText === undefined || id === undefined) return;
    assert.equal(tableId(value, tableNameText), id);
    assert.equal(tableName(value, id), tableNameText);
  });
}

test('ids that are negative as a C int are ignored with a warning', () => {
  const { value, diagnostics } = parseRtTablesFiles(files('-5 neg\n3000000000 big\n0x80000000 bighex\n7 ok'));
  assert.equal(tableId(value, 'neg'), undefined);
  assert.equal(tableId(value, 'big'), undefined);
  assert.equal(tableId(value, 'bighex'), undefined);
  assert.equal(tableId(value, 'ok'), 7);
  assert.deepEqual(diagnostics.map((d) => [d.code, d.source?.line]), [['rt-tables-bad-id', 1], ['rt-tables-bad-id', 2], ['rt-tables-bad-id', 3]]);
});

test('a bad line stops the file (iproute2: "Database … is corrupted"), other files still count', () => {
  const { value, diagnostics } = parseRtTablesFiles(files('# c\n\n10 a\nbogus line\n11 b', '12 c'));
  assert.equal(tableId(value, 'a'), 10);
  assert.equal(tableId(value, 'b'), undefined);
  assert.equal(tableId(value, 'c'), 12);
  assert.equal(diagnostics.length, 1);
  assert.deepEqual(diagnostics[0]?.source, { file: 'f0', line: 4, column: 1 });
  assert.match(diagnostics[0]?.message ?? '', /1 more line/);
});

test('an id named twice: the later file wins when printing, both names read back', () => {
  const { value, diagnostics } = parseRtTablesFiles(files('100 first', '100 second'));
  assert.equal(tableName(value, 100), 'second');
  assert.equal(tableId(value, 'first'), 100);
  assert.equal(tableId(value, 'second'), 100);
  assert.deepEqual(diagnostics.map((d) => d.code), ['rt-tables-several-names']);
});

test('a name used for two ids: read back as the id whose hash bucket (id & 255) comes first', () => {
  // 300 & 255 = 44 < 100, so rtnl_rttable_a2n() finds 300 first although 100 came first
  const { value, diagnostics } = parseRtTablesFiles(files('100 dup\n300 dup'));
  assert.equal(tableId(value, 'dup'), 300);
  assert.equal(tableName(value, 100), 'dup');
  assert.equal(tableName(value, 300), 'dup');
  assert.deepEqual(diagnostics.map((d) => d.code), ['rt-tables-duplicate-name']);
});

test('same bucket: the newest entry is found first', () => {
  const { value } = parseRtTablesFiles(files('7 dup', '263 dup'));
  assert.equal(tableId(value, 'dup'), 263);
  const reversed = parseRtTablesFiles(files('263 dup', '7 dup')).value;
  assert.equal(tableId(reversed, 'dup'), 7);
});

test('renaming main in a file changes what is printed for 254', () => {
  const { value } = parseRtTablesFiles(files('254 primary'));
  assert.equal(tableName(value, 254), 'primary');
  assert.equal(tableId(value, 'main'), 254);
  assert.equal(tableId(value, 'primary'), 254);
});
