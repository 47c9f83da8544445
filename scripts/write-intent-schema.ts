// Writes schema/pbr.schema.json, the JSON Schema of pbr.yaml, from src/intent/intent-schema.ts.
// Run after changing the intent format: npx tsx scripts/write-intent-schema.ts
import { mkdirSync, writeFileSync } from 'node:fs';
import { renderIntentSchemaFile } from '../src/intent/intent-schema.ts';

const dir = new URL('../schema/', import.meta.url);
mkdirSync(dir, { recursive: true });
writeFileSync(new URL('pbr.schema.json', dir), renderIntentSchemaFile());
console.log('wrote schema/pbr.schema.json');
