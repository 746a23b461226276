import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig, formatConfigErrors } from '../../core/config/parse.ts';
import { REPO_ROOT } from '../../providers/paths.ts';

const minimal = `
project: demo
testGate: { command: make test }
targets:
  - name: amd64-deb
    arch: amd64
    os: deb
    build: [make deb]
    artifacts: [out/*.deb]
`;

function errorsOf(text: string) {
  const r = parseConfig(text);
  assert.equal(r.ok, false, 'expected the config to be rejected');
  return r.ok ? [] : r.errors;
}

test('every example project config is valid', () => {
  const dirs = readdirSync(join(REPO_ROOT, 'examples')).filter((d) => existsSync(join(REPO_ROOT, 'examples', d, 'tagship.yml')));
  assert.ok(dirs.length >= 1);
  for (const d of dirs) {
    const r = parseConfig(readFileSync(join(REPO_ROOT, 'examples', d, 'tagship.yml'), 'utf8'));
    assert.ok(r.ok, r.ok ? '' : formatConfigErrors(d, r.errors));
  }
});

test('tagship\'s own tagship.yml is valid: a container app with its chart, LCOV coverage and lint', () => {
  const r = parseConfig(readFileSync(join(REPO_ROOT, 'tagship.yml'), 'utf8'));
  assert.ok(r.ok, r.ok ? '' : formatConfigErrors('tagship.yml', r.errors));
  assert.equal(r.config.app?.dockerfile, 'deploy/image/Dockerfile');
  assert.equal(r.config.app?.chart?.path, 'deploy/helm/tagship');
  assert.ok(existsSync(join(REPO_ROOT, r.config.app.dockerfile)) && existsSync(join(REPO_ROOT, r.config.app.chart.path, 'Chart.yaml')), 'the files it names are in the repository');
});

test('defaults are filled in: machine amd64, retention 90 days, timeouts', () => {
  const r = parseConfig(minimal);
  assert.ok(r.ok);
  assert.equal(r.config.retention.days, 90);
  assert.deepEqual(r.config.targets[0]!.machine, { arch: 'amd64', size: 'small' });
  assert.equal(r.config.targets[0]!.timeoutMinutes, 60);
  assert.equal(r.config.testGate?.timeoutMinutes, 30);
});

test('every error is reported at once, each with its field path', () => {
  const errors = errorsOf(`
project: Bad_Name
testGate: { command: "" }
targets:
  - name: a
    arch: sparc
    os: deb
    build: []
    artifacts: [/abs/path, ../escape/*.deb]
`);
  const paths = errors.map((e) => e.path).sort();
  assert.deepEqual(paths, ['project', 'targets[0].arch', 'targets[0].artifacts[0]', 'targets[0].artifacts[1]', 'targets[0].build', 'testGate.command'].sort());
  const byPath = Object.fromEntries(errors.map((e) => [e.path, e.message]));
  assert.match(byPath['targets[0].artifacts[0]']!, /relative/);
  assert.match(byPath['targets[0].artifacts[1]']!, /\.\./);
  assert.match(byPath['targets[0].build']!, /at least one build command/);
});

test('a missing required field names the field', () => {
  const errors = errorsOf('project: demo\ntargets: []\n');
  const byPath = Object.fromEntries(errors.map((e) => [e.path, e.message]));
  assert.match(byPath['testGate']!, /required/);
  assert.match(byPath['targets']!, /at least one target/);
});

test('a misspelt field is reported as unknown, with its location', () => {
  const errors = errorsOf(minimal.replace('build: [make deb]', 'biuld: [make deb]'));
  assert.ok(errors.some((e) => e.path === 'targets[0]' && /unknown field\(s\) "biuld"/.test(e.message)), JSON.stringify(errors));
});

test('duplicate target names are rejected at the second one', () => {
  const text = minimal + `  - name: amd64-deb\n    arch: arm64\n    os: deb\n    build: [x]\n    artifacts: [y]\n`;
  const errors = errorsOf(text);
  assert.deepEqual(errors.map((e) => e.path), ['targets[1].name']);
  assert.match(errors[0]!.message, /already the name of targets\[0\]/);
});

