// QA records are signed where CI makes them and opened where they are used: the signature
// covers every byte of the statement, the statement's subjects must be the record's images,
// and the record must be the one of the place it is read from. Real keys, a real folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { qaStatement, recordOfStatement } from '../../core/qa/attestation.ts';
import { qaRecordsIn } from '../../providers/signing/qa-records.ts';
import type { QaRecord } from '../../core/qa/record.ts';

const C = 'c'.repeat(40);
const passed = { passed: true, message: 'ok' };
const record: QaRecord = {
  project: 'app', commit: C, ref: 'main', startedAt: '2026-11-01T10:00:00.000Z', finishedAt: '2026-11-01T10:05:00.000Z', expiresAt: '2027-01-30T10:05:00.000Z',
  run: { workflowId: `ci:app:${C}`, runId: 'r1' },
  images: { repository: 'reg/app', index: `sha256:${'1'.repeat(64)}`, platforms: { arm64: `sha256:${'3'.repeat(64)}`, amd64: `sha256:${'2'.repeat(64)}` } },
  gates: { tests: passed, coverage: { passed: false, message: 'line coverage 40% is below the required 80%' } },
};

test('the statement names the images as subjects, index first, platforms in order', () => {
  const s = qaStatement(record);
  assert.deepEqual(s.subject.map((x) => `${x.name} ${x.digest.sha256[0]}`), ['reg/app@index 1', 'reg/app@amd64 2', 'reg/app@arm64 3']);
  assert.deepEqual(recordOfStatement(s), { record });
  assert.deepEqual(qaStatement({ ...record, images: undefined }).subject, []);
  const swapped = { ...s, subject: [s.subject[0]!, { ...s.subject[1]!, digest: { sha256: 'f'.repeat(64) } }, s.subject[2]!] };
  assert.deepEqual(recordOfStatement(swapped), { problem: 'names subjects that are not the images its record holds' });
  assert.deepEqual(recordOfStatement({ ...s, predicateType: 'https://slsa.dev/provenance/v1' }), { problem: 'is not a QA record statement' });
});

test('a signed record opens as written; an edited, re-keyed, moved or unsigned one is refused, naming its place', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tagship-qa-'));
  const records = qaRecordsIn(dir);
  await records.write(record);
  assert.deepEqual(await records.read('app', C), { record });
  assert.equal(await records.read('app', 'd'.repeat(40)), null);
  const file = join(dir, 'qa', 'app', C, 'record.json');
  const envelope = JSON.parse(readFileSync(file, 'utf8')) as { payload: string; signatures: { keyid: string; sig: string }[] };
  const payload = Buffer.from(envelope.payload, 'base64').toString('utf8');
  assert.ok(payload.includes('"passed":false'));

  const refusedWith = async (content: unknown, reason: RegExp) => {
    writeFileSync(file, JSON.stringify(content));
    const read = await records.read('app', C);
    assert.ok(read && 'problem' in read, 'refused');
    assert.match(read.problem, new RegExp(`^the stored QA record of app ${C} \\(${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\) ${reason.source}`));
  };
  const flipped = Buffer.from(payload.replace('"passed":false', '"passed":true ')).toString('base64');
  await refusedWith({ ...envelope, payload: flipped }, /carries no valid signature by this orchestrator's key/);
  await refusedWith({ ...envelope, signatures: [{ ...envelope.signatures[0]!, keyid: 'f'.repeat(64) }] }, /carries no valid signature/);
  await refusedWith({ ...envelope, payloadType: 'text/plain' }, /holds a text\/plain, not a application\/vnd\.in-toto\+json/);
  await refusedWith(record, /is not a signed envelope \(DSSE\)/);
  // Signed by another orchestrator (another state folder's key).
  const other = qaRecordsIn(mkdtempSync(join(tmpdir(), 'tagship-qa-')));
  await other.write(record);
  await refusedWith(await other.store.readRecord('app', C), /carries no valid signature/);
  // Genuine, but another commit's.
  await records.write({ ...record, commit: 'e'.repeat(40) });
  await refusedWith(JSON.parse(readFileSync(join(dir, 'qa', 'app', 'e'.repeat(40), 'record.json'), 'utf8')), new RegExp(`is the signed record of app ${'e'.repeat(40)}, moved`));
  const listed = await records.list();
  assert.deepEqual(listed.records.map((r) => r.commit), ['e'.repeat(40)]);
  assert.equal(listed.refused.length, 1);
});
