// The scheduled artifact purge: deletes the artifact sets older than their project's retention
// (90 days by default), the source tarballs no release has packed for days and the QA records
// past their app's QA retention, and container images no rule keeps (core/image-retention.ts),
// and reports what it deleted and why; a dry run only reports.
import { patched, proxyActivities } from '@temporalio/workflow';
import type { createRetentionActivities } from '../activities/retention.ts';
import type { createQaActivities, StoredQaRecord } from '../activities/qa.ts';
import { expiredQaRecords } from '../core/qa/record.ts';
import type { createImageRetentionActivities } from '../activities/image-retention.ts';
import { imageRetention, type CommitImages, type RetentionVerdict } from '../core/image-retention.ts';
import { DEFAULT_RETENTION_DAYS, purgeInputProblem, selectExpired, selectStaleSources, type Expired, type RetentionPolicy, type StoredSource } from '../core/retention.ts';
import { Profiles } from './profiles.ts';
import { FailureType, nonRetryable } from '../core/failures.ts';
import { workflowNow } from './clock.ts';

type RetentionActivities = ReturnType<typeof createRetentionActivities>;
type QaActivities = ReturnType<typeof createQaActivities>;
type ImageRetentionActivities = ReturnType<typeof createImageRetentionActivities>;

export interface PurgeInput extends Partial<RetentionPolicy> {
  dryRun?: boolean;
  /** Commit images kept per branch, newest first, besides version-tagged ones (default 5). */
  imagesPerBranch?: number;
  /** Source tarballs not packed for this many days are deleted (default 2). */
  sourceDays?: number;
}

export interface PurgeResult {
  examined: number;
  deleted: Expired[];
  /** Source tarballs deleted (or, in a dry run, that would be). */
  sources?: { examined: number; deleted: StoredSource[]; bytes: number };
  /** Container images per repository: what was kept and why, what was deleted (or would be) and why. */
  images?: { repositories: { image: string; kept: RetentionVerdict['keep']; deleted: RetentionVerdict['delete'] }[]; collected: string };
  /** QA records of container apps past their retention, deleted (or, in a dry run, that would be). */
  qa?: { examined: number; deleted: StoredQaRecord[] };
  /** Ledger claims past their expiry (droplets' enrolments, hook deliveries), removed (or that would be). */
  expiredClaims?: number;
  dryRun: boolean;
}

export const DEFAULT_SOURCE_DAYS = 2;
export const DEFAULT_IMAGES_PER_BRANCH = 5;

const { listArtifactSets, deleteArtifactSet, listSources, deleteSource, pruneExpiredClaims } = proxyActivities<RetentionActivities>({ ...Profiles.inventory, summary: 'artifact retention' });
const { listQaRecords, deleteQaRecord } = proxyActivities<QaActivities>({ ...Profiles.inventory, summary: 'QA record retention' });
const { registryHost, listRegistryImages, deleteImages, collectGarbage } = proxyActivities<ImageRetentionActivities>({ ...Profiles.repositories, summary: 'image retention' });

export async function purgeArtifacts(input: PurgeInput = {}): Promise<PurgeResult> {
  const problem = purgeInputProblem(input);
  if (problem) throw nonRetryable(FailureType.InvalidInput, problem);
  const sets = await listArtifactSets();
  const expired = selectExpired(sets, workflowNow(), { defaultDays: input.defaultDays ?? DEFAULT_RETENTION_DAYS, ...(input.perProject ? { perProject: input.perProject } : {}) });
  if (!input.dryRun) {
    for (const e of expired) await deleteArtifactSet({ project: e.project, version: e.version, target: e.target });
  }
  // Added after purges were first scheduled: a purge started by older code replays unchanged.
  let sources: PurgeResult['sources'];
  if (patched('purge-stale-sources')) {
    const all = await listSources();
    const stale = selectStaleSources(all, workflowNow(), input.sourceDays ?? DEFAULT_SOURCE_DAYS);
    if (!input.dryRun) for (const s of stale) await deleteSource(s.sha256);
    sources = { examined: all.length, deleted: stale, bytes: stale.reduce((n, s) => n + s.size, 0) };
  }
  // Images first: the expired QA records still say which branch each commit image is on.
  let images: PurgeResult['images'];
  let records: StoredQaRecord[] | undefined;
  if (patched('purge-images')) {
    records = await listQaRecords();
    images = await purgeImages(records, input.imagesPerBranch ?? DEFAULT_IMAGES_PER_BRANCH, input.dryRun ?? false);
  }
  let qa: PurgeResult['qa'];
  if (patched('purge-qa-records')) {
    records ??= await listQaRecords();
    const old = expiredQaRecords(records, workflowNow());
    if (!input.dryRun) for (const r of old) await deleteQaRecord({ project: r.project, commit: r.commit });
    qa = { examined: records.length, deleted: old };
  }
  const expiredClaims = patched('purge-expired-claims') ? await pruneExpiredClaims({ now: workflowNow(), dryRun: input.dryRun ?? false }) : undefined;
  return { examined: sets.length, deleted: expired, ...(sources ? { sources } : {}), ...(qa ? { qa } : {}), ...(images ? { images } : {}), ...(expiredClaims !== undefined ? { expiredClaims } : {}), dryRun: input.dryRun ?? false };
}

/** Per app image repository in the worker's registry: what retention keeps and deletes, by
 *  digest (core/image-retention.ts); then the registry collects garbage. */
async function purgeImages(records: StoredQaRecord[], keepPerBranch: number, dryRun: boolean): Promise<NonNullable<PurgeResult['images']>> {
  const host = await registryHost();
  if (!host) return { repositories: [], collected: 'no registry' };
  const byImage = new Map<string, CommitImages[]>();
  for (const r of records) {
    if (!r.images || !r.images.repository.startsWith(`${host}/`) || !r.ref || !r.finishedAt) continue;
    const image = r.images.repository.slice(host.length + 1);
    byImage.set(image, [...(byImage.get(image) ?? []), { commit: r.commit, ref: r.ref, finishedAt: r.finishedAt, expiresAt: r.expiresAt, index: r.images.index, platforms: Object.values(r.images.platforms) }]);
  }
  const repositories: NonNullable<PurgeResult['images']>['repositories'] = [];
  for (const [image, commits] of byImage) {
    const verdict = imageRetention(await listRegistryImages({ image }), commits, { keepPerBranch, nowMs: workflowNow() });
    if (!dryRun && verdict.delete.length) await deleteImages({ image, digests: verdict.delete.map((d) => d.digest) });
    repositories.push({ image, kept: verdict.keep, deleted: verdict.delete });
  }
  const deletedAny = repositories.some((r) => r.deleted.length);
  return { repositories, collected: !dryRun && deletedAny ? await collectGarbage() : 'nothing to collect' };
}
