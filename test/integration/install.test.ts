// tagship installed as a package (issue 20): `npm pack` (which compiles it), then `npm install -g`
// of the tarball into a temporary prefix, and the installed `tagship` works from a folder that is
// not the checkout, as compiled JavaScript with no TypeScript runner installed — help, the
// worker's and the hook server's help, and `tagship check` of a project's tagship.yml (valid:
// exit 0; broken: exit 2, naming the field).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { REPO_ROOT } from '../../providers/paths.ts';

test('npm pack → npm install -g into a prefix → the installed tagship checks a project from any folder', () => {
  const work = mkdtempSync(join(tmpdir(), 'tagship-install-'));
  execFileSync('npm', ['pack', '--pack-destination', work], { cwd: REPO_ROOT, stdio: 'pipe' });
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
  assert.ok(tarball, 'npm pack made a tarball');
  const prefix = join(work, 'prefix');
  // Dependencies come from the npm cache the checkout's own install filled.
  execFileSync('npm', ['install', '-g', '--prefer-offline', '--no-audit', '--no-fund', '--prefix', prefix, join(work, tarball)], { cwd: work, stdio: 'pipe' });
  const tagship = join(prefix, 'bin', 'tagship');
  const installed = join(prefix, 'lib', 'node_modules', 'tagship');
  assert.ok(existsSync(join(installed, 'dist', 'client', 'main.js')), 'the package carries its compiled JavaScript');
  assert.ok(!existsSync(join(installed, 'node_modules', 'tsx')) && !existsSync(join(prefix, 'lib', 'node_modules', 'tsx')), 'no TypeScript runner is installed with it');

  const project = join(work, 'project');
  execFileSync('mkdir', ['-p', project]);
  const run = (...args: string[]) => spawnSync(tagship, args, { cwd: project, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: work } });

  const help = run('--help');
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /^Usage: tagship/);
  for (const [args, usage] of [[['worker', '--help'], /^Usage: tagship worker/], [['hooks', 'serve', '--help'], /^Usage: tagship hooks serve/]] as const) {
    const r = run(...args);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, usage);
  }

  writeFileSync(join(project, 'tagship.yml'), 'project: demo\ntestGate: { command: "true" }\ntargets:\n  - { name: t, arch: amd64, os: generic, build: ["true"], artifacts: [out/*] }\n');
  const ok = run('check');
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /tagship\.yml: valid — project demo; 1 target\(s\)/);

  writeFileSync(join(project, 'tagship.yml'), 'project: demo\ntestGate: { command: "true" }\ntargets:\n  - { name: t, arch: amd64, os: generic, build: [], artifacts: [out/*] }\n');
  const bad = run('check');
  assert.equal(bad.status, 2, 'bad input: exit 2');
  assert.match(bad.stderr + bad.stdout, /targets\[0\]\.build: needs at least one build command/);
});
