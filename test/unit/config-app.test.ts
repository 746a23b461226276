// The container-app part of tagship.yml: defaults, and every mistake named by its field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../core/config/parse.ts';
import { packageReleaseProblem } from '../../core/plan.ts';

const base = `
project: hello-vehicle-app
testGate: { command: "true" }
targets:
  - { name: noop, arch: all, os: generic, build: ["true"], artifacts: [out/*] }
`;

const app = (body: string) => `${base}app:\n${body.replace(/^/gm, '  ')}\n`;

const minimalApp = app(`image: hello-vehicle-app
tests:
  command: python3 -m pytest
  junit: out/junit.xml
  coverage: { report: out/coverage.xml, minimum: 80 }`);

function errorsOf(text: string): string[] {
  const r = parseConfig(text);
  assert.equal(r.ok, false, 'expected the config to be rejected');
  return r.ok ? [] : r.errors.map((e) => `${e.path}: ${e.message}`);
}

test('an app section gets the defaults a user would expect', () => {
  const r = parseConfig(minimalApp);
  assert.ok(r.ok, r.ok ? '' : JSON.stringify(r.errors));
  const a = r.config.app!;
  assert.deepEqual(
    { dockerfile: a.dockerfile, context: a.context, platforms: a.platforms, network: a.network, scan: a.scan, qa: a.qa, timeout: a.tests.timeoutMinutes },
    { dockerfile: 'Dockerfile', context: '.', platforms: ['amd64', 'arm64'], network: false, scan: { failOn: 'high', allow: [] }, qa: { retentionDays: 90 }, timeout: 30 },
  );
  assert.deepEqual(r.config.ci, { branches: ['main'] });
  const plain = parseConfig(base);
  assert.ok(plain.ok && plain.config.app === undefined, 'no app section, no app');
});

test('image names are repository names: no registry host, no tag, no upper case', () => {
  for (const bad of ['Hello', 'registry.example.com:5000/app', 'app:1.0', 'app@sha256:00', '-app', 'a//b', '../app']) {
    assert.match(errorsOf(minimalApp.replace('image: hello-vehicle-app', `image: "${bad}"`)).join('\n'), /^app\.image: must be an image repository name/m, bad);
  }
  for (const good of ['velocitas/seat-adjuster', 'a.b_c__d-e']) assert.ok(parseConfig(minimalApp.replace('image: hello-vehicle-app', `image: ${good}`)).ok, good);
});

test('a coverage floor outside 0-100, a report outside the project, and a missing report are named', () => {
  const errors = errorsOf(minimalApp.replace('minimum: 80', 'minimum: 120').replace('report: out/coverage.xml', 'report: ../coverage.xml').replace('junit: out/junit.xml', 'junit: /tmp/junit.xml'));
  assert.deepEqual(errors.sort(), [
    'app.tests.coverage.minimum: Too big: expected number to be <=100',
    'app.tests.coverage.report: must not contain ".."',
    'app.tests.junit: must be relative to the project root, not absolute',
  ]);
  assert.deepEqual(errorsOf(minimalApp.replace('  coverage: { report: out/coverage.xml, minimum: 80 }\n', '')), ['app.tests.coverage: is required (expected object)']);
});

test('scan thresholds and allowlist entries are checked, each by its field', () => {
  const scan = (body: string) => minimalApp + `  scan:\n${body.replace(/^/gm, '    ')}\n`;
  assert.deepEqual(errorsOf(scan('failOn: severe')), ['app.scan.failOn: Invalid option: expected one of "low"|"medium"|"high"|"critical"']);
  const errors = errorsOf(scan(`allow:
  - { id: "not an id", until: 2027-01-01, reason: ok }
  - { id: CVE-2024-1234, until: 2027-02-30, reason: ok }
  - { id: CVE-2024-1235, until: 2027-01-01, reason: "  " }
  - { id: CVE-2024-1236, until: 2027-01-01 }`)).sort();
  assert.deepEqual(errors, [
    'app.scan.allow[0].id: must be an advisory id such as CVE-2024-1234 or GHSA-xxxx-xxxx-xxxx',
    'app.scan.allow[1].until: must be a real calendar date',
    'app.scan.allow[2].reason: say why the finding is accepted',
    'app.scan.allow[3].reason: is required (expected string)',
  ]);
  assert.deepEqual(errorsOf(scan(`allow:
  - { id: CVE-2024-1234, package: openssl, until: 2027-01-01, reason: fixed upstream soon }
  - { id: CVE-2024-1234, package: openssl, until: 2027-06-01, reason: again }`)), ['app.scan.allow[1]: CVE-2024-1234 openssl is allowlisted twice; keep one entry']);
});

