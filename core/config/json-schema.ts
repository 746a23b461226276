// tagship.yml's JSON Schema, generated from the zod schema that validates it (so the two never
// disagree): editors' YAML language servers read it through a `# yaml-language-server:
// $schema=` line. The committed copy (schema/tagship.schema.json) is checked against this in CI.
import { z } from 'zod';
import { configSchema } from './schema.ts';

export const SCHEMA_FILE = 'schema/tagship.schema.json';

export function tagshipJsonSchema(): Record<string, unknown> {
  // What a user writes (the input side: defaults optional, plain globs allowed).
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' });
  return { ...schema, title: 'tagship.yml', description: 'How tagship releases a project: its test gate, build targets, publishers, repositories and container app. See README.md, "tagship.yml".' };
}

/** The file's text, as committed. */
export function tagshipJsonSchemaText(): string {
  return `${JSON.stringify(tagshipJsonSchema(), null, 2)}\n`;
}
