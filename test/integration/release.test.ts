// The release workflow on a real Temporal server, with real Docker containers as machines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { historySummary, uniqueSuffix, withWorker } from '../helpers/temporal.ts';
import { containersOf, makeProject } from '../helpers/projects.ts';
import { startRelease, InputError } from '../../client/release.ts';
import { releaseWorkflowId } from '../../core/names.ts';
import type { TargetManifest } from '../../ports/artifacts.ts';

function project(name: string, opts: { gate?: string; build?: string[]; artifacts?: string[] } = {}) {
  const yml = `project: ${name}
retention: { days: 30 }
testGate: { command: ${JSON.stringify(opts.gate ?? 'sh check.sh')} }
targets:
  - name: amd64-generic
    arch: amd64
    os: generic
    build: ${JSON.stringify(opts.build ?? ['mkdir -p out && printf "%s" "$TAGSHIP_VERSION" > out/version.txt && head -c 100000 /dev/urandom > out/blob.bin'])}
    artifacts: ${JSON.stringify(opts.artifacts ?? ['out/*.txt', 'out/*.bin'])}
`;
  return makeProject(yml, { 'check.sh': 'echo checking; test -f tagship.yml\n' });
}

/** The root ApplicationFailure of a failed release. */
async function failureOf(result: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await result.then(
    () => assert.fail('the release was expected to fail'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof WorkflowFailedError, `expected WorkflowFailedError, got ${String(err)}`);
  assert.ok(err.cause instanceof ApplicationFailure, `expected an ApplicationFailure cause, got ${String(err.cause)}`);
  return err.cause;
}

test('a release runs the gate, builds on a machine, stores sha256-checked artifacts and deletes the machine', async () => {
  const name = `ok-${uniqueSuffix()}`;
  const dir = project(name);
  await withWorker(async ({ client, taskQueue, stateDir }) => {
    const { handle } = await startRelease(client, { project: name, tag: 'v1.2.3', projectDir: dir, taskQueue });
    const result = (await handle.result());

    assert.equal(result.version, '1.2.3');
    assert.equal(result.channel, 'stable');
    const [target] = result.targets;
    assert.ok(target);
    assert.deepEqual(target.manifest.artifacts.map((a) => a.name), ['blob.bin', 'version.txt']);
    for (const a of target.manifest.artifacts) {
      const bytes = readFileSync(join(stateDir, 'artifacts', name, '1.2.3', 'amd64-generic', a.name));
      assert.equal(createHash('sha256').update(bytes).digest('hex'), a.sha256, `${a.name} on disk matches its manifest`);
      assert.equal(bytes.length, a.size);
    }
    assert.equal(readFileSync(join(stateDir, 'artifacts', name, '1.2.3', 'amd64-generic', 'version.txt'), 'utf8'), '1.2.3', 'the build saw the version from the tag');
    const manifest = JSON.parse(readFileSync(join(stateDir, 'artifacts', name, '1.2.3', 'amd64-generic', 'manifest.json'), 'utf8')) as TargetManifest;
    assert.deepEqual(manifest.artifacts, target.manifest.artifacts);
    assert.equal(manifest.retentionDays, 30, "tagship.yml's retention is recorded for the purge");
    assert.match(manifest.sourceSha256 ?? '', /^[0-9a-f]{64}$/, 'the source it was built from is recorded for retries');

    const { activities, events } = await historySummary(client, handle.workflowId);
    assert.deepEqual(activities, ['loadProject', 'runTestGate', 'writeProvenance']);
    assert.equal(events.filter((e) => e === 'EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED').length, 1, 'one child per target');
    const child = await historySummary(client, `${handle.workflowId}/target/amd64-generic`);
    assert.deepEqual(child.activities, ['createMachine', 'agentHello', 'agentBuild', 'agentUpload', 'deleteMachine', 'verifyMachineGone']);
    assert.equal(target.machineAttempts, 1);
    assert.ok(target.machineSeconds >= 0);
    assert.deepEqual(await containersOf(handle.workflowId), [], 'no container is left');
  });
});

test('a failing test gate fails the release with its exit code and output, and builds nothing', async () => {
  const name = `gate-${uniqueSuffix()}`;
  const dir = project(name, { gate: 'echo "3 tests failed: test_parse"; exit 3' });
  await withWorker(async ({ client, taskQueue }) => {
    const { handle } = await startRelease(client, { project: name, tag: 'v0.1.0', projectDir: dir, taskQueue });
    const failure = await failureOf(handle.result());
    assert.equal(failure.type, 'TestGateFailed');
    assert.match(failure.message, /exited with code 3/);
    assert.match(failure.message, /3 tests failed: test_parse/);

    const { activities } = await historySummary(client, handle.workflowId);
    // Machines made ready meanwhile are the targets' (provision-during-gate.test.ts).
    assert.deepEqual(activities, ['loadProject', 'runTestGate'], 'the release itself ran only the load and the gate');
    assert.deepEqual(await containersOf(handle.workflowId), [], 'the gate container is gone too');
  });
});

test('a failing build fails the release naming the target, and the machine is still deleted', async () => {
  const name = `build-${uniqueSuffix()}`;
  const dir = project(name, { build: ['echo compiling', 'echo "error: undefined reference to main" >&2; exit 2', 'echo never'] });
  await withWorker(async ({ client, taskQueue }) => {
    const { handle } = await startRelease(client, { project: name, tag: 'v0.2.0', projectDir: dir, taskQueue });
    const failure = await failureOf(handle.result());
    assert.equal(failure.type, 'BuildFailed');
    assert.match(failure.message, /^target amd64-generic \(building\)/);
    assert.match(failure.message, /exited with code 2/);
    assert.match(failure.message, /undefined reference to main/);
    assert.doesNotMatch(failure.message, /never/, 'commands after the failing one did not run');

    const child = await historySummary(client, `${handle.workflowId}/target/amd64-generic`);
    assert.deepEqual(child.activities, ['createMachine', 'agentHello', 'agentBuild', 'deleteMachine', 'verifyMachineGone']);
    assert.deepEqual(await containersOf(handle.workflowId), []);
  });
});

test('an artifact glob that matches nothing fails the target by name, machine deleted', async () => {
  const name = `glob-${uniqueSuffix()}`;
  const dir = project(name, { build: ['true'], artifacts: ['out/*.deb'] });
  await withWorker(async ({ client, taskQueue }) => {
    const { handle } = await startRelease(client, { project: name, tag: 'v0.3.0', projectDir: dir, taskQueue });
    const failure = await failureOf(handle.result());
    assert.equal(failure.type, 'ArtifactMissing');
    assert.match(failure.message, /"out\/\*\.deb" matched no file/);
    assert.deepEqual(await containersOf(handle.workflowId), []);
  });
});

test('a project that tags without "v" releases 2.0.0; a tag of the other form is refused naming tag.prefix', async () => {
  const name = `bare-${uniqueSuffix()}`;
  const dir = project(name);
  writeFileSync(join(dir, 'tagship.yml'), `tag: { prefix: "" }\n${readFileSync(join(dir, 'tagship.yml'), 'utf8')}`);
  await withWorker(async ({ client, taskQueue }) => {
    const result = await (await startRelease(client, { project: name, tag: '2.0.0', projectDir: dir, taskQueue })).handle.result();
    assert.equal(result.version, '2.0.0');
    assert.equal(result.targets[0]!.manifest.version, '2.0.0');
    const { handle } = await startRelease(client, { project: name, tag: 'v2.0.1', projectDir: dir, taskQueue });
    const failure = await failureOf(handle.result());
    assert.equal(failure.type, 'InvalidTag');
    assert.match(failure.message, /this project's tags have no prefix \(tag\.prefix: ""\), but the tag is v2\.0\.1; tag 2\.0\.1 instead/);
    const { activities } = await historySummary(client, handle.workflowId);
    assert.deepEqual(activities, ['loadProject'], 'refused before the test gate');

    // The project's own Cargo.toml says which version it is: a tag that disagrees is refused.
    writeFileSync(join(dir, 'Cargo.toml'), '[workspace]\nmembers = []\n[workspace.package]\nversion = "2.0.0"\n');
    const wrong = await failureOf((await startRelease(client, { project: name, tag: '2.1.0', projectDir: dir, taskQueue })).handle.result());
    assert.equal(wrong.type, 'InvalidTag');
    assert.match(wrong.message, /tag 2\.1\.0 releases version 2\.1\.0, but Cargo\.toml \[workspace\.package\] declares 2\.0\.0/);

    // So do the members it publishes: a crate left at the old version is named by its path.
    writeFileSync(join(dir, 'Cargo.toml'), '[workspace]\nmembers = ["core"]\n');
    mkdirSync(join(dir, 'core'), { recursive: true });
    writeFileSync(join(dir, 'core', 'Cargo.toml'), '[package]\nname = "bare-core"\nversion = "2.0.0"\n');
    writeFileSync(join(dir, 'tagship.yml'), `${readFileSync(join(dir, 'tagship.yml'), 'utf8')}\npublish:\n  crates:\n    registry: local\n    order: [bare-core]\n`);
    const member = await failureOf((await startRelease(client, { project: name, tag: '2.1.0', projectDir: dir, taskQueue })).handle.result());
    assert.equal(member.type, 'InvalidTag');
    assert.match(member.message, /but core\/Cargo\.toml \[package\] \(crate bare-core\) declares 2\.0\.0/);
  });
});

test('an invalid tag sent straight to the workflow is rejected before any activity runs', async () => {
  const name = `tag-${uniqueSuffix()}`;
  const dir = project(name);
  await withWorker(async ({ client, taskQueue }) => {
    const workflowId = releaseWorkflowId(name, 'bad');
    const handle = await client.workflow.start('release', { workflowId, taskQueue, args: [{ project: name, tag: 'v1.0.0$(id)', projectDir: dir }] });
    const failure = await failureOf(handle.result());
    assert.equal(failure.type, 'InvalidTag');
    assert.match(failure.message, /shell metacharacter "\$"/);
    const { events, activities } = await historySummary(client, workflowId);
    assert.deepEqual(activities, []);
    assert.ok(events.includes('EVENT_TYPE_WORKFLOW_EXECUTION_FAILED'), `the history names its events: ${events.join(', ')}`);
    assert.ok(!events.some((e) => /ACTIVITY/.test(e)), 'no activity event at all');
  });
});

test('the client rejects a bad tag or config before starting anything', async () => {
  const name = `client-${uniqueSuffix()}`;
  const good = project(name);
  const bad = makeProject(`project: ${name}\ntestGate: { command: x }\ntargets: [{ name: a, arch: amd64, os: deb, build: [], artifacts: [x] }]\n`);
  await withWorker(async ({ client, taskQueue }) => {
    await assert.rejects(startRelease(client, { project: name, tag: 'v1.0', projectDir: good, taskQueue }), (e: unknown) => e instanceof InputError && e.field === 'tag' && /MAJOR\.MINOR\.PATCH/.test(e.message));
    await assert.rejects(startRelease(client, { project: name, tag: 'v1.0.0', projectDir: bad, taskQueue }), (e: unknown) => e instanceof InputError && /targets\[0\]\.build: needs at least one build command/.test(e.message));
    await assert.rejects(startRelease(client, { project: 'other', tag: 'v1.0.0', projectDir: good, taskQueue }), (e: unknown) => e instanceof InputError && /but the release was started for "other"/.test(e.message));
    await assert.rejects(startRelease(client, { project: name, tag: 'v1.0.0', projectDir: good, taskQueue, targets: ['sparc'] }), (e: unknown) => e instanceof InputError && e.field === 'targets');
    for (const tag of ['v1.0', 'v1.0.0']) {
      await assert.rejects(client.workflow.getHandle(releaseWorkflowId(name, tag)).describe(), /not found/i, `no workflow exists for ${tag}`);
    }
  });
});

test('starting the same release twice returns the one release', async () => {
  const name = `twice-${uniqueSuffix()}`;
  const dir = project(name);
  await withWorker(async ({ client, taskQueue }) => {
    const first = await startRelease(client, { project: name, tag: 'v2.0.0-rc.1', projectDir: dir, taskQueue });
    const second = await startRelease(client, { project: name, tag: 'v2.0.0-rc.1', projectDir: dir, taskQueue });
    assert.equal(first.existing, false);
    assert.equal(second.existing, true, 'the second start found the running release');
    const [a, b] = await Promise.all([first.handle.describe(), second.handle.describe()]);
    assert.equal(a.runId, b.runId);
    const memo = a.memo as Record<string, string> | undefined;
    assert.equal(memo?.configDigest, `sha256:${createHash('sha256').update(readFileSync(join(dir, 'tagship.yml'))).digest('hex')}`, 'the memo names the exact config released');
    const result = (await first.handle.result());
    assert.equal(result.channel, 'prerelease');
    const third = await startRelease(client, { project: name, tag: 'v2.0.0-rc.1', projectDir: dir, taskQueue });
    assert.equal(third.existing, true, 'a completed release is not run again');
    assert.equal((await third.handle.describe()).runId, a.runId);
  });
});
