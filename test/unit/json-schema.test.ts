// The committed JSON Schema is the one the zod schema generates today, and says what the
// validator says about the fields an editor completes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SCHEMA_FILE, tagshipJsonSchema, tagshipJsonSchemaText } from '../../core/config/json-schema.ts';
import { REPO_ROOT } from '../../providers/paths.ts';

test('the committed schema matches the config schema (run `npm run schema` after changing it)', () => {
  assert.equal(readFileSync(join(REPO_ROOT, SCHEMA_FILE), 'utf8'), tagshipJsonSchemaText());
});

test('the schema knows the fields: required project, strict objects, artifact kinds, tag prefixes', () => {
  const s = tagshipJsonSchema() as { required?: string[]; additionalProperties?: boolean; properties: Record<string, { properties?: Record<string, unknown> }> };
  assert.deepEqual(s.required, ['project']);
  assert.equal(s.additionalProperties, false, 'a misspelt field is an error in the editor too');
  const text = JSON.stringify(s.properties.targets);
  for (const kind of ['deb', 'rpm', 'crate', 'wheel', 'sdist', 'archive']) assert.ok(text.includes(`"${kind}"`), kind);
  assert.deepEqual((s.properties.tag!.properties!.prefix as { enum: string[] }).enum, ['v', '']);
  assert.ok(s.properties.checksums, 'the checksums pipe\'s block');
});
