// `tagship check` works offline: a valid tagship.yml is summarised (exit 0), a broken one
// lists every error with its field (exit 2), and a projects file is checked too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { runCli, Exit } from '../../client/cli.ts';
import { REPO_ROOT } from '../../providers/paths.ts';

async function cli(...args: string[]): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const code = await runCli(args, (l) => out.push(l), (l) => out.push(l));
  return { code, out: out.join('\n') };
}

test('check: the example is valid and summarised; no server is needed', async () => {
  // An address nothing listens on: check must not try it.
  const saved = process.env.TEMPORAL_ADDRESS;
  process.env.TEMPORAL_ADDRESS = '127.0.0.1:9';
  try {
    const r = await cli('check', join(REPO_ROOT, 'examples', 'hello-veilid', 'tagship.yml'));
    assert.equal(r.code, Exit.ok, r.out);
    assert.match(r.out, /valid — project hello-veilid; 5 target\(s\) \(amd64-deb, arm64-deb, amd64-rpm, arm64-rpm, amd64-tarball\); publishes crates, python; repositories deb, rpm; signed checksums/);
  } finally {
    if (saved === undefined) delete process.env.TEMPORAL_ADDRESS;
    else process.env.TEMPORAL_ADDRESS = saved;
  }
});

test('check: every error with its field, exit 2; a bad projects file too', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tagship-check-'));
  writeFileSync(join(dir, 'tagship.yml'), 'project: Bad\ntestGate: { command: make test }\ntargets:\n  - { name: x, arch: amd64, os: deb, build: [], artifacts: [{ path: "a", kind: nope }] }\n');
  const r = await cli('check', join(dir, 'tagship.yml'));
  assert.equal(r.code, Exit.badInput);
  assert.match(r.out, /has 3 error\(s\):\n {2}project: must be 1-63 lowercase letters/);
  assert.match(r.out, /targets\[0\]\.build: needs at least one build command/);
  assert.match(r.out, /targets\[0\]\.artifacts\[0\]\.kind: must be one of deb, rpm, crate/);
  assert.equal((await cli('check', join(dir, 'missing.yml'))).code, Exit.badInput);
  writeFileSync(join(dir, 'projects.yml'), 'projects:\n  p: { repository: "not a url" }\n');
  const projects = await cli('check', join(REPO_ROOT, 'examples', 'hello-veilid', 'tagship.yml'), '--projects', join(dir, 'projects.yml'));
  assert.equal(projects.code, Exit.badInput, projects.out);
  assert.match(projects.out, /repository/);
});
