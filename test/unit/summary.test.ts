// What `release status` prints for a finished release.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderSummary } from '../../client/summary.ts';
import type { ReleaseResult } from '../../workflows/types.ts';

const result: ReleaseResult = {
  project: 'p', tag: 'v1.2.0', version: '1.2.0', channel: 'stable', machineSeconds: 50,
  targets: [
    { target: 'amd64-deb', machine: 'tagship-p-1.2.0-amd64-deb-0-m1', machineSeconds: 30, machineAttempts: 1, manifest: { project: 'p', version: '1.2.0', target: 'amd64-deb', artifacts: [{ name: 'a.deb', size: 1, sha256: 'x', createdAt: '' }] } },
    { target: 'amd64-rpm', machine: '', machineSeconds: 0, machineAttempts: 0, reused: true, manifest: { project: 'p', version: '1.2.0', target: 'amd64-rpm', artifacts: [] } },
  ],
  published: { crates: { 'hello-core': 'published' }, python: { 'p-1.2.0.tar.gz': 'already-published' } },
  repositories: { live: 'trees/1.2.0-abc', debSuite: 'stable' },
  source: { commit: 'c'.repeat(40), repository: 'https://git.example.invalid/p.git', sha256: 'd'.repeat(64), configDigest: 'sha256:e', reproducible: true, signedBy: 'F'.repeat(40) },
};

test('a completed release: version, commit, duration, machines, publishes, repositories', () => {
  const lines = renderSummary('release:p:v1.2.0', result, { startTime: new Date(0), closeTime: new Date(74_400) });
  assert.equal(lines[0], 'release:p:v1.2.0: completed in 74 s');
  const text = lines.join('\n');
  assert.match(text, /version +1\.2\.0 \(stable\), tag v1\.2\.0/);
  assert.match(text, new RegExp(`commit +c{40}, from https://git\\.example\\.invalid/p\\.git, tag signed by F{40}`));
  assert.match(text, /targets +2, 50 machine-seconds/);
  assert.match(text, /amd64-deb +30 machine-seconds on tagship-p-1\.2\.0-amd64-deb-0-m1, 1 artifact\(s\)/);
  assert.match(text, /amd64-rpm +kept from an earlier run/);
  assert.match(text, /crates +hello-core \(published\)/);
  assert.match(text, /python +p-1\.2\.0\.tar\.gz \(already-published\)/);
  assert.match(text, /repositories +trees\/1\.2\.0-abc \(deb suite stable\)/);
});

test('a working-tree release says it is unreproducible', () => {
  const lines = renderSummary('release:p:v1.2.0', { ...result, source: { sha256: 'd'.repeat(64), reproducible: false } }, { startTime: new Date(0) });
  assert.match(lines.join('\n'), /commit +working tree, UNREPRODUCIBLE/);
  assert.equal(lines[0], 'release:p:v1.2.0: completed');
});