test('platforms, services and branches: duplicates and bad names are named', () => {
  assert.deepEqual(errorsOf(minimalApp + '  platforms: [amd64, amd64]\n'), ['app.platforms[1]: "amd64" is listed twice']);
  assert.match(errorsOf(minimalApp + '  platforms: [riscv64]\n').join(), /^app\.platforms\[0\]: Invalid option/);
  const integration = (services: string) => `  integration:\n    command: python3 -m pytest tests/integration\n    services:\n${services}`;
  const mqtt = '      - { name: mqtt, image: "tagship/mosquitto:bookworm" }\n';
  assert.deepEqual(errorsOf(minimalApp + integration(mqtt + mqtt)), [
    'app.integration.services[1].name: "mqtt" is already the name of app.integration.services[0]; service names must be unique',
  ]);
  assert.deepEqual(errorsOf(minimalApp + integration(mqtt + '      - { name: Bad_Host, image: "Not An Image" }\n')).sort(), [
    "app.integration.services[1].image: must be one of tagship's local base images, such as tagship/mosquitto:bookworm (other images on the engine are other projects'), or built from the commit: { dockerfile: path/to/Dockerfile }",
    'app.integration.services[1].name: must be a host name: lowercase letters, digits and "-", starting with a letter',
  ]);
  // A service built from the commit: a Dockerfile inside the project, or steps.
  const built = parseConfig(minimalApp + integration(mqtt + '      - { name: databroker, image: { dockerfile: services/databroker/Dockerfile, context: services/databroker } }\n      - { name: echo, image: { steps: ["RUN true"] } }\n'));
  assert.ok(built.ok, JSON.stringify(built));
  assert.deepEqual(built.config.app?.integration?.services.map((x) => x.image), ['tagship/mosquitto:bookworm', { dockerfile: 'services/databroker/Dockerfile', context: 'services/databroker' }, { steps: ['RUN true'] }]);
  assert.match(errorsOf(minimalApp + integration(mqtt + '      - { name: databroker, image: { dockerfile: ../other-project/Dockerfile } }\n')).join('\n'), /app\.integration\.services\[1\]\.image(\.dockerfile)?: .*\.\./);
  // Aliases name one container each on the integration network.
  const aliased = errorsOf(minimalApp + integration(`      - { name: mqtt, image: "tagship/mosquitto:bookworm", aliases: [broker, app] }\n      - { name: db, image: "tagship/mosquitto:bookworm", aliases: [mqtt, broker] }\n`));
  assert.deepEqual(aliased, [
    'app.integration.services[0].aliases[1]: "app" already names the app on the integration network',
    'app.integration.services[1].aliases[0]: "mqtt" already names mqtt on the integration network',
    'app.integration.services[1].aliases[1]: "broker" already names mqtt on the integration network',
  ]);
  // Another project's app image is on the same engine; a service may not run it.
  assert.equal(errorsOf(minimalApp + integration('      - { name: peer, image: "127.0.0.1:5000/other-app:1.0.0" }\n')).length, 1);
  assert.deepEqual(errorsOf(`${minimalApp}ci: { branches: ["main; rm -rf /"] }\n`), ['ci.branches[0]: must be a branch name or a glob such as release/*']);
  const r = parseConfig(`${minimalApp}ci: { branches: [main, "release/*"] }\n`);
  assert.ok(r.ok && r.config.ci.branches.includes('release/*'));
});

test('a container app alone needs no targets or test gate; a project with neither is told what to add', () => {
  const app = parseConfig('project: hello\napp:\n  image: hello\n  tests: { command: pytest, junit: r.xml, coverage: { report: c.xml, minimum: 80 } }\n');
  assert.ok(app.ok, JSON.stringify(!app.ok && app.errors));
  assert.deepEqual(app.config.targets, []);
  assert.match(packageReleaseProblem(app.config) ?? '', /no packages to release.*tagship ci run/);
  const none = parseConfig('project: hello\n');
  assert.ok(!none.ok);
  assert.deepEqual(none.errors.map((e) => e.path).sort(), ['targets', 'testGate']);
  assert.match(none.errors.find((e) => e.path === 'targets')!.message, /or an app section/);
  const half = parseConfig('project: hello\napp:\n  image: hello\n  tests: { command: pytest, junit: r.xml, coverage: { report: c.xml, minimum: 80 } }\ntargets:\n  - { name: t, arch: amd64, os: generic, build: ["true"], artifacts: [x] }\n');
  assert.ok(!half.ok);
  assert.deepEqual(half.errors.map((e) => e.path), ['testGate']);
});
