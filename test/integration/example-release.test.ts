// The example project released end to end, as the demo does: five targets in parallel, one on
// an arm64 machine under qemu; eight deb/rpm packages for both arches, the crates, the Python
// dists and a tarball, each checked with the real package tools; the release files served with
// a SHA256SUMS that `sha256sum -c` and `gpgv` accept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historySummary, withWorker } from '../helpers/temporal.ts';
import { containersOf } from '../helpers/projects.ts';
import { withRegistries } from '../helpers/registries.ts';
import { generateTestKey, publicKeyring } from '../helpers/gpg.ts';
import { startRelease } from '../../client/release.ts';
import { REPO_ROOT } from '../../providers/paths.ts';

test('hello-veilid releases all five targets with packages for both arches, and its release files with signed checksums', async () => {
  // Each test run has its own server and state folder, so a fixed tag is safe; a prerelease
  // that Python (PEP 440) also accepts, since the example builds a Python package.
  const tag = "v1.4.0-rc.1";
  const version = tag.slice(1);
  const pkgVersion = version.replace('-', '~');
  const key = generateTestKey();
  process.env.HELLO_VEILID_SIGNING_KEY = key.keyFile;
  await withRegistries(async () => withWorker(async ({ client, taskQueue, stateDir }) => {
    const { handle } = await startRelease(client, { project: 'hello-veilid', tag, projectDir: join(REPO_ROOT, 'examples', 'hello-veilid'), taskQueue });
    const result = await handle.result();
    assert.equal(result.channel, 'prerelease');
    const byTarget = Object.fromEntries(result.targets.map((t) => [t.target, t.manifest.artifacts.map((a) => a.name)]));
    assert.deepEqual(Object.keys(byTarget).sort(), ['amd64-deb', 'amd64-rpm', 'amd64-tarball', 'arm64-deb', 'arm64-rpm']);
    // Each artifact's kind was decided when it was taken, and recorded with its facts.
    const kinds = Object.fromEntries(result.targets.flatMap((t) => t.manifest.artifacts.map((a) => [a.name, [a.kind, a.facts]])));
    assert.deepEqual(kinds[`hello-veilid_${pkgVersion}_arm64.deb`], ['deb', { package: 'hello-veilid', version: pkgVersion, arch: 'arm64' }]);
    assert.deepEqual(kinds[`hello-core-${version}.crate`], ['crate', { name: 'hello-core', version }]);
    assert.equal(kinds[`hello-veilid-${version}-linux-amd64.tar.gz`]![0], 'archive', 'declared in tagship.yml');
    const sdist = byTarget['amd64-deb']!.find((n) => n.endsWith('.tar.gz'));
    assert.equal(kinds[sdist!]![0], 'sdist', `a plain glob's .tar.gz of the published Python package is its sdist (${sdist})`);

    // SHA256SUMS over every released file, served with them and signed with the project's key.
    const served = join(stateDir, 'repo-server', 'hello-veilid', 'current', 'releases', version);
    const all = result.targets.flatMap((t) => t.manifest.artifacts.map((a) => a.name)).sort();
    assert.equal(result.checksums?.files, all.length);
    assert.equal(result.checksums?.signedBy, key.fingerprint);
    const checked = execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: served, encoding: 'utf8' });
    assert.deepEqual(checked.trim().split('\n').map((l) => l.replace(/: OK$/, '')).sort(), all);
    const keyring = join(stateDir, 'project-key.gpg');
    publicKeyring(key.keyFile, keyring);
    execFileSync('gpgv', ['--keyring', keyring, 'SHA256SUMS.asc', 'SHA256SUMS'], { cwd: served, stdio: 'pipe' });
    // Listed in the provenance, so the signed statement covers the checksums file too.
    const envelope = JSON.parse(readFileSync(result.provenance!.path, 'utf8')) as { payload: string };
    const subjects = (JSON.parse(Buffer.from(envelope.payload, 'base64').toString()) as { subject: { name: string; digest: { sha256: string } }[] }).subject;
    assert.deepEqual(subjects.find((x) => x.name === 'SHA256SUMS')?.digest.sha256, result.checksums?.sha256);

    const dir = (target: string) => join(stateDir, 'artifacts', 'hello-veilid', version, target);
    const debArch = (target: string, file: string) => execFileSync('dpkg-deb', ['-f', join(dir(target), file), 'Architecture'], { encoding: 'utf8' }).trim();
    const rpmArch = (target: string, file: string) => execFileSync('rpm', ['-qp', '--qf', '%{ARCH}', join(dir(target), file)], { encoding: 'utf8' }).trim();
    for (const program of ['hello-veilid', 'hello-veilid-cli']) {
      assert.equal(debArch('amd64-deb', `${program}_${pkgVersion}_amd64.deb`), 'amd64');
      assert.equal(debArch('arm64-deb', `${program}_${pkgVersion}_arm64.deb`), 'arm64');
      assert.equal(rpmArch('amd64-rpm', `${program}-${pkgVersion}-1.x86_64.rpm`), 'x86_64');
      assert.equal(rpmArch('arm64-rpm', `${program}-${pkgVersion}-1.aarch64.rpm`), 'aarch64');
    }
    const packages = result.targets.flatMap((t) => t.manifest.artifacts).filter((a) => /\.(deb|rpm)$/.test(a.name));
    assert.equal(packages.length, 8);
    assert.ok(byTarget['amd64-deb']!.includes(`hello-tools-${version}.crate`));
    assert.ok(byTarget['amd64-deb']!.includes(`hello-core-${version}.crate`));
    assert.ok(byTarget['amd64-deb']!.some((n) => n.endsWith('-py3-none-any.whl')));
    assert.ok(byTarget['amd64-deb']!.some((n) => n.endsWith('.tar.gz')));

    // The cross-built arm64 binary really is aarch64 code.
    const file = execFileSync('sh', ['-c', `dpkg-deb --fsys-tarfile '${join(dir('arm64-deb'), `hello-veilid_${pkgVersion}_arm64.deb`)}' | tar -xO ./usr/bin/hello-veilid | file -`], { encoding: 'utf8' });
    assert.match(file, /ARM aarch64/);

    // The arm64-rpm target ran on an arm64 machine: its agent said so when it enrolled.
    const history = await client.workflow.getHandle(`${handle.workflowId}/target/arm64-rpm`).fetchHistory();
    const results = (history.events ?? []).flatMap((e) => e.activityTaskCompletedEventAttributes?.result?.payloads ?? []).map((p) => Buffer.from(p.data!).toString('utf8'));
    assert.ok(results.some((r) => /"arch":"arm64"/.test(r)), `an agent reported arm64: ${results.join(' | ').slice(0, 500)}`);
    const amd = await historySummary(client, `${handle.workflowId}/target/arm64-deb`);
    assert.ok(amd.activities.includes('agentBuild'));
    assert.deepEqual(await containersOf(handle.workflowId), []);
    assert.equal(result.repositories?.debSuite, 'testing', 'a prerelease deploys to the prerelease suite');
  }));
  delete process.env.HELLO_VEILID_SIGNING_KEY;
});
