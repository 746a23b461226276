// A release demands the QA record of exactly its commit: present, unexpired, every gate passed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { qaExpiry, qaRecordProblem, requiredGates, type QaRecord } from '../../core/qa/record.ts';

const C = 'c'.repeat(40);
const passed = { passed: true, message: 'ok' };
const record: QaRecord = {
  project: 'app',
  commit: C,
  ref: 'main',
  startedAt: '2026-11-01T10:00:00.000Z',
  finishedAt: '2026-11-01T10:05:00.000Z',
  expiresAt: qaExpiry('2026-11-01T10:05:00.000Z', 90),
  run: { workflowId: `ci:app:${C}`, runId: 'r1' },
  images: { repository: 'app', index: `sha256:${'1'.repeat(64)}`, platforms: { amd64: `sha256:${'2'.repeat(64)}`, arm64: `sha256:${'3'.repeat(64)}` } },
  gates: { tests: passed, coverage: passed, image: passed, scan: passed, integration: passed },
};
const want = { project: 'app', commit: C, gates: requiredGates({ integration: {} }) };
const now = Date.parse('2026-11-25T00:00:00Z');

test('a record expires after its retention, to the millisecond', () => {
  assert.equal(qaExpiry('2026-11-01T10:05:00.000Z', 90), '2027-01-30T10:05:00.000Z');
  assert.equal(qaRecordProblem(record, want, Date.parse(record.expiresAt) - 1), null);
  assert.match(qaRecordProblem(record, want, Date.parse(record.expiresAt)) ?? '', /expired on 2027-01-30T10:05:00\.000Z; run `tagship ci run c{40} -p app`/);
});

test('the record of exactly the commit, with every gate the config asks for, passed', () => {
  assert.equal(qaRecordProblem(record, want, now), null);
  assert.deepEqual(requiredGates({}), ['tests', 'coverage', 'image', 'scan']);
  assert.match(qaRecordProblem(null, want, now) ?? '', /^commit c{40} has no QA record; run `tagship ci run c{40} -p app` and release once it passes$/);
  assert.match(qaRecordProblem({ ...record, commit: 'd'.repeat(40) }, want, now) ?? '', /is for app d{40}, not app c{40}/);
  assert.match(qaRecordProblem({ ...record, gates: { ...record.gates, integration: undefined } }, want, now) ?? '', /has no result for integration/);
  assert.match(
    qaRecordProblem({ ...record, gates: { ...record.gates, coverage: { passed: false, message: 'line coverage 77.5% is below the required 80%' } } }, want, now) ?? '',
    /shows failed gates: coverage \(line coverage 77\.5% is below the required 80%\); fix them on a new commit/,
  );
  assert.match(qaRecordProblem({ ...record, images: undefined }, want, now) ?? '', /holds no image digests/);
});
