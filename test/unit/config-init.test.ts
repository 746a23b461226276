// `tagship init` writes a tagship.yml that validates, from what a repository holds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initialConfig, type RepoFacts } from '../../core/config/init.ts';
import { parseConfig } from '../../core/config/parse.ts';

const base: RepoFacts = { name: 'My_Tool', makefileTest: false, dockerfile: false, chart: false };

test('a Cargo workspace with Python bindings: archive target, crates in order to check, the Python package', () => {
  const text = initialConfig({ ...base, cargo: { packageName: 'mytool', bins: ['mytool'], members: ['mytool-core', 'mytool'] }, pyproject: { name: 'mytool-py' } }, '/opt/tagship/schema/tagship.schema.json');
  assert.match(text, /^# yaml-language-server: \$schema=\/opt\/tagship\/schema\/tagship\.schema\.json\n/);
  const r = parseConfig(text);
  assert.ok(r.ok, r.ok ? '' : JSON.stringify(r.errors));
  assert.equal(r.config.project, 'my-tool');
  assert.equal(r.config.testGate?.command, 'cargo test --locked');
  assert.equal(r.config.testGate?.network, true, 'cargo fetches the dependencies of the tests too');
  assert.deepEqual(r.config.targets.map((t) => t.name), ['linux-amd64', 'python']);
  assert.deepEqual(r.config.targets[0]!.artifacts, [{ path: 'dist/*.tar.gz', kind: 'archive' }]);
  assert.deepEqual(r.config.publish?.crates?.order, ['mytool-core', 'mytool']);
  assert.equal(r.config.publish?.python?.package, 'mytool-py');
  assert.ok(r.config.checksums);
});

test('a Dockerfile and a chart: a container app; a bare folder: a target to fill in', () => {
  const app = parseConfig(initialConfig({ ...base, dockerfile: true, chart: true }, 's.json'));
  assert.ok(app.ok, app.ok ? '' : JSON.stringify(app.errors));
  assert.equal(app.config.app?.image, 'my-tool');
  assert.equal(app.config.app?.chart?.path, 'chart');
  assert.equal(app.config.targets.length, 0);
  const bare = initialConfig({ ...base, makefileTest: true }, 's.json');
  const r = parseConfig(bare);
  assert.ok(r.ok, r.ok ? '' : JSON.stringify(r.errors));
  assert.equal(r.config.testGate?.command, 'make test');
  assert.match(bare, /CHECK: how this project builds/);
});
