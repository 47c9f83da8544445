import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../model/errors.ts';
import { scanOptions } from './options.ts';
import { takesValue } from './route-get-args.ts';

test('options are taken from anywhere; selector values stay words', () => {
  const rows: readonly (readonly [readonly string[], Record<string, unknown>, readonly string[]])[] = [
    [['-4', 'route', 'get', '1.2.3.4', '-j'], { family: 4, json: true }, ['route', 'get', '1.2.3.4']],
    [['route', 'get', '--snapshot', 's.json', '1.2.3.4'], { snapshot: 's.json' }, ['route', 'get', '1.2.3.4']],
    [['route', 'get', '--snapshot=s.json', '--explain', '1.2.3.4'], { snapshot: 's.json', explain: true }, ['route', 'get', '1.2.3.4']],
    [['route', 'get', '1.2.3.4', 'mark', '-1'], {}, ['route', 'get', '1.2.3.4', 'mark', '-1']],
    [['route', 'get', '--batch', '-'], { batch: '-' }, ['route', 'get']],
    [['snapshot', '-o', 'x.json', '--netns', 'lab'], { output: 'x.json', netns: 'lab' }, ['snapshot']],
    [['route', 'show', '-6', '-d', 'table', 'all'], { family: 6, details: true }, ['route', 'show', 'table', 'all']],
    [['--version'], { version: true }, []],
    [['rule', 'show', '--help', '--debug'], { help: true, debug: true }, ['rule', 'show']],
  ];
  for (const [argv, set, words] of rows) {
    const scan = scanOptions(argv, takesValue);
    const picked = Object.fromEntries(Object.keys(set).map((k) => [k, scan.options[k as keyof typeof scan.options]]));
    assert.deepEqual(picked, set, argv.join(' '));
    assert.deepEqual(scan.words, words, argv.join(' '));
  }
});

test('bad options are usage errors', () => {
  for (const [argv, message] of [
    [['route', 'get', '--frobnicate'], /unknown option "--frobnicate"/],
    [['route', 'get', '--snapshot'], /--snapshot needs a value/],
    [['route', 'get', '--json=yes'], /takes no value/],
  ] as const) {
    assert.throws(() => scanOptions(argv, takesValue), (e: unknown) => e instanceof UsageError && message.test(e.message));
  }
});
