// The release workflow: read (validate the tag, fetch it and pack its commit, load tagship.yml)
// → plan (what the release builds, refused early when it asks for what the config lacks) →
// apply: the one release pipeline (pipes/index.ts), in order — a container app's QA check, the
// test gate, one buildTarget child per target, checksums, provenance, the publishers, the
// signed repositories and their atomic deploy, a container app's version tag by digest; each
// pipe runs only where it applies. Orchestration only; every side effect is an activity. A
// retry (input.resume) first asks the store what earlier runs finished and skips what still
// stands (core/resume.ts).
import { ApplicationFailure, CancellationScope, defineQuery, isCancellation, patched, proxyActivities, setHandler, upsertMemo, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { createNotifyActivities, NotifyInput } from '../activities/notify.ts';
import type { createSourceActivities } from '../activities/source.ts';
import { parseReleaseTag, tagPrefixProblem } from '../core/tag.ts';
import type { TagshipConfig } from '../core/config/schema.ts';
import { FailureType, nonRetryable } from '../core/failures.ts';
import { packageReleaseProblem, planRelease, unknownTargetsProblem } from '../core/plan.ts';
import { SA } from '../core/search-attributes.ts';
import { stageEntry } from './stages.ts';
import { Profiles } from './profiles.ts';
import { countRelease, failureTypeOf } from './metrics.ts';
import { explain } from './explain.ts';
import type { LoadProjectResult } from '../core/source.ts';
import type { ReleaseInput, ReleaseProgress, ReleaseResult, ReleasedSource } from './types.ts';
import { PIPELINE } from '../pipes/index.ts';
import { kindHintsOf, runPipeline, type ReleaseRun } from '../pipes/pipe.ts';

type SourceActivities = ReturnType<typeof createSourceActivities>;

export const progressQuery = defineQuery<ReleaseProgress>('progress');

const { loadProject } = proxyActivities<SourceActivities>({ ...Profiles.sourceFetch, summary: 'load tagship.yml and pack the source' });
const { notifyRelease } = proxyActivities<ReturnType<typeof createNotifyActivities>>({ ...Profiles.notify, summary: 'post the outcome to the notification webhook' });

export async function release(input: ReleaseInput): Promise<ReleaseResult> {
  const progress: ReleaseProgress = { stage: 'validating', targets: {} };
  setHandler(progressQuery, () => progress);
  const enter = stageEntry(progress);
  // What the worker posts to its notification webhook, once the load has said (patched in).
  let notifyOn: LoadProjectResult['notify'];
  const project = { name: input.project, tag: input.tag };

  try {
    // 1. The tag goes into commands, paths and versions: check it before anything runs.
    const tag = parseReleaseTag(input.tag);
    if (!tag.ok) throw nonRetryable(FailureType.InvalidTag, `tag "${input.tag}" was rejected: ${tag.reason}`);

    // 2. Read: the tag's commit, packed, and its tagship.yml.
    enter('loading', input.projectDir !== undefined ? `reading tagship.yml of ${input.project} from a working tree` : `fetching ${input.tag} of ${input.project}`);
    const loaded = await loadProject(
      input.projectDir !== undefined
        ? { projectDir: input.projectDir, project: input.project, tag: input.tag }
        : input.nightly && input.commit
          ? { project: input.project, nightly: { branch: input.nightly.branch, commit: input.commit } }
          : { project: input.project, tag: input.tag, ...(input.commit ? { expectedCommit: input.commit } : {}) },
    );
    const { config, source } = loaded;
    notifyOn = loaded.notify;
    const released = releasedSource(loaded);
    // The commit, findable in the Web UI and shown with the run (patched in: releases that
    // started before it replay without these commands).
    if (patched('record-commit')) {
      if (released.commit) upsertSearchAttributes([{ key: SA.commit, value: released.commit }]);
      upsertMemo({ ...(released.commit ? { commit: released.commit } : {}), ...(released.configDigest ? { configDigest: released.configDigest } : {}), reproducible: released.reproducible });
    }

    // The tag's form is the project's (tagship.yml tag.prefix; configs in histories from
    // before it have none: "v").
    // (A nightly's version is tagship's, not a tag of the project's.)
    const prefix = input.nightly ? null : tagPrefixProblem(tag.value.tag, (config.tag as TagshipConfig['tag'] | undefined)?.prefix ?? 'v');
    if (prefix) throw nonRetryable(FailureType.InvalidTag, prefix);
    const parsedTag = input.nightly ? { ...tag.value, channel: 'nightly' as const } : tag.value;

    // 3. Plan: what this release builds (packages), refused before anything runs when it
    // asks for what tagship.yml does not have.
    const nothing = packageReleaseProblem(config);
    if (nothing && !config.app) throw nonRetryable(FailureType.ConfigInvalid, nothing);
    const unknown = nothing ? null : unknownTargetsProblem(config, input.targets ?? []);
    if (unknown) throw nonRetryable(FailureType.ConfigInvalid, unknown);
    const plan = nothing ? undefined : planRelease(config, parsedTag, input.targets, { hints: kindHintsOf(PIPELINE, config), ...(loaded.sourceDateEpoch !== undefined ? { sourceDateEpoch: loaded.sourceDateEpoch } : {}), ...(loaded.provisionDuringGate ? { provisionDuringGate: true } : {}) });

    // 4. Apply: the pipeline, in order; each pipe runs only where it applies.
    const run: ReleaseRun = { input, tag: parsedTag, config, source, released, ...(plan ? { plan } : {}), progress, enter, kept: [], targets: [], tree: [], handoff: {}, result: {}, pipeline: PIPELINE };
    await runPipeline(PIPELINE, run);

    const targets = run.targets;
    const app = run.result.app;
    enter('done', `${targets.length} target(s), ${targets.reduce((n, t) => n + t.manifest.artifacts.length, 0)} artifact(s)${app ? `; ${app.reference}` : ''}${input.dryRun ? '; dry run: nothing was published or deployed' : ''}`);
    if (notifyOn === 'all') await notifyQuietly(notifyOn, { ...project, outcome: 'completed', stage: 'done' });
    countRelease(project.name, 'completed');
    return {
      ...run.result,
      project: config.project, tag: parsedTag.tag, version: parsedTag.version, channel: parsedTag.channel,
      targets, machineSeconds: run.result.machineSeconds ?? 0,
      ...(input.resume && plan ? { resumed: { previousRunId: input.resume.previousRunId, kept: run.kept } } : {}),
      source: released,
    };
  } catch (err) {
    if (isCancellation(err)) {
      enter('cancelled', 'cancelled; every machine was deleted');
      countRelease(project.name, 'cancelled');
      await CancellationScope.nonCancellable(() => notifyQuietly(notifyOn, { ...project, outcome: 'cancelled', stage: 'cancelled' }));
      throw err;
    }
    // Target failures and our own rejections are already explained; others get their stage.
    const explained = err instanceof ApplicationFailure ? err : explain(err, progress.stage);
    const stage = progress.stage;
    const cause = explained instanceof Error ? explained.message.split('\n')[0]! : String(explained);
    enter('failed', cause);
    countRelease(project.name, 'failed', failureTypeOf(explained));
    await notifyQuietly(notifyOn, { ...project, outcome: 'failed', stage, cause });
    throw explained;
  }
}

function releasedSource(l: LoadProjectResult): ReleasedSource {
  return {
    sha256: l.source.sha256,
    // Results recorded before commits were fetched have no flag: those were working trees.
    reproducible: l.reproducible ?? false,
    ...(l.commit ? { commit: l.commit } : {}),
    ...(l.tagObject ? { tagObject: l.tagObject } : {}),
    ...(l.repository ? { repository: l.repository } : {}),
    ...(l.configDigest ? { configDigest: l.configDigest } : {}),
    ...(l.signedBy ? { signedBy: l.signedBy } : {}),
  };
}

/** Posts the release's outcome when the worker is set up to (never changing the outcome). */
async function notifyQuietly(on: LoadProjectResult['notify'], n: { name: string; tag: string; outcome: NotifyInput['outcome']; stage: string; cause?: string }): Promise<void> {
  if (!on || !patched('notify')) return;
  const { workflowId, runId } = workflowInfo();
  await notifyRelease({ workflowId, runId, project: n.name, tag: n.tag, outcome: n.outcome, stage: n.stage, ...(n.cause ? { cause: n.cause } : {}) }).catch(() => undefined);
}
