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
  assert.match(text, /repositories +trees\/1\.2\.0-abc \(deb stable\)/);
});

test('a retry says how long since the release first started, and what kept targets cost when built', () => {
  const retried = { ...result, targets: [result.targets[0]!, { ...result.targets[1]!, machineSeconds: 20 }], resumed: { previousRunId: 'r1', kept: ['target amd64-rpm'] } };
  const lines = renderSummary('release:p:v1.2.0', retried, { startTime: new Date(600_000), closeTime: new Date(602_000), firstStart: new Date(0) });
  assert.equal(lines[0], 'release:p:v1.2.0: completed in 2 s (602 s since its first run started)');
  assert.match(lines.join('\n'), /amd64-rpm +kept from an earlier run \(20 machine-seconds there\)/);
});

test('a working-tree release says it is unreproducible', () => {
  const lines = renderSummary('release:p:v1.2.0', { ...result, source: { sha256: 'd'.repeat(64), reproducible: false } }, { startTime: new Date(0) });
  assert.match(lines.join('\n'), /commit +working tree, UNREPRODUCIBLE/);
  assert.equal(lines[0], 'release:p:v1.2.0: completed');
});

test('a container app release: the image and chart by digest, latest and why, the QA record it shipped on', () => {
  const app: ReleaseResult = {
    ...result, targets: [], machineSeconds: 0, published: undefined, repositories: undefined,
    app: {
      reference: 'r.example:5000/app:1.0.1', digest: `sha256:${'1'.repeat(64)}`, platforms: { amd64: `sha256:${'2'.repeat(64)}` },
      versionTag: 'created', latest: 'kept', latestReason: '1.1.0 is higher than 1.0.1: latest stays on 1.1.0',
      qa: { commit: 'c'.repeat(40), run: { workflowId: `ci-app-${'c'.repeat(40)}`, runId: 'r' }, expiresAt: '2027-01-01T00:00:00.000Z' },
      report: { path: 'qa/1.0.1/', live: 'trees/1.0.1-qa-x' },
      chart: { reference: 'oci://r.example:5000/charts/app', version: '1.0.1', outcome: 'pushed' },
    },
    velocitas: { appName: 'SampleApp', desiredState: 'sampleapp_manifest_1.0.1.json', files: ['AppManifest.json', 'sampleapp_manifest_1.0.1.json', 'velocitas.intoto.json'] },
  };
  const text = renderSummary('release:app:v1.0.1', app, { startTime: new Date(0) }).join('\n');
  assert.match(text, new RegExp(`image +r\\.example:5000/app:1\\.0\\.1 = sha256:1{64} \\(created; latest kept: 1\\.1\\.0 is higher than 1\\.0\\.1`));
  assert.match(text, /chart +oci:\/\/r\.example:5000\/charts\/app 1\.0\.1 \(pushed\)/);
  assert.match(text, new RegExp(`QA +record of c{40} from ci-app-c{40}, kept until 2027-01-01T00:00:00\\.000Z; report at qa/1\\.0\\.1/`));
  assert.match(text, /velocitas +SampleApp: AppManifest\.json, sampleapp_manifest_1\.0\.1\.json, velocitas\.intoto\.json beside the report/);
  assert.doesNotMatch(text, /crates|repositories/);
});

test('a release with a build environment and a dependency cache says which image ran and what the cache gave', () => {
  const withEnv: ReleaseResult = {
    ...result,
    environments: { 'amd64:ci:ci/Dockerfile': { image: 'tagship-env/p:amd64-0123', imageId: 'sha256:' + 'a'.repeat(64), reused: true } },
    targets: [{ ...result.targets[0]!, dependencyCache: { restored: 212, stored: 3 } }, { ...result.targets[0]!, target: 'arm64-deb', dependencyCache: { restored: 0, stored: 0, problem: 'not saved: HTTP 500' } }],
  };
  const text = renderSummary('release:p:v1.2.0', withEnv, { startTime: new Date(0), closeTime: new Date(1000) }).join('\n');
  assert.match(text, /environment +amd64:ci:ci\/Dockerfile: tagship-env\/p:amd64-0123 \(built by an earlier release\)/);
  assert.match(text, /amd64-deb .* 1 artifact\(s\), cache: 212 file\(s\) in, 3 kept$/m);
  assert.match(text, /arm64-deb .* cache: 0 file\(s\) in, 0 kept \(not saved: HTTP 500\)$/m);
});
