// The scheduled artifact purge: deletes the artifact sets older than their project's retention
// (90 days by default), the source tarballs no release has packed for days and the QA records
// past their app's QA retention, and reports what it deleted; a dry run only reports.
import { patched, proxyActivities } from '@temporalio/workflow';
import type { createRetentionActivities } from '../activities/retention.ts';
import type { createQaActivities, StoredQaRecord } from '../activities/qa.ts';
import { expiredQaRecords } from '../core/qa/record.ts';
import { DEFAULT_RETENTION_DAYS, purgeInputProblem, selectExpired, selectStaleSources, type Expired, type RetentionPolicy, type StoredSource } from '../core/retention.ts';
import { Profiles } from './profiles.ts';
import { FailureType, nonRetryable } from '../core/failures.ts';
import { workflowNow } from './clock.ts';

type RetentionActivities = ReturnType<typeof createRetentionActivities>;
type QaActivities = ReturnType<typeof createQaActivities>;

export interface PurgeInput extends Partial<RetentionPolicy> {
  dryRun?: boolean;
  /** Source tarballs not packed for this many days are deleted (default 2). */
  sourceDays?: number;
}

export interface PurgeResult {
  examined: number;
  deleted: Expired[];
  /** Source tarballs deleted (or, in a dry run, that would be). */
  sources?: { examined: number; deleted: StoredSource[]; bytes: number };
  /** QA records of container apps past their retention, deleted (or, in a dry run, that would be). */
  qa?: { examined: number; deleted: StoredQaRecord[] };
  dryRun: boolean;
}

export const DEFAULT_SOURCE_DAYS = 2;

const { listArtifactSets, deleteArtifactSet, listSources, deleteSource } = proxyActivities<RetentionActivities>({ ...Profiles.inventory, summary: 'artifact retention' });
const { listQaRecords, deleteQaRecord } = proxyActivities<QaActivities>({ ...Profiles.inventory, summary: 'QA record retention' });

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
  let qa: PurgeResult['qa'];
  if (patched('purge-qa-records')) {
    const records = await listQaRecords();
    const old = expiredQaRecords(records, workflowNow());
    if (!input.dryRun) for (const r of old) await deleteQaRecord({ project: r.project, commit: r.commit });
    qa = { examined: records.length, deleted: old };
  }
  return { examined: sets.length, deleted: expired, ...(sources ? { sources } : {}), ...(qa ? { qa } : {}), dryRun: input.dryRun ?? false };
}
