// `tagship check` works offline: a valid tagship.yml is summarised (exit 0), a broken one
// lists every error with its field (exit 2), and a projects file is checked too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
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

test('init reads a repository (a Cargo workspace with crates/*, a Makefile) and writes a tagship.yml check accepts; never overwrites one', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tagship-init-'));
  writeFileSync(join(dir, 'Cargo.toml'), '[package]\nname = "tool"\nversion = "1.0.0"\n[[bin]]\nname = "tl"\npath = "src/main.rs"\n[workspace]\nmembers = ["crates/*"]\n');
  for (const c of ['tool-core', 'tool-cli']) {
    mkdirSync(join(dir, 'crates', c), { recursive: true });
    writeFileSync(join(dir, 'crates', c, 'Cargo.toml'), `[package]\nname = "${c}"\nversion = "1.0.0"\n`);
  }
  writeFileSync(join(dir, 'Makefile'), 'build:\n\ttrue\ntest:\n\ttrue\n');
  const r = await cli('init', dir);
  assert.equal(r.code, Exit.ok, r.out);
  const text = readFileSync(join(dir, 'tagship.yml'), 'utf8');
  assert.match(text, /crates: \{ registry: crates, order: \[tool-cli, tool-core, tool\] \}/, 'members, then the root package');
  assert.match(text, /testGate: \{ command: "make test" \}/);
  assert.match(text, /tar -czf dist\/tl-\$TAGSHIP_VERSION-linux-amd64\.tar\.gz -C target\/release tl/);
  assert.equal((await cli('check', join(dir, 'tagship.yml'))).code, Exit.ok);
  const again = await cli('init', dir);
  assert.equal(again.code, Exit.badInput);
  assert.match(again.out, /exists; pass --force/);
});
