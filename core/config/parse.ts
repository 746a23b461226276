// Read → validate → normalise tagship.yml. Never throws: returns the config or every error,
// each with the field path it is about, so a user can fix them all in one go.
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { configSchema, type TagshipConfig } from './schema.ts';
import { presenceProblems, rules } from './rules.ts';

export interface ConfigError {
  /** Where in the file, e.g. `targets[1].build`; `(file)` for the whole document. */
  path: string;
  message: string;
}

export type ConfigResult = { ok: true; config: TagshipConfig } | { ok: false; errors: ConfigError[] };

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || '(file)';
}

export function fromIssue(issue: z.core.$ZodIssue): ConfigError {
  // A field that takes one of several shapes (a glob, or { path, kind }): the error of the
  // shape the value has, not a bare "Invalid input".
  if (issue.code === 'invalid_union' && issue.errors.length) {
    const branch = issue.errors.find((b) => !b.some((i) => i.code === 'invalid_type' && i.path.length === 0)) ?? issue.errors[0]!;
    const first = branch[0];
    if (first) return fromIssue({ ...first, path: [...issue.path, ...first.path] });
  }
  if (issue.code === 'unrecognized_keys') {
    return { path: formatPath(issue.path), message: `unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}; check the spelling against the documented fields` };
  }
  if (issue.code === 'invalid_type' && issue.input === undefined) {
    return { path: formatPath(issue.path), message: `is required (expected ${issue.expected})` };
  }
  return { path: formatPath(issue.path), message: issue.message };
}

export function parseConfigObject(input: unknown): ConfigResult {
  const presence = input && typeof input === 'object' && !Array.isArray(input) ? presenceProblems(input as Record<string, unknown>) : [];
  const result = configSchema.safeParse(input);
  if (!result.success) {
    const errors = result.error.issues.map(fromIssue);
    return { ok: false, errors: [...errors, ...presence.filter((p) => !errors.some((e) => e.path === p.path))] };
  }
  const errors = [...presence, ...rules.flatMap((rule) => rule(result.data))];
  return errors.length ? { ok: false, errors } : { ok: true, config: result.data };
}

/** A YAML document, or the error that names why it is not one. */
export function parseYamlDocument(text: string): { ok: true; doc: unknown } | { ok: false; errors: ConfigError[] } {
  try {
    return { ok: true, doc: parseYaml(text, { prettyErrors: true }) };
  } catch (err) {
    return { ok: false, errors: [{ path: '(file)', message: `is not valid YAML: ${(err as Error).message}` }] };
  }
}

export function parseConfig(text: string): ConfigResult {
  const yaml = parseYamlDocument(text);
  if (!yaml.ok) return yaml;
  const { doc } = yaml;
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    return { ok: false, errors: [{ path: '(file)', message: 'must be a YAML mapping with project, testGate and targets' }] };
  }
  return parseConfigObject(doc);
}

export function formatConfigErrors(file: string, errors: ConfigError[]): string {
  return [`${file} has ${errors.length} error(s):`, ...errors.map((e) => `  ${e.path}: ${e.message}`)].join('\n');
}
