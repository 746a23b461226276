// A tag whose version the project's own manifests contradict is refused, naming the file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cargoVersion, declaredIn, manifestPaths, pep440Normal, pyprojectVersion, versionDisagreement } from '../../core/declared-versions.ts';

test('versions are read from the root Cargo.toml (workspace first) and pyproject.toml', () => {
  assert.deepEqual(cargoVersion({ workspace: { package: { version: '2.24.0' } }, package: { version: '9.9.9' } }), { where: 'Cargo.toml [workspace.package]', version: '2.24.0', scheme: 'semver' });
  assert.deepEqual(cargoVersion({ package: { version: '1.0.0' } }), { where: 'Cargo.toml [package]', version: '1.0.0', scheme: 'semver' });
  assert.equal(cargoVersion({ package: { version: { workspace: true } } }), null);
  assert.equal(pyprojectVersion({ project: { dynamic: ['version'] } }), null);
  assert.deepEqual(pyprojectVersion({ project: { version: '1.4.0rc1' } }), { where: 'pyproject.toml [project]', version: '1.4.0rc1', scheme: 'pep440' });
});

test('PEP 440 spellings of one pre-release compare equal', () => {
  for (const v of ['1.4.0-rc.1', '1.4.0rc1', '1.4.0.rc1', '1.4.0-RC1', 'v1.4.0rc1']) assert.equal(pep440Normal(v), '1.4.0rc1', v);
  assert.equal(pep440Normal('1.4.0-beta.2'), '1.4.0b2');
  assert.equal(pep440Normal('1.4.0.post1'), null);
});

test('a disagreement names the file and the fix; agreement, a placeholder 0.0.0 or nothing declared passes', () => {
  const cargo = { where: 'Cargo.toml [workspace.package]', version: '2.23.0', scheme: 'semver' as const };
  assert.match(versionDisagreement('2.24.0', '2.24.0', [cargo]) ?? '', /^tag 2\.24\.0 releases version 2\.24\.0, but Cargo\.toml \[workspace\.package\] declares 2\.23\.0; set the manifest's version to 2\.24\.0 .*tag\.checkVersions: false/);
  assert.equal(versionDisagreement('v2.23.0', '2.23.0', [cargo]), null);
  assert.equal(versionDisagreement('v1.0.0', '1.0.0', [{ ...cargo, version: '0.0.0' }]), null, 'a placeholder the build stamps');
  assert.equal(versionDisagreement('v1.4.0-rc.1', '1.4.0-rc.1', [{ where: 'pyproject.toml [project]', version: '1.4.0rc1', scheme: 'pep440' }]), null);
  assert.match(versionDisagreement('v1.4.0', '1.4.0', [{ where: 'pyproject.toml [project]', version: '1.3.0', scheme: 'pep440' }]) ?? '', /pyproject\.toml \[project\] declares 1\.3\.0/);
  assert.equal(versionDisagreement('v1.4.0', '1.4.0', []), null);
});

test("a workspace's members are read when they are what the release publishes (minijinja's shape)", () => {
  const files = ['Cargo.toml', 'README.md', 'minijinja/Cargo.toml', 'minijinja-cli/Cargo.toml', 'minijinja-py/pyproject.toml', 'minijinja-py/Cargo.toml', 'examples/hello/Cargo.toml', 'a/b/c/Cargo.toml', 'x/Cargo.toml.orig', 'docs/pyproject.toml'];
  assert.deepEqual(manifestPaths(files), ['Cargo.toml', 'docs/pyproject.toml', 'examples/hello/Cargo.toml', 'minijinja-cli/Cargo.toml', 'minijinja-py/Cargo.toml', 'minijinja-py/pyproject.toml', 'minijinja/Cargo.toml'], 'two folders down at most; exact names');
  const published = { crates: ['minijinja', 'minijinja-cli'], python: 'MiniJinja' };
  assert.deepEqual(declaredIn('minijinja-cli/Cargo.toml', { package: { name: 'minijinja-cli', version: '2.23.0' } }, published), { where: 'minijinja-cli/Cargo.toml [package] (crate minijinja-cli)', version: '2.23.0', scheme: 'semver' });
  assert.equal(declaredIn('examples/hello/Cargo.toml', { package: { name: 'hello', version: '0.1.0' } }, published), null, 'an example crate is not released');
  assert.equal(declaredIn('minijinja/Cargo.toml', { package: { name: 'minijinja', version: { workspace: true } } }, published), null, "the workspace's version is read at the root");
  assert.deepEqual(declaredIn('minijinja-py/pyproject.toml', { project: { name: 'minijinja', version: '2.24.0' } }, published), { where: 'minijinja-py/pyproject.toml [project]', version: '2.24.0', scheme: 'pep440' }, 'names compare as PEP 503 does');
  assert.equal(declaredIn('docs/pyproject.toml', { project: { name: 'docs-theme', version: '0.3' } }, published), null);
  assert.deepEqual(declaredIn('Cargo.toml', { package: { name: 'tool', version: '1.0.0' } }, { crates: [] }), { where: 'Cargo.toml [package]', version: '1.0.0', scheme: 'semver' }, 'the root is always read');
  assert.match(versionDisagreement('2.24.0', '2.24.0', [declaredIn('minijinja-cli/Cargo.toml', { package: { name: 'minijinja-cli', version: '2.23.0' } }, published)!]) ?? '', /but minijinja-cli\/Cargo\.toml \[package\] \(crate minijinja-cli\) declares 2\.23\.0/);
});
