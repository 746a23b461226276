// The scheduled artifact purge: deletes the artifact sets older than their project's retention
// (90 days by default) and reports what it deleted; a dry run only reports.
import { proxyActivities } from '@temporalio/workflow';
import type { createRetentionActivities } from '../activities/retention.ts';
import { selectExpired, type Expired, type RetentionPolicy } from '../core/retention.ts';
import { Profiles } from './profiles.ts';
import { workflowNow } from './clock.ts';

type RetentionActivities = ReturnType<typeof createRetentionActivities>;

export interface PurgeInput extends Partial<RetentionPolicy> {
  dryRun?: boolean;
}

export interface PurgeResult {
  examined: number;
  deleted: Expired[];
  dryRun: boolean;
}

const { listArtifactSets, deleteArtifactSet } = proxyActivities<RetentionActivities>({ ...Profiles.inventory, summary: 'artifact retention' });

export async function purgeArtifacts(input: PurgeInput = {}): Promise<PurgeResult> {
  const sets = await listArtifactSets();
  const expired = selectExpired(sets, workflowNow(), { defaultDays: input.defaultDays ?? 90, ...(input.perProject ? { perProject: input.perProject } : {}) });
  if (!input.dryRun) {
    for (const e of expired) await deleteArtifactSet({ project: e.project, version: e.version, target: e.target });
  }
  return { examined: sets.length, deleted: expired, dryRun: input.dryRun ?? false };
}
