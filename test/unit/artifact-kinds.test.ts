// Artifact kinds: inferred once from a name, or declared (and the name must fit); the facts a
// name carries; old manifests' entries get theirs from inference.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeArtifact, inferKind, kindOf } from '../../core/artifact-kinds.ts';
import { sha256sums } from '../../pipes/checksums/sums.ts';

test('a plain glob\'s file gets its kind from its name', () => {
  const cases: [string, string][] = [
    ['hello-veilid_1.4.0~rc.1_arm64.deb', 'deb'],
    ['odd-name.deb', 'deb'],
    ['hello-veilid-1.4.0-1.aarch64.rpm', 'rpm'],
    ['hello-core-1.4.0-rc.1.crate', 'crate'],
    ['hello_veilid-1.4.0rc1-py3-none-any.whl', 'wheel'],
    ['hello_veilid-1.4.0.tar.gz', 'archive'],
    ['tool-2.0.0-linux-amd64.zip', 'archive'],
    ['SHA256SUMS', 'checksums'],
    ['SHA256SUMS.asc', 'signature'],
    ['app.cdx.json', 'sbom'],
    ['notes.txt', 'file'],
    ['crate-without-version.crate', 'file'],
  ];
  for (const [name, kind] of cases) assert.equal(inferKind(name), kind, name);
  // Only the project's own Python package makes a .tar.gz an sdist.
  assert.equal(inferKind('hello_veilid-1.4.0.tar.gz', { pythonDistributions: ['hello-veilid'] }), 'sdist');
  assert.equal(inferKind('other-1.4.0.tar.gz', { pythonDistributions: ['hello-veilid'] }), 'archive');
});

test('facts come from the name, as far as it gives them', () => {
  assert.deepEqual(describeArtifact('hello-veilid_1.4.0~rc.1_arm64.deb', undefined), { ok: true, kind: 'deb', facts: { package: 'hello-veilid', version: '1.4.0~rc.1', arch: 'arm64' } });
  assert.deepEqual(describeArtifact('hello-veilid-cli-1.4.0~rc.1-1.x86_64.rpm', undefined), { ok: true, kind: 'rpm', facts: { name: 'hello-veilid-cli', version: '1.4.0~rc.1', release: '1', arch: 'x86_64' } });
  assert.deepEqual(describeArtifact('hello-core-1.4.0-rc.1.crate', undefined), { ok: true, kind: 'crate', facts: { name: 'hello-core', version: '1.4.0-rc.1' } });
  assert.deepEqual(describeArtifact('hello_veilid-1.4.0rc1-py3-none-any.whl', undefined), { ok: true, kind: 'wheel', facts: { distribution: 'hello_veilid', version: '1.4.0rc1', tags: 'py3-none-any' } });
  assert.deepEqual(describeArtifact('odd-name.deb', undefined), { ok: true, kind: 'deb', facts: {} });
});

test('a declared kind wins, and a name that cannot be one is refused with the fix', () => {
  assert.deepEqual(describeArtifact('hello_veilid-1.4.0.tar.gz', 'archive', { pythonDistributions: ['hello-veilid'] }), { ok: true, kind: 'archive', facts: { format: 'tar.gz' } });
  const refused = describeArtifact('notes.txt', 'rpm');
  assert.equal(refused.ok, false);
  assert.match(!refused.ok ? refused.problem : '', /is declared kind rpm in tagship\.yml, but an rpm is an \.rpm file; fix the kind or the glob/);
});

test('entries recorded with a kind keep it; older ones are inferred', () => {
  assert.deepEqual(kindOf({ name: 'x.deb', kind: 'archive', facts: { format: 'deb?' } }), { kind: 'archive', facts: { format: 'deb?' } });
  assert.deepEqual(kindOf({ name: 'hello-core-1.0.0.crate' }), { kind: 'crate', facts: { name: 'hello-core', version: '1.0.0' } });
});

test('SHA256SUMS lists each release file once, sorted, and refuses two different files of one name', () => {
  const a = 'a'.repeat(64);
  const b = 'b'.repeat(64);
  const sums = sha256sums([{ target: 't2', name: 'z.tar.gz', sha256: b }, { target: 't1', name: 'a.deb', sha256: a }, { target: 't3', name: 'z.tar.gz', sha256: b }]);
  assert.deepEqual(sums, { ok: true, text: `${a}  a.deb\n${b}  z.tar.gz\n`, served: [{ name: 'a.deb', target: 't1' }, { name: 'z.tar.gz', target: 't2' }] });
  const clash = sha256sums([{ target: 't1', name: 'tool.tar.gz', sha256: a }, { target: 't2', name: 'tool.tar.gz', sha256: b }]);
  assert.equal(clash.ok, false);
  assert.match(!clash.ok ? clash.problem : '', /targets t1 and t2 both produced tool\.tar\.gz with different content/);
});
