// One build, two package families: a target's artifacts are routed by their kind, not by the
// target's `os`, so a single machine that builds both the .deb and the .rpm fills both signed
// repositories; a file whose declared kind does not fit its name stops the release before
// anything is published.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withWorker, releaseFailure } from '../helpers/temporal.ts';
import { generateTestKey } from '../helpers/gpg.ts';
import { startRelease } from '../../client/release.ts';
import { helloVeilidCopy } from '../helpers/example-files.ts';

/** hello-veilid with one target that builds both package families. */
function oneMachineProject(artifacts: string): string {
  const dir = helloVeilidCopy(8480);
  const yml = readFileSync(join(dir, 'tagship.yml'), 'utf8');
  const repositories = yml.slice(yml.indexOf('repositories:'), yml.indexOf('retention:'));
  writeFileSync(join(dir, 'tagship.yml'), `project: hello-veilid
testGate: { command: make test }
targets:
  - name: amd64-packages
    arch: amd64
    os: generic
    build: [make deb rpm ARCH=amd64]
    artifacts: ${artifacts}
${repositories}`);
  return dir;
}

test('one target\'s .deb and .rpm each join their own repository', async () => {
  process.env.HELLO_VEILID_SIGNING_KEY = generateTestKey().keyFile;
  await withWorker(async ({ client, taskQueue, stateDir }) => {
    const dir = oneMachineProject('[out/packages/*.deb, out/packages/*.rpm]');
    const result = await (await startRelease(client, { project: 'hello-veilid', tag: 'v3.0.0', projectDir: dir, taskQueue })).handle.result();
    assert.equal(result.targets.length, 1);
    const kinds = result.targets[0]!.manifest.artifacts.map((a) => `${a.kind}:${a.name}`).sort();
    assert.deepEqual(kinds, ['deb:hello-veilid-cli_3.0.0_amd64.deb', 'deb:hello-veilid_3.0.0_amd64.deb', 'rpm:hello-veilid-3.0.0-1.x86_64.rpm', 'rpm:hello-veilid-cli-3.0.0-1.x86_64.rpm']);
    assert.equal(result.repositories?.debSuite, 'stable');
    assert.equal(result.repositories?.rpmSuite, 'stable');
    const live = join(stateDir, 'repo-server', 'hello-veilid', 'current');
    const packages = readFileSync(join(live, 'deb', 'dists', 'stable', 'main', 'binary-amd64', 'Packages'), 'utf8');
    assert.match(packages, /^Package: hello-veilid$/m);
    assert.match(packages, /^Package: hello-veilid-cli$/m);
    assert.match(readFileSync(join(live, 'rpm', 'stable', 'repodata', 'repomd.xml'), 'utf8'), /primary/);
  });
  delete process.env.HELLO_VEILID_SIGNING_KEY;
});

test('a file whose declared kind does not fit its name fails the target, naming both', async () => {
  process.env.HELLO_VEILID_SIGNING_KEY = generateTestKey().keyFile;
  await withWorker(async ({ client, taskQueue }) => {
    const dir = oneMachineProject('[{ path: "out/packages/*.deb", kind: rpm }, out/packages/*.deb]');
    const failure = await releaseFailure((await startRelease(client, { project: 'hello-veilid', tag: 'v3.0.1', projectDir: dir, taskQueue })).handle.result());
    assert.equal(failure.type, 'BadArtifact');
    assert.match(failure.message, /artifact out\/packages\/hello-veilid[-_a-z]*_3\.0\.1_amd64\.deb is declared kind rpm in tagship\.yml, but an rpm is an \.rpm file; fix the kind or the glob/);
  });
  delete process.env.HELLO_VEILID_SIGNING_KEY;
});
