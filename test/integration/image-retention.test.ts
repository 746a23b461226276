// Image retention (issue 13) against Debian's docker-registry on loopback: multi-arch commit
// images of two branches, one of them version-tagged, one orphan without a QA record. The purge
// keeps version-tagged images with their platform manifests, the newest N commit images per
// branch and those within their QA retention; it deletes exactly the rest by digest, and the
// dry run deletes nothing. Checked against the registry's own answers.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { withWorker, uniqueSuffix } from '../helpers/temporal.ts';
import { startOciRegistry, type OciRegistry } from '../../embedded/oci-registry.ts';
import { OciRegistryClient } from '../../providers/oci/registry.ts';
import { commitImage } from '../helpers/oci-images.ts';
import { qaRecordsIn } from '../../providers/signing/qa-records.ts';
import type { QaRecord } from '../../core/qa/record.ts';
import type { PurgeResult } from '../../workflows/purge.ts';

let registry: OciRegistry;
before(async () => {
  registry = await startOciRegistry();
});
after(async () => {
  await registry?.close();
});

test('image retention deletes by digest exactly what no rule keeps; the dry run deletes nothing', async () => {
  const client = new OciRegistryClient(registry.host);
  const image = `app-${uniqueSuffix()}`;
  const day = 86_400_000;
  const now = Date.now();
  const commits = Array.from({ length: 6 }, (_, i) => String(i + 1).repeat(40));
  const [c1, c2, c3, c4, c5, c6] = commits as [string, string, string, string, string, string];
  const pushed: Record<string, { index: string; platforms: Record<string, string> }> = {};
  for (const c of commits) pushed[c] = await commitImage(registry.url, client, image, c);
  // c1 was released: 1.0.0 and latest point at its index.
  const c1Index = (await client.manifestBytes(image, pushed[c1]!.index))!;
  for (const t of ['1.0.0', 'latest']) await client.putManifestBytes(image, t, c1Index.mediaType, c1Index.bytes);

  await withWorker(async ({ client: temporal, taskQueue, stateDir }) => {
    const qa = qaRecordsIn(stateDir);
    const record = (commit: string, ref: string, daysAgo: number, expired: boolean): QaRecord => ({
      project: 'app', commit, ref, startedAt: new Date(now - daysAgo * day).toISOString(), finishedAt: new Date(now - daysAgo * day).toISOString(),
      expiresAt: new Date(now + (expired ? -1 : 30) * day).toISOString(), run: { workflowId: 'w', runId: 'r' }, gates: {},
      images: { repository: `${registry.host}/${image}`, ...pushed[commit]! },
    });
    // main: c1 (oldest, released) … c4 (newest); only c4 within its QA retention. feature/x: c5. c6: no record.
    await qa.write(record(c1, 'refs/heads/main', 200, true));
    await qa.write(record(c2, 'refs/heads/main', 150, true));
    await qa.write(record(c3, 'refs/heads/main', 120, true));
    await qa.write(record(c4, 'refs/heads/main', 1, false));
    await qa.write(record(c5, 'refs/heads/feature/x', 130, true));
    const digestsOf = (c: string) => [pushed[c]!.index, ...Object.values(pushed[c]!.platforms)];
    const expectedGone = [...digestsOf(c2), ...digestsOf(c6)].sort();
    const present = async (d: string) => (await client.manifest(image, d)) !== null;

    const purge = (dryRun: boolean) => temporal.workflow.execute('purgeArtifacts', { taskQueue, workflowId: `purge-${uniqueSuffix()}`, args: [{ dryRun, imagesPerBranch: 2 }] }) as Promise<PurgeResult>;
    const dry = await purge(true);
    const dryRepo = dry.images!.repositories.find((r) => r.image === image)!;
    assert.deepEqual(dryRepo.deleted.map((d) => d.digest).sort(), expectedGone);
    for (const d of expectedGone) assert.ok(await present(d), 'the dry run deleted something');
    const why = Object.fromEntries(dryRepo.kept.map((k) => [k.digest, k.reason]));
    assert.match(why[pushed[c1]!.index]!, /tagged 1\.0\.0, latest/);
    assert.match(why[pushed[c1]!.platforms.arm64!]!, /platform image of an index kept/);
    assert.match(why[pushed[c3]!.index]!, /2 newest commit images of main/);
    assert.match(why[pushed[c4]!.index]!, /2 newest commit images of main|QA record/);
    assert.match(why[pushed[c5]!.index]!, /newest commit images of feature\/x/);
    assert.match(dryRepo.deleted.find((d) => d.digest === pushed[c6]!.index)!.reason, /neither tagged with a version/);

    const real = await purge(false);
    assert.match(real.images!.collected, /^garbage collection: [1-9][0-9]* blob\(s\) freed$/);
    for (const d of expectedGone) assert.equal(await present(d), false, `${d} is still in the registry`);
    for (const c of [c1, c3, c4, c5]) for (const d of digestsOf(c)) assert.ok(await present(d), `${c.slice(0, 4)}: ${d} was deleted`);
    const tags = await client.tags(image);
    assert.ok(!tags.some((t) => t.startsWith(c2) || t.startsWith(c6)), tags.join(' '));
    assert.ok(tags.includes('1.0.0') && tags.includes('latest'));
    // The released image still pulls whole: its index and every platform manifest answer.
    assert.equal((await client.manifest(image, '1.0.0'))?.digest, pushed[c1]!.index);
  }, { registry: registry.host, registryConfig: join(registry.dataDir, 'config.yml') });
});
