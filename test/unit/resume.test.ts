// What a retry keeps: each rule of core/resume.ts, including the cases that must NOT be kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { filesOf, gateStillPasses, publishStillDone, rebuildProblem, reusableTargets, type PriorWork, type PublishRecord } from '../../core/resume.ts';
import { kindOf } from '../../core/artifact-kinds.ts';
import type { TargetManifest } from '../../ports/artifacts.ts';

const SRC = 'a'.repeat(64);
const manifest = (target: string, files: Record<string, string>, sourceSha256: string | null = SRC): TargetManifest => ({
  project: 'p',
  version: '1.0.0',
  target,
  artifacts: Object.entries(files).map(([name, sha256]) => ({ name, sha256, size: 1, createdAt: '2026-01-01T00:00:00Z' })),
  ...(sourceSha256 ? { sourceSha256 } : {}),
});
const prior = (targets: TargetManifest[]): PriorWork => ({ intactTargets: Object.fromEntries(targets.map((m) => [m.target, m])), gate: null, published: { crates: null, python: null } });

test('the gate is kept only for the same source, command and image', () => {
  const passed = { sourceSha256: SRC, command: 'make test', image: 'img' };
  assert.equal(gateStillPasses(passed, { ...passed }), true);
  assert.equal(gateStillPasses(null, passed), false);
  assert.equal(gateStillPasses(passed, { ...passed, sourceSha256: 'b'.repeat(64) }), false, 'the tag now names other source');
  assert.equal(gateStillPasses(passed, { ...passed, command: 'make check' }), false);
  assert.equal(gateStillPasses(passed, { ...passed, image: 'other' }), false);
});

test('targets are kept only when intact, planned, and built from this source', () => {
  const p = prior([manifest('a', { x: '1' }), manifest('b', { y: '2' }, 'c'.repeat(64)), manifest('old', { z: '3' }, null), manifest('unplanned', { w: '4' })]);
  assert.deepEqual(Object.keys(reusableTargets(p, SRC, ['a', 'b', 'old', 'missing'])), ['a']);
});

test('a publish is kept only for the same registry and exactly the same files', () => {
  const record: PublishRecord = { registry: 'local', files: { 'c-1.0.0.crate': 's1', 'd-1.0.0.crate': 's2' }, outcomes: { c: 'published', d: 'already-published' } };
  const wanted = { 'c-1.0.0.crate': 's1', 'd-1.0.0.crate': 's2' };
  assert.deepEqual(publishStillDone(record, 'local', wanted), record.outcomes);
  assert.equal(publishStillDone(record, 'staging', wanted), null, 'another registry');
  assert.equal(publishStillDone(record, 'local', { ...wanted, 'd-1.0.0.crate': 's3' }), null, 'a file was rebuilt with other bytes');
  assert.equal(publishStillDone(record, 'local', { ...wanted, 'e-1.0.0.crate': 's4' }), null, 'this run sends one more file');
  assert.equal(publishStillDone(record, 'local', { 'c-1.0.0.crate': 's1' }), null, 'this run sends fewer files');
  assert.equal(publishStillDone({ ...record, outcomes: {} }, 'local', wanted), null, 'nothing was published');
  assert.equal(publishStillDone(null, 'local', wanted), null);
});

test('the files a publish step sends are picked from the manifests by kind and facts', () => {
  const ms = [manifest('a', { 'c-1.0.0.crate': 's1', 'pkg_x-1.0.0-py3-none-any.whl': 'w', 'pkg-x-1.0.0.tar.gz': 'sd', 'other-1.0.0.tar.gz': 'o' }), manifest('b', { 'hello.deb': 'd' })];
  assert.deepEqual(filesOf(ms, (a) => kindOf(a).kind === 'crate' && kindOf(a).facts.name === 'c'), { 'c-1.0.0.crate': 's1' });
  const hints = { pythonDistributions: ['pkg.x'] };
  assert.deepEqual(filesOf(ms, (a) => ['wheel', 'sdist'].includes(kindOf(a, hints).kind)), { 'pkg_x-1.0.0-py3-none-any.whl': 'w', 'pkg-x-1.0.0.tar.gz': 'sd' });
  // A recorded kind is what counts, whatever the name looks like.
  const declared = [{ ...manifest('c', {}), artifacts: [{ name: 'pkg-x-1.0.0.tar.gz', size: 1, sha256: 'a', createdAt: '', kind: 'archive' as const, facts: { format: 'tar.gz' } }] }];
  assert.deepEqual(filesOf(declared, (a) => kindOf(a, hints).kind === 'sdist'), {});
});

test('a target whose published file is no longer intact is never rebuilt; one that published nothing may be', () => {
  const done: PriorWork = {
    intactTargets: {},
    gate: null,
    published: { crates: { registry: 'local', files: { 'core-1.0.0.crate': 'a'.repeat(64) }, outcomes: { core: 'published' } }, python: null },
    recordedTargets: { a: ['core-1.0.0.crate', 'core-1.0.0-py3-none-any.whl'], b: ['b.txt'] },
  };
  assert.match(rebuildProblem(done, {}, ['a', 'b']) ?? '', /^target a would be built again, but this release already published its core-1\.0\.0\.crate \(crates\)/);
  assert.equal(rebuildProblem(done, { a: {} }, ['a', 'b']), null, 'kept intact: nothing is rebuilt');
  assert.equal(rebuildProblem(done, {}, ['b']), null, 'b published nothing');
  assert.equal(rebuildProblem({ ...done, published: { crates: { ...done.published.crates!, outcomes: {} } } }, {}, ['a']), null, 'a record with no outcome published nothing');
  assert.equal(rebuildProblem({ ...done, recordedTargets: undefined }, {}, ['a']), null, 'inspections from before the field: as before');
});
