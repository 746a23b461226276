// A dry run rehearses a release: every target built and checked, checksums and provenance
// signed, the repositories built and signed into a staging tree — and nothing published or
// deployed; it says what it would have published. The real release of the tag runs afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { withWorker } from '../helpers/temporal.ts';
import { withRegistries } from '../helpers/registries.ts';
import { generateTestKey } from '../helpers/gpg.ts';
import { startRelease } from '../../client/release.ts';
import { renderSummary } from '../../client/summary.ts';
import { helloVeilidCopy } from '../helpers/example-files.ts';

test('a dry run builds and signs everything, stages the repositories, publishes and deploys nothing', async () => {
  process.env.HELLO_VEILID_SIGNING_KEY = generateTestKey().keyFile;
  await withRegistries(async ({ crates, pypi }) => withWorker(async ({ client, taskQueue, stateDir }) => {
    const opts = { project: 'hello-veilid', tag: 'v1.6.0', projectDir: helloVeilidCopy(8480), taskQueue, targets: ['amd64-deb', 'amd64-rpm', 'amd64-tarball'] };
    const rehearsal = await startRelease(client, { ...opts, dryRun: true });
    assert.equal(rehearsal.handle.workflowId, 'release:hello-veilid:v1.6.0:dry-run');
    const r = await rehearsal.handle.result();
    assert.equal(r.published, undefined);
    assert.deepEqual(r.dryRun?.wouldPublish.crates, ['hello-core-1.6.0.crate', 'hello-tools-1.6.0.crate']);
    assert.equal(r.dryRun?.wouldPublish.python?.length, 2, 'the wheel and the sdist');
    assert.equal(crates.uploads.size, 0, 'no crate was sent');
    assert.deepEqual(readdirSync(pypi.packagesDir), [], 'no Python file was sent');
    assert.ok(r.provenance, 'the provenance is signed as in a release');
    const staged = r.dryRun?.staged ?? assert.fail('the dry run staged the tree');
    assert.match(readFileSync(join(staged, 'deb', 'dists', 'stable', 'InRelease'), 'utf8'), /BEGIN PGP SIGNED MESSAGE/);
    assert.ok(existsSync(join(staged, 'releases', '1.6.0', 'SHA256SUMS.asc')));
    assert.ok(!existsSync(join(stateDir, 'repo-server', 'hello-veilid', 'current')), 'nothing was deployed');
    assert.match(renderSummary(rehearsal.handle.workflowId, r, { startTime: new Date(0) }).join('\n'), /dry run +nothing was published or deployed\n +would publish \(crates\) hello-core-1\.6\.0\.crate, hello-tools-1\.6\.0\.crate/);

    // The release itself is untouched by its rehearsal, and may be rehearsed again.
    const real = await (await startRelease(client, opts)).handle.result();
    assert.deepEqual(real.published?.crates, { 'hello-tools': 'published', 'hello-core': 'published' });
    assert.ok(existsSync(join(stateDir, 'repo-server', 'hello-veilid', 'current', 'releases', '1.6.0', 'SHA256SUMS')));
    const again = await startRelease(client, { ...opts, dryRun: true });
    assert.equal(again.existing, false, 'a finished dry run can run again');
    await again.handle.result();
  }));
  delete process.env.HELLO_VEILID_SIGNING_KEY;
});
