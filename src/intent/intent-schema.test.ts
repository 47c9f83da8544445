import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { VALID_INTENTS } from './intent-cases-test-support.ts';
import { intentFileSchema, intentJsonSchema, renderIntentSchemaFile } from './intent-schema.ts';

const read = (path: string): string => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

test('schema/pbr.schema.json is current (regenerate: npx tsx scripts/write-intent-schema.ts)', () => {
  assert.equal(read('schema/pbr.schema.json'), renderIntentSchemaFile());
});

test('the JSON Schema is draft 2020-12, closed at the top, and requires uplinks', () => {
  const schema = intentJsonSchema() as { $schema?: string; required?: string[]; additionalProperties?: boolean; properties?: Record<string, unknown> };
  assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
  assert.deepEqual(schema.required, ['uplinks']);
  assert.equal(schema.additionalProperties, false);
  assert.deepEqual(Object.keys(schema.properties ?? {}), ['uplinks', 'policies', 'default', 'options']);
});

const ACCEPTED: readonly { readonly name: string; readonly yaml: string }[] = [
  ...VALID_INTENTS.map((c) => ({ name: c.name, yaml: c.yaml })),
  { name: 'examples/pbr.yaml', yaml: read('examples/pbr.yaml') },
];

for (const c of ACCEPTED) {
  test(`the schema accepts: ${c.name}`, () => {
    const r = intentFileSchema.safeParse(parse(c.yaml));
    assert.ok(r.success, JSON.stringify(r.error?.issues.map((i) => [i.path.join('.'), i.message])));
  });
}

const REJECTED: readonly { readonly name: string; readonly yaml: string; readonly path: string }[] = [
  { name: 'a misspelt top-level key', yaml: 'uplinks: { a: { interface: wan1, gateway: 192.0.2.1 } }\npolices: []\n', path: '' },
  { name: 'a misspelt match key', yaml: 'uplinks: { a: { interface: wan1, gateway: 192.0.2.1 } }\npolicies: [{ name: p, match: { proto: tcp, dprot: 22 }, via: a }]\n', path: 'policies.0.match' },
  { name: 'an uplink without interface', yaml: 'uplinks: { a: { gateway: 192.0.2.1 } }\n', path: 'uplinks.a.interface' },
  { name: 'an IPv6 gateway under gateway', yaml: 'uplinks: { a: { interface: wan1, gateway: "2001:db8::1" } }\n', path: 'uplinks.a.gateway' },
  { name: 'an unknown protocol', yaml: 'uplinks: { a: { interface: wan1, gateway: 192.0.2.1 } }\npolicies: [{ name: p, match: { proto: tpc }, via: a }]\n', path: 'policies.0.match.proto' },
  { name: 'a via list', yaml: 'uplinks: { a: { interface: wan1, gateway: 192.0.2.1 } }\npolicies: [{ name: p, match: {}, via: [a, a] }]\n', path: 'policies.0.via' },
  { name: 'a balance weight of zero', yaml: 'uplinks: { a: { interface: wan1, gateway: 192.0.2.1 } }\npolicies: [{ name: p, match: {}, via: { balance: { a: 0, b: 1 } } }]\n', path: 'policies.0.via.balance.a' },
  { name: 'not inside not', yaml: 'uplinks: { a: { interface: wan1, gateway: 192.0.2.1 } }\npolicies: [{ name: p, match: { not: { not: { proto: tcp } } }, via: a }]\n', path: 'policies.0.match.not' },
  { name: 'rp_filter strict', yaml: 'uplinks: { a: { interface: wan1, gateway: 192.0.2.1 } }\noptions: { rp_filter: strict }\n', path: 'options.rp_filter' },
];

for (const c of REJECTED) {
  test(`the schema rejects: ${c.name}`, () => {
    const r = intentFileSchema.safeParse(parse(c.yaml));
    assert.equal(r.success, false);
    assert.ok(r.error?.issues.some((i) => i.path.join('.') === c.path), JSON.stringify(r.error?.issues.map((i) => i.path)));
  });
}
