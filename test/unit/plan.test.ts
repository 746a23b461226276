import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../core/config/parse.ts';
import { parseTag } from '../../core/tag.ts';
import { environmentId, plannedEnvironments, planRelease, unknownTargets } from '../../core/plan.ts';
import { machineName, nameSafe, shortHash, releaseWorkflowId } from '../../core/names.ts';

const cfgText = `
project: demo
testGate: { command: make test }
targets:
  - { name: amd64-deb, arch: amd64, os: deb, build: [make deb], artifacts: [out/*.deb] }
  - { name: arm64-rpm, arch: arm64, os: rpm, machine: { arch: arm64 }, build: [make rpm], artifacts: [out/*.rpm] }
`;

function setup(tag = 'v1.2.3-rc.1') {
  const c = parseConfig(cfgText);
  const t = parseTag(tag);
  assert.ok(c.ok && t.ok);
  return { config: c.config, tag: t.value };
}

test('the plan resolves each target to a machine image for its machine arch', () => {
  const { config, tag } = setup();
  const plan = planRelease(config, tag);
  assert.deepEqual(plan.targets.map((t) => [t.name, t.machine.arch, t.machine.image]), [
    ['amd64-deb', 'amd64', 'tagship/machine:bookworm-amd64'],
    ['arm64-rpm', 'arm64', 'tagship/machine:bookworm-arm64'],
  ]);
  assert.equal(plan.testGate.image, 'tagship/machine:bookworm-amd64');
  assert.deepEqual(plan.env, { TAGSHIP_PROJECT: 'demo', TAGSHIP_TAG: 'v1.2.3-rc.1', TAGSHIP_VERSION: '1.2.3-rc.1', TAGSHIP_CHANNEL: 'prerelease' });
});

test('a plan for some targets keeps only those, and unknown names are found', () => {
  const { config, tag } = setup('v1.0.0');
  assert.deepEqual(planRelease(config, tag, ['arm64-rpm']).targets.map((t) => t.name), ['arm64-rpm']);
  assert.deepEqual(unknownTargets(config, ['arm64-rpm', 'sparc-deb']), ['sparc-deb']);
});

test('machine names are deterministic per run and differ between runs and targets', () => {
  const base = { project: 'demo', version: '1.2.3', target: 'amd64-deb', workflowId: 'release:demo:v1.2.3', runId: 'run-1' };
  assert.equal(machineName(base), machineName({ ...base }));
  assert.notEqual(machineName(base), machineName({ ...base, runId: 'run-2' }));
  assert.notEqual(machineName(base), machineName({ ...base, target: 'arm64-deb' }));
  assert.match(machineName(base), /^tagship-demo-1\.2\.3-amd64-deb-[0-9a-f]{8}$/);
});

test('names are made safe for containers and hostnames', () => {
  assert.equal(nameSafe('Hello World/v1.0.0_rc'), 'hello-world-v1.0.0-rc');
  assert.equal(shortHash('a'), 'e40c292c'); // FNV-1a 32 of "a", a published test vector
  assert.equal(releaseWorkflowId('demo', 'v1.0.0'), 'release:demo:v1.0.0');
});

test('cost: machine-seconds times the hourly price of the size; unknown sizes have no estimate', async () => {
  const { estimateCost } = await import('../../core/cost.ts');
  const table = { currency: 'USD', hourly: { 'c2-8vcpu-16gb-intel': 0.25 } };
  assert.equal(estimateCost(3600, 'c2-8vcpu-16gb-intel', table), 0.25);
  assert.equal(estimateCost(90, 'c2-8vcpu-16gb-intel', table), 0.0063);
  assert.equal(estimateCost(90, 's-1vcpu-1gb', table), undefined);
  assert.equal(estimateCost(90, 'c2-8vcpu-16gb-intel', undefined), undefined);
  const c = parseConfig(cfgText + 'cost: { currency: USD, hourly: { small: 0.5 } }\n');
  const t = parseTag('v1.0.0');
  assert.ok(c.ok && t.ok);
  const plan = planRelease(c.config, t.value);
  assert.equal(plan.currency, 'USD');
  assert.equal(plan.targets[0]!.hourlyPrice, 0.5, 'default size "small" is priced');
});

test('environments: a Dockerfile per target and gate; the machine stays tagship\'s, one build per Dockerfile, context and arch', () => {
  const c = parseConfig(`
project: demo
testGate: { command: make test, image: { dockerfile: ci/Dockerfile }, network: true }
targets:
  - { name: a, arch: amd64, os: deb, machine: { image: { dockerfile: ci/Dockerfile } }, build: [make], artifacts: [out/*] }
  - { name: b, arch: amd64, os: rpm, machine: { image: { dockerfile: ci/Dockerfile, context: ci } }, build: [make], artifacts: [out/*] }
  - { name: c, arch: arm64, os: deb, machine: { arch: arm64, image: { dockerfile: ci/Dockerfile } }, build: [make], artifacts: [out/*] }
`);
  assert.ok(c.ok, c.ok ? '' : JSON.stringify(c.errors));
  const t = parseTag('v1.0.0');
  assert.ok(t.ok);
  const plan = planRelease(c.config, t.value);
  assert.deepEqual(plan.targets.map((x) => x.machine.image), ['tagship/machine:bookworm-amd64', 'tagship/machine:bookworm-amd64', 'tagship/machine:bookworm-arm64']);
  assert.deepEqual(plan.targets[0]!.machine.environment, { dockerfile: 'ci/Dockerfile', context: '.', arch: 'amd64' });
  assert.equal(plan.testGate.network, true);
  assert.deepEqual(plannedEnvironments(plan).map(environmentId), ['amd64:.:ci/Dockerfile', 'amd64:ci:ci/Dockerfile', 'arm64:.:ci/Dockerfile']);
});

test('an environment is a path, never a glob, inside the project; tagship-env images are not named directly', () => {
  const bad = (image: string) => {
    const r = parseConfig(cfgText.replace('build: [make deb]', `machine: { image: ${image} }, build: [make deb]`));
    assert.equal(r.ok, false, image);
    return r.ok ? '' : r.errors.map((e) => `${e.path}: ${e.message}`).join('\n');
  };
  assert.match(bad('{ dockerfile: "../Dockerfile" }'), /dockerfile: must not contain "\.\."/);
  assert.match(bad('{ dockerfile: "ci/*" }'), /must be a path, not a glob/);
  assert.match(bad('{ dockerfile: /etc/Dockerfile }'), /must be relative to the project root/);
  assert.match(bad('"tagship-env/other:amd64-0123"'), /names an environment tagship built; name its Dockerfile instead/);
});
