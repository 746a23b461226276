// The pure pieces of CI: Trivy's report read into findings, the record as terminal lines, the
// CLI's and the hooks' input checks, expiry of records, and the build context's shape.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import tar from 'tar-stream';
import { trivyFindings } from '../../activities/scan.ts';
import { qaSummary } from '../../core/qa/summary.ts';
import { expiredQaRecords, type QaRecord } from '../../core/qa/record.ts';
import { ciInputProblem } from '../../client/ci.ts';
import { buildContext, OUTSIDE_DOCKERFILE } from '../../providers/docker/build-context.ts';
import { TAGSHIP_BASES } from '../../core/dockerfile-policy.ts';

const POLICY = { ...TAGSHIP_BASES, buildArgs: {} };

test('Trivy findings: one per advisory and installed package, severities lowercased, unknown kept as unknown', () => {
  const findings = trivyFindings({
    Results: [
      { Vulnerabilities: [
        { VulnerabilityID: 'CVE-1', PkgName: 'openssl', InstalledVersion: '3.0.1', FixedVersion: '3.0.2', Severity: 'CRITICAL' },
        { VulnerabilityID: 'CVE-1', PkgName: 'openssl', InstalledVersion: '3.0.1', FixedVersion: '3.0.2', Severity: 'CRITICAL' },
        { VulnerabilityID: 'CVE-2', PkgName: 'zlib', InstalledVersion: '1.2', Severity: 'UNKNOWN' },
      ] },
      { Packages: [{}, {}] },
      {},
    ],
  });
  assert.deepEqual(findings, [
    { id: 'CVE-1', package: 'openssl', version: '3.0.1', severity: 'critical', fixedVersion: '3.0.2' },
    { id: 'CVE-2', package: 'zlib', version: '1.2', severity: 'unknown' },
  ]);
  assert.deepEqual(trivyFindings({}), []);
});

const record: QaRecord = {
  project: 'app',
  commit: 'c'.repeat(40),
  ref: 'refs/heads/main',
  startedAt: '2026-01-01T00:00:00.000Z',
  finishedAt: '2026-01-01T00:01:00.000Z',
  expiresAt: '2026-04-01T00:01:00.000Z',
  run: { workflowId: 'ci-app-c', runId: 'r1' },
  gates: { tests: { passed: true, message: '5 tests passed' }, coverage: { passed: false, message: 'line coverage 70% is below the required 80%' } },
};

test('the record as lines: each gate marked, the ones that did not run said so, failures summed up, expiry flagged', () => {
  const lines = qaSummary(record, Date.parse('2026-02-01T00:00:00Z'));
  assert.ok(lines.some((l) => /✓ tests\s+5 tests passed/.test(l)));
  assert.ok(lines.some((l) => /✗ coverage\s+line coverage 70% is below the required 80%/.test(l)));
  assert.ok(lines.some((l) => /· image\s+did not run/.test(l)));
  assert.equal(lines.at(-1), '  FAILED: coverage');
  assert.ok(!lines.some((l) => l.includes('EXPIRED')));
  assert.ok(qaSummary(record, Date.parse('2026-05-01T00:00:00Z')).some((l) => l.includes('EXPIRED')));
});

test('expired records: at or past expiresAt, and an unreadable date counts as expired', () => {
  const now = Date.parse('2026-04-01T00:01:00.000Z');
  const r = (expiresAt: string) => ({ expiresAt });
  assert.deepEqual(expiredQaRecords([r('2026-04-01T00:01:00.000Z'), r('2026-04-01T00:01:00.001Z'), r('garbage')], now).map((x) => x.expiresAt), ['2026-04-01T00:01:00.000Z', 'garbage']);
});

test('CI inputs: project, commit and ref each named when wrong', () => {
  const ok = { project: 'app', commit: 'a'.repeat(40), ref: 'refs/heads/main' };
  assert.equal(ciInputProblem(ok), null);
  assert.equal(ciInputProblem({ ...ok, ref: 'refs/pull/12/head' }), null);
  assert.equal(ciInputProblem({ ...ok, ref: 'refs/merge-requests/3/head' }), null);
  assert.equal(ciInputProblem({ ...ok, ref: 'refs/heads/release/v1.0' }), null);
  assert.equal(ciInputProblem({ ...ok, project: 'App' })?.field, 'project');
  assert.equal(ciInputProblem({ ...ok, commit: 'abc' })?.field, 'commit');
  for (const ref of ['main', 'refs/tags/v1', 'refs/heads/../x', '--upload-pack=x', 'refs/pull/x/head', 'refs/heads/a b']) assert.equal(ciInputProblem({ ...ok, ref })?.field, 'ref', ref);
});

async function entries(stream: NodeJS.ReadableStream): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const extract = tar.extract();
  extract.on('entry', (h, body, next) => {
    const chunks: Buffer[] = [];
    body.on('data', (c: unknown) => chunks.push(c as Buffer));
    body.on('end', () => {
      if (h.type === 'file') out[h.name] = Buffer.concat(chunks).toString('utf8');
      next();
    });
  });
  const done = new Promise<void>((resolve, reject) => {
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  stream.pipe(extract);
  await done;
  return out;
}

function sourceTar(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tagship-ctx-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  const out = join(mkdtempSync(join(tmpdir(), 'tagship-ctx-tar-')), 'src.tar');
  execFileSync('tar', ['-C', dir, '-cf', out, '.']);
  return out;
}

test('the build context: the context folder re-rooted, a Dockerfile from outside it added under its own name, a missing one named', async () => {
  const src = sourceTar({ 'Dockerfile': 'FROM tagship/x\n', 'app/main.py': 'print(1)\n', 'app/Dockerfile': 'FROM tagship/y\n', 'bad/Dockerfile': 'FROM scratch\nADD http://127.0.0.1:1/x /x\n', 'secret.txt': 'not in the context\n' });
  const root = await buildContext(src, '.', 'Dockerfile', POLICY);
  assert.equal(root.dockerfile, 'Dockerfile');
  assert.deepEqual(Object.keys(await entries(root.stream)).sort(), ['Dockerfile', 'app/Dockerfile', 'app/main.py', 'bad/Dockerfile', 'secret.txt']);
  const sub = await buildContext(src, 'app', 'app/Dockerfile', POLICY);
  assert.equal(sub.dockerfile, 'Dockerfile');
  assert.deepEqual(await entries(sub.stream), { 'main.py': 'print(1)\n', 'Dockerfile': 'FROM tagship/y\n' });
  const outside = await buildContext(src, 'app', 'Dockerfile', POLICY);
  assert.equal(outside.dockerfile, OUTSIDE_DOCKERFILE);
  assert.deepEqual(await entries(outside.stream), { 'main.py': 'print(1)\n', 'Dockerfile': 'FROM tagship/y\n', [OUTSIDE_DOCKERFILE]: 'FROM tagship/x\n' });
  await assert.rejects(buildContext(src, '.', 'docker/Dockerfile', POLICY), /the commit has no docker\/Dockerfile/);
  // The policy holds before any stream exists.
  await assert.rejects(buildContext(src, 'bad', 'bad/Dockerfile', POLICY), /bad\/Dockerfile asks the engine for what no build may have:\n {2}line 2: ADD http:\/\/127\.0\.0\.1:1\/x is not allowed/);
});
