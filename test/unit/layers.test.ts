// The layers as the README draws them, kept by the import graph: entry points (client/,
// workers/) over orchestration (workflows/) and side effects (activities/), over providers,
// ports and pure decisions (core/). No arrow points up; between the entry points only the
// CLI's to the worker it can run (`tagship worker`), never back; a workflow reaches
// activities and ports by type only. embedded/ (the outside world on
// loopback) stands beside providers. Scripts, benches, chaos runs and tests may use anything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { REPO_ROOT } from '../../providers/paths.ts';

const ALLOWED: Record<string, { any: string[]; typeOnly?: string[] }> = {
  core: { any: ['core'] },
  ports: { any: ['core', 'ports'] },
  providers: { any: ['core', 'ports', 'providers'] },
  embedded: { any: ['core', 'ports', 'providers', 'embedded'] },
  activities: { any: ['core', 'ports', 'providers', 'activities'] },
  workflows: { any: ['core', 'workflows'], typeOnly: ['activities', 'ports'] },
  workers: { any: ['core', 'ports', 'providers', 'activities', 'workflows', 'workers'] },
  client: { any: ['core', 'ports', 'providers', 'activities', 'workflows', 'workers', 'client'] },
};

const IMPORT = /^\s*(import|export)\s+(type\s+)?[^'";]*?from\s+'(\.{1,2}\/[^']+)'|import\('(\.{1,2}\/[^']+)'\)/gm;

function arrows(): { from: string; file: string; to: string; typeOnly: boolean }[] {
  const files = execFileSync('git', ['ls-files', '*.ts'], { cwd: REPO_ROOT }).toString().split('\n').filter(Boolean);
  return files.flatMap((file) => {
    const from = file.split('/')[0]!;
    if (!(from in ALLOWED)) return [];
    const text = readFileSync(join(REPO_ROOT, file), 'utf8');
    return [...text.matchAll(IMPORT)].map((m) => ({ from, file, to: normalize(join(dirname(file), m[3] ?? m[4]!)).split('/')[0]!, typeOnly: !!m[2] }));
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

test('the rule sees a wrong arrow when there is one', () => {
  const m = [..."import { x } from '../client/cli.ts';\nimport type { Y } from '../activities/a.ts';".matchAll(IMPORT)];
  assert.deepEqual(m.map((x) => [x[3], !!x[2]]), [['../client/cli.ts', false], ['../activities/a.ts', true]]);
});
