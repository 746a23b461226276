// The layers as the README draws them, kept by the import graph: entry points (client/,
// workers/) over orchestration (workflows/, and the release pipeline's steps in pipes/) and
// side effects (activities/, and each pipe's activities.ts and activities/), over providers,
// ports and pure decisions (core/). No arrow points up; between the entry points only the
// CLI's to the worker it can run (`tagship worker`), never back; workflow code reaches
// activities and ports by type only. core/ may take a pipe's pure parts (its config schema
// fragment). embedded/ (the outside world on loopback) stands beside
// providers. Scripts, benches, chaos runs and tests may use anything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { REPO_ROOT } from '../../providers/paths.ts';

const ALLOWED: Record<string, { any: string[]; typeOnly?: string[] }> = {
  core: { any: ['core', 'pipe-pure'] },
  'pipe-pure': { any: ['core', 'pipe-pure'] },
  'pipe-steps': { any: ['core', 'workflows', 'pipe-steps', 'pipe-pure'], typeOnly: ['activities', 'ports', 'pipe-activities'] },
  'pipe-activities': { any: ['core', 'ports', 'providers', 'activities', 'pipe-activities', 'pipe-pure'], typeOnly: ['pipe-steps'] },
  ports: { any: ['core', 'ports'] },
  providers: { any: ['core', 'ports', 'providers'] },
  embedded: { any: ['core', 'ports', 'providers', 'embedded'] },
  activities: { any: ['core', 'ports', 'providers', 'activities'] },
  workflows: { any: ['core', 'workflows', 'pipe-steps'], typeOnly: ['activities', 'ports', 'pipe-activities'] },
  workers: { any: ['core', 'ports', 'providers', 'activities', 'workflows', 'workers', 'pipe-steps', 'pipe-activities', 'pipe-pure'] },
  client: { any: ['core', 'ports', 'providers', 'activities', 'workflows', 'workers', 'client', 'pipe-steps', 'pipe-activities', 'pipe-pure'] },
};

const IMPORT = /^\s*(import|export)\s+(type\s+)?[^'";]*?from\s+'(\.{1,2}\/[^']+)'|import\('(\.{1,2}\/[^']+)'\)/gm;

/** A file's layer: its top folder, except in pipes/, where a pipe's workflow code (step.ts, and
 *  the pipeline's own files), its side effects (activities.ts, activities/) and its pure parts
 *  (the config schema fragment, pure decisions both sides share) are three layers. */
export function layerOf(file: string): string {
  const top = file.split('/')[0]!;
  if (top !== 'pipes') return top;
  if (/^pipes\/[^/]+\/activities(\.ts|\/)/.test(file)) return 'pipe-activities';
  if (/^pipes\/[^/]+\/step\.ts$/.test(file) || /^pipes\/[^/]+\.ts$/.test(file)) return 'pipe-steps';
  return 'pipe-pure';
}

/** The repository's TypeScript files (a walk, not `git ls-files`: tagship's own CI runs its
 *  tests on the commit's files, which are not a git checkout). */
function sourceFiles(dir: string): string[] {
  return readdirSync(join(REPO_ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const path = dir ? `${dir}/${e.name}` : e.name;
    if (e.isDirectory()) return ['node_modules', 'dist', '.git', '.tagship', 'test-artifacts'].includes(e.name) ? [] : sourceFiles(path);
    return e.isFile() && e.name.endsWith('.ts') ? [path] : [];
  });
}

function arrows(): { from: string; file: string; to: string; typeOnly: boolean }[] {
  const files = sourceFiles('');
  return files.flatMap((file) => {
    const from = layerOf(file);
    if (!(from in ALLOWED)) return [];
    const text = readFileSync(join(REPO_ROOT, file), 'utf8');
    return [...text.matchAll(IMPORT)].map((m) => ({ from, file, to: layerOf(normalize(join(dirname(file), m[3] ?? m[4]!))), typeOnly: !!m[2] }));
  });
}

test('no import points up a layer or across entry points', () => {
  const all = arrows();
  assert.ok(all.length > 300, `the import graph was read (${all.length} arrows)`);
  const wrong = all
    .filter(({ from, to, typeOnly }) => !ALLOWED[from]!.any.includes(to) && !(typeOnly && ALLOWED[from]!.typeOnly?.includes(to)))
    .map(({ file, to, typeOnly }) => `${file} → ${to}/${typeOnly ? ' (type)' : ''}`);
  assert.deepEqual(wrong, []);
});

test('a pipe folder is three layers: its pure parts, its activities, its workflow step', () => {
  assert.equal(layerOf('pipes/checksums/config.ts'), 'pipe-pure');
  assert.equal(layerOf('pipes/checksums/sums.ts'), 'pipe-pure');
  assert.equal(layerOf('pipes/crates/activities.ts'), 'pipe-activities');
  assert.equal(layerOf('pipes/repositories/activities/deb.ts'), 'pipe-activities');
  assert.equal(layerOf('pipes/crates/step.ts'), 'pipe-steps');
  assert.equal(layerOf('pipes/index.ts'), 'pipe-steps');
});

test('the rule sees a wrong arrow when there is one', () => {
  const m = [..."import { x } from '../client/cli.ts';\nimport type { Y } from '../activities/a.ts';".matchAll(IMPORT)];
  assert.deepEqual(m.map((x) => [x[3], !!x[2]]), [['../client/cli.ts', false], ['../activities/a.ts', true]]);
});