test('artifact globs cannot carry shell metacharacters', () => {
  const errors = errorsOf(minimal.replace('[out/*.deb]', '["out/$(id).deb"]'));
  assert.equal(errors[0]!.path, 'targets[0].artifacts[0]');
});

test('an artifact may declare its kind; a kind no build produces names the field and the kinds', () => {
  const r = parseConfig(minimal.replace('[out/*.deb]', '["out/*.deb", { path: "out/*.tar.gz", kind: archive }]'));
  assert.ok(r.ok);
  assert.deepEqual(r.config.targets[0]!.artifacts, [{ path: 'out/*.deb' }, { path: 'out/*.tar.gz', kind: 'archive' }]);
  const errors = errorsOf(minimal.replace('[out/*.deb]', '[{ path: "out/*.tar.gz", kind: provenance }]'));
  assert.ok(errors.some((e) => e.path.startsWith('targets[0].artifacts[0]') && /deb.*rpm.*crate/.test(e.message)), JSON.stringify(errors));
});

test('repositories need a signing key, and distinct suites', () => {
  const errors = errorsOf(minimal + `repositories:\n  deb: { stableSuite: s, prereleaseSuite: s, signingKey: {} }\n`);
  assert.deepEqual(errors.map((e) => e.path).sort(), ['repositories.deb.prereleaseSuite', 'repositories.deb.signingKey']);
});

test('YAML that does not parse, or is not a mapping, is one error about the file', () => {
  assert.equal(errorsOf('project: [unclosed')[0]!.path, '(file)');
  assert.match(errorsOf('- just\n- a list\n')[0]!.message, /mapping/);
});

test('parseConfig never throws, whatever it is given', () => {
  for (const text of ['', '~', '0', '"x"', '{', 'project: { a: b }', '\u0000', 'targets: [1, 2]']) {
    const r = parseConfig(text);
    assert.equal(r.ok, false);
  }
});

test('a signing key is named by a variable with the project\'s prefix; a path, a fingerprint alone or another project\'s variable is refused', () => {
  const withKey = (key: string) => minimal + `repositories:\n  deb: { signingKey: ${key} }\n`;
  assert.ok(parseConfig(withKey('{ keyFile: "env:DEMO_SIGNING_KEY", fingerprint: ABCDEF0123456789 }')).ok);
  const message = (key: string) => errorsOf(withKey(key)).find((e) => e.path === 'repositories.deb.signingKey')?.message ?? '';
  assert.match(message('{ keyFile: /etc/tagship/keys/hello-veilid.asc }'), /is a path, and a path could name any project's key; .*env:DEMO_SIGNING_KEY/);
  assert.match(message('{ fingerprint: ABCDEF0123456789 }'), /fingerprint alone would come from the worker's keyring/);
  assert.match(message('{ keyFile: "env:HELLO_VEILID_SIGNING_KEY" }'), /does not carry the project's prefix DEMO_/);
  assert.match(message('{}'), /fingerprint alone/);
  const sums = errorsOf(minimal + 'checksums: { signingKey: { keyFile: "env:OTHER_KEY" } }\n');
  assert.deepEqual(sums.map((e) => e.path), ['checksums.signingKey']);
});

test('a repository kind needs a target of that kind', () => {
  const errors = errorsOf(minimal + `repositories:\n  rpm: { signingKey: { keyFile: "env:DEMO_SIGNING_KEY" }, baseUrl: "http://127.0.0.1:1/x/rpm" }\n`);
  assert.deepEqual(errors.map((e) => e.path), ['repositories.rpm']);
  assert.match(errors[0]!.message, /no target builds a \.rpm \(os: rpm, an artifact glob ending in \.rpm, or one declared kind: rpm\)/);
  // One target may build both families: a glob of that kind is enough.
  const both = parseConfig(minimal.replace('[out/*.deb]', '[out/*.deb, { path: "out/*", kind: rpm }]') + `repositories:\n  rpm: { signingKey: { keyFile: "env:DEMO_SIGNING_KEY" }, baseUrl: "http://127.0.0.1:1/x/rpm" }\n`);
  assert.ok(both.ok, both.ok ? '' : JSON.stringify(both.errors));
});
