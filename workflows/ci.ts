// CI for one commit of a container app (issue 12): fetch the commit through the ref it was
// pushed to → the steps of ci-steps.ts, each recording its gates → the QA record stored,
// pass or fail → fail, naming every failed gate, or return the record. One run per commit: the
// workflow id is ci-<project>-<commit>, so a redelivered hook finds it already there.
import { CancellationScope, defineQuery, isCancellation, proxyActivities, setHandler, upsertMemo, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { createSourceActivities } from '../activities/source.ts';
import type { createQaActivities } from '../activities/qa.ts';
import { FailureType, nonRetryable } from '../core/failures.ts';
import { qaExpiry, requiredGates, type QaRecord } from '../core/qa/record.ts';
import { SA } from '../core/search-attributes.ts';
import { CI_STEPS, type CiRun, type CiStage } from './ci-steps.ts';
import { stageEntry } from './stages.ts';
import { Profiles } from './profiles.ts';
import { workflowNowIso } from './clock.ts';

type SourceActivities = ReturnType<typeof createSourceActivities>;
type QaActivities = ReturnType<typeof createQaActivities>;

export interface CiInput {
  project: string;
  commit: string;
  /** refs/heads/<branch>, refs/pull/<n>/head or refs/merge-requests/<n>/head. */
  ref: string;
  /** What started it: a hook's delivery, or `cli`. */
  trigger?: string;
}

export interface CiProgress {
  stage: CiStage;
  gates: QaRecord['gates'];
}

export const ciProgressQuery = defineQuery<CiProgress>('ciProgress');

const { loadCommit } = proxyActivities<SourceActivities>({ ...Profiles.sourceFetch, summary: 'fetch the commit and pack its source' });
const { storeQaRecord } = proxyActivities<QaActivities>({ ...Profiles.local, summary: 'store the QA record' });

export async function ci(input: CiInput): Promise<QaRecord> {
  const progress: CiProgress = { stage: 'loading', gates: {} };
  setHandler(ciProgressQuery, () => progress);
  const enter = stageEntry(progress);
  upsertSearchAttributes([{ key: SA.project, value: input.project }, { key: SA.commit, value: input.commit }]);
  upsertMemo({ commit: input.commit, ref: input.ref, ...(input.trigger ? { trigger: input.trigger } : {}) });

  const { workflowId, runId } = workflowInfo();
  enter('loading', `fetching ${input.commit.slice(0, 12)} through ${input.ref}`);
  const loaded = await loadCommit({ project: input.project, commit: input.commit, ref: input.ref });
  const app = loaded.config.app!;
  const startedAt = workflowNowIso();
  const record: QaRecord = {
    project: input.project,
    commit: input.commit,
    ref: input.ref,
    startedAt,
    finishedAt: startedAt,
    expiresAt: qaExpiry(startedAt, app.qa.retentionDays),
    run: { workflowId, runId },
    gates: progress.gates,
    source: { repository: loaded.repository, configDigest: loaded.configDigest, sourceSha256: loaded.source.sha256 },
  };
  const run: CiRun = { project: input.project, commit: input.commit, app, source: loaded.source, repository: loaded.repository, record, enter };

  const store = async () => {
    record.finishedAt = workflowNowIso();
    record.expiresAt = qaExpiry(record.finishedAt, app.qa.retentionDays);
    enter('recording', 'storing the QA record');
    // Stored even when the run is cancelled: what was measured stays findable.
    await CancellationScope.nonCancellable(() => storeQaRecord(record));
  };

  try {
    for (const step of CI_STEPS) {
      if (!step.applies(run)) continue;
      enter(step.stage, step.gates.join(', '));
      await step.run(run);
      if (step.gates.some((g) => record.gates[g] && !record.gates[g].passed)) break;
    }
  } catch (err) {
    await store();
    if (isCancellation(err)) {
      enter('cancelled', 'cancelled; the QA record holds the gates that ran');
      throw err;
    }
    enter('failed', err instanceof Error ? err.message.split('\n')[0]! : String(err));
    throw err;
  }
  await store();
  const failed = requiredGates(app).filter((g) => !record.gates[g]?.passed);
  if (failed.length) {
    const why = failed.map((g) => `${g}: ${record.gates[g]?.message ?? 'did not run (an earlier gate failed)'}`);
    enter('failed', why[0]!.split('\n')[0]!);
    throw nonRetryable(FailureType.QaGateFailed, `CI of ${input.commit.slice(0, 12)} failed — ${why.join('\n')}`, { gates: record.gates });
  }
  enter('passed', `${record.images!.repository}@${record.images!.index}`);
  return record;
}
