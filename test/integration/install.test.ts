// tagship installed as a package (issue 20): `npm pack` (which compiles it), then `npm install -g`
// of the tarball into a temporary prefix, and the installed `tagship` works from a folder that is
// not the checkout, as compiled JavaScript with no TypeScript runner installed — help, the
// worker's and the hook server's help, `tagship check` of a project's tagship.yml (valid: exit 0;
// broken: exit 2, naming the field), and a release run by the installed worker and CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { REPO_ROOT, TOOLS_DIR } from '../../providers/paths.ts';
import { freePort } from '../../providers/net/ports.ts';
import { temporalAddress, uniqueSuffix } from '../helpers/temporal.ts';

test('npm pack → npm install -g into a prefix → the installed tagship checks a project and releases it with its own worker', async () => {
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

  // The installed worker bundles its compiled workflows (an installed package sits under
  // node_modules, where the SDK's bundler compiles no TypeScript) and the installed CLI releases
  // through it.
  writeFileSync(join(project, 'tagship.yml'), 'project: demo\ntestGate: { command: "true" }\ntargets:\n  - { name: t, arch: amd64, os: generic, build: ["mkdir -p out && echo installed > out/r.txt"], artifacts: [out/*] }\n');
  const env = { PATH: process.env.PATH!, HOME: work, TEMPORAL_ADDRESS: temporalAddress(), TAGSHIP_TASK_QUEUE: `installed-${uniqueSuffix()}`, TAGSHIP_STATE_DIR: join(work, 'state'), TAGSHIP_GATEWAY_PORT: String(await freePort()), TAGSHIP_TOOLS_DIR: TOOLS_DIR };
  const worker = spawn(tagship, ['worker'], { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  worker.stdout.on('data', (b: Buffer) => (log += b.toString()));
  worker.stderr.on('data', (b: Buffer) => (log += b.toString()));
  try {
    for (let i = 0; i < 240 && !log.includes('tagship orchestrator worker on'); i++) await new Promise((r) => setTimeout(r, 500));
    assert.match(log, /tagship orchestrator worker on/, `the installed worker started:\n${log.slice(-2000)}`);
    const cli = (...args: string[]) => spawnSync(tagship, args, { cwd: work, encoding: 'utf8', env, timeout: 180_000 });
    const started = cli('release', 'start', 'v1.0.0', '--from-dir', project);
    assert.equal(started.status, 0, started.stderr);
    const watched = cli('release', 'watch', 'v1.0.0', '-p', 'demo', '--from-dir', project);
    assert.equal(watched.status, 0, watched.stderr + watched.stdout);
    const status = cli('release', 'status', 'v1.0.0', '-p', 'demo', '--from-dir', project);
    assert.match(status.stdout, /release:demo:v1\.0\.0: completed in/);
    assert.match(status.stdout, /t +\d+ machine-seconds on tagship-demo-1\.0\.0-t-.*1 artifact\(s\)/);
  } finally {
    worker.kill('SIGTERM');
  }
});
