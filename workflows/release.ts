// The release workflow: validate the tag → fetch the tag and pack its commit → for a container
// app, the commit's QA record and images (app-release.ts) → for packages, the test gate, one
// buildTarget child workflow per target in parallel, and the steps after the builds
// (release-steps.ts: provenance → publish → signed repositories → atomic deploy) → for a
// container app, the version tag by digest.
// Orchestration only; every side effect is an activity. A retry (input.resume) first asks the
// store what earlier runs finished and skips what still stands (core/resume.ts).
import { ApplicationFailure, CancellationScope, defineQuery, executeChild, isCancellation, patched, proxyActivities, setHandler, setCurrentDetails, upsertMemo, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { AFTER_BUILD, type Built } from './release-steps.ts';
import type { createSourceActivities } from '../activities/source.ts';
import type { createBuildActivities } from '../activities/build.ts';
import type { createResumeActivities } from '../activities/resume.ts';
import { parseTag } from '../core/tag.ts';
import { FailureType, nonRetryable } from '../core/failures.ts';
import { packageReleaseProblem, planRelease, unknownTargetsProblem, type ReleasePlan } from '../core/plan.ts';
import { shortHash } from '../core/names.ts';
import { SA } from '../core/search-attributes.ts';
import { gateStillPasses, reusableTargets, type PriorWork } from '../core/resume.ts';
import type { TargetManifest } from '../ports/artifacts.ts';
import { stageEntry } from './stages.ts';
import { Profiles, longCommand } from './profiles.ts';
import { buildTarget } from './build-target.ts';
import { releaseBytesProblem } from '../core/limits.ts';
import { explain, outermostApplicationFailure } from './explain.ts';
import type { LoadProjectResult, SourceRef } from '../core/source.ts';
import type { AppReleased, ReleaseInput, ReleaseProgress, ReleaseResult, ReleaseStage, ReleasedSource, TargetResult } from './types.ts';
import { checkAppRelease, tagAppRelease } from './app-release.ts';
import type { QaRecord } from '../core/qa/record.ts';
import type { ParsedTag } from '../core/tag.ts';

type SourceActivities = ReturnType<typeof createSourceActivities>;
type BuildActivities = ReturnType<typeof createBuildActivities>;
type ResumeActivities = ReturnType<typeof createResumeActivities>;

export const progressQuery = defineQuery<ReleaseProgress>('progress');

const { loadProject } = proxyActivities<SourceActivities>({ ...Profiles.sourceFetch, summary: 'load tagship.yml and pack the source' });
const { inspectPriorWork } = proxyActivities<ResumeActivities>({ ...Profiles.storeScan, summary: 'find what earlier runs of this release finished' });

export async function release(input: ReleaseInput): Promise<ReleaseResult> {
  const progress: ReleaseProgress = { stage: 'validating', targets: {} };
  setHandler(progressQuery, () => progress);
  const enter = stageEntry(progress);

  try {
    // 1. The tag goes into commands, paths and versions: check it before anything runs.
    const tag = parseTag(input.tag);
    if (!tag.ok) throw nonRetryable(FailureType.InvalidTag, `tag "${input.tag}" was rejected: ${tag.reason}`);

    enter('loading', input.projectDir !== undefined ? `reading tagship.yml of ${input.project} from a working tree` : `fetching ${input.tag} of ${input.project}`);
    const loaded = await loadProject(
      input.projectDir !== undefined ? { projectDir: input.projectDir, project: input.project } : { project: input.project, tag: input.tag, ...(input.commit ? { expectedCommit: input.commit } : {}) },
    );
    const { config, source } = loaded;
    const released = releasedSource(loaded);
    // The commit, findable in the Web UI and shown with the run (patched in: releases that
    // started before it replay without these commands).
    if (patched('record-commit')) {
      if (released.commit) upsertSearchAttributes([{ key: SA.commit, value: released.commit }]);
      upsertMemo({ ...(released.commit ? { commit: released.commit } : {}), ...(released.configDigest ? { configDigest: released.configDigest } : {}), reproducible: released.reproducible });
    }
    const nothing = packageReleaseProblem(config);
    if (nothing && !config.app) throw nonRetryable(FailureType.ConfigInvalid, nothing);
    // A container app ships only a commit its CI passed: checked before anything runs.
    let appRecord: QaRecord | undefined;
    if (config.app) {
      enter('qa-check', `the QA record of ${released.commit ?? 'a working tree'}`);
      appRecord = await checkAppRelease({ project: config.project, commit: released.commit, app: config.app });
    }
    const packages = nothing ? undefined : await releasePackages({ input, config, tag: tag.value, source, released, progress, enter });
    let app: AppReleased | undefined;
    if (config.app && appRecord) {
      app = await tagAppRelease({ project: config.project, tag: tag.value.tag, app: config.app, version: tag.value.version, record: appRecord, source, ...(released.repository ? { repository: released.repository } : {}), enter });
    }

    const targets = packages?.targets ?? [];
    enter('done', `${targets.length} target(s), ${targets.reduce((n, t) => n + t.manifest.artifacts.length, 0)} artifact(s)${app ? `; ${app.reference}` : ''}`);
    return { project: config.project, tag: tag.value.tag, version: tag.value.version, channel: tag.value.channel, targets: [], machineSeconds: 0, ...packages, source: released, ...(app ? { app } : {}) };
  } catch (err) {
    if (isCancellation(err)) {
      enter('cancelled', 'cancelled; every machine was deleted');
      throw err;
    }
    // Target failures and our own rejections are already explained; others get their stage.
    const explained = err instanceof ApplicationFailure ? err : explain(err, progress.stage);
    enter('failed', explained instanceof Error ? explained.message.split('\n')[0]! : String(explained));
    throw explained;
  }
}

/** Everything a package release does after loading: test gate → builds → the steps after the
 *  builds (provenance, publish, repositories and their deploy). A retry keeps what earlier
 *  runs finished and the store still holds (only retries ask, so a first run's history is what
 *  it always was). */
async function releasePackages(r: {
  input: ReleaseInput;
  config: LoadProjectResult['config'];
  tag: ParsedTag;
  source: SourceRef;
  released: ReleasedSource;
  progress: ReleaseProgress;
  enter: (stage: ReleaseStage, details: string) => void;
}): Promise<Omit<ReleaseResult, 'project' | 'tag' | 'version' | 'channel' | 'source' | 'app'>> {
  const { input, config, source, released, progress, enter } = r;
  const unknown = unknownTargetsProblem(config, input.targets ?? []);
  if (unknown) throw nonRetryable(FailureType.ConfigInvalid, unknown);
  const plan = planRelease(config, r.tag, input.targets);
  const prior: PriorWork | undefined = input.resume ? await inspectPriorWork({ project: plan.project, version: plan.version, targets: plan.targets.map((t) => t.name) }) : undefined;
  const kept: string[] = [];

  // The test gate: nothing is provisioned until the project's own tests pass.
  enter('test-gate', `\`${plan.testGate.command}\``);
  if (prior && gateStillPasses(prior.gate, { sourceSha256: source.sha256, command: plan.testGate.command, image: plan.testGate.image })) {
    kept.push('test gate');
    setCurrentDetails('**test-gate** — passed on this source in an earlier run; not run again');
  } else {
    await testGate(plan, source);
  }

  // Every target on its own machine, in parallel.
  const reuse = prior ? reusableTargets(prior, source.sha256, plan.targets.map((t) => t.name)) : {};
  kept.push(...Object.keys(reuse).map((t) => `target ${t}`));
  enter('building', plan.targets.map((t) => (reuse[t.name] ? `${t.name} (kept)` : t.name)).join(', '));
  const targets = await buildAll(plan, source, progress, reuse, released.commit);
  // Each machine kept to its target's limit; together they must keep to the release's.
  const heavy = releaseBytesProblem(targets.map((t) => ({ target: t.target, bytes: t.manifest.artifacts.reduce((n, a) => n + a.size, 0) })), plan.releaseBytes);
  if (heavy) throw nonRetryable(FailureType.BadArtifact, `${heavy}; nothing was published`);
  const machineSeconds = targets.reduce((sum, t) => sum + t.machineSeconds, 0);
  const priced = targets.filter((t) => t.estimatedCost !== undefined);
  const estimatedCost = plan.currency && priced.length ? { amount: Math.round(priced.reduce((s, t) => s + t.estimatedCost!, 0) * 10_000) / 10_000, currency: plan.currency } : undefined;
  upsertSearchAttributes([{ key: SA.machineSeconds, value: machineSeconds }]);

  // Everything after the builds — provenance, publish, signed repositories and their deploy —
  // is a list of steps (release-steps.ts), walked in order.
  const built: Built = { input, config, plan, released, targets, prior, kept, enter, result: {} };
  for (const step of AFTER_BUILD) if (step.applies(built)) await step.run(built);
  const { published, repositories, provenance } = built.result;
  return {
    targets, machineSeconds,
    ...(estimatedCost ? { estimatedCost } : {}),
    ...(published ? { published } : {}),
    ...(repositories ? { repositories } : {}),
    ...(input.resume ? { resumed: { previousRunId: input.resume.previousRunId, kept } } : {}),
    ...(provenance ? { provenance } : {}),
  };
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

async function testGate(plan: ReleasePlan, source: SourceRef): Promise<void> {
  const { workflowId, runId } = workflowInfo();
  const { runTestGate } = proxyActivities<BuildActivities>({ ...longCommand(plan.testGate.timeoutMinutes), summary: 'test gate' });
  await runTestGate({
    machine: `tagship-gate-${shortHash(`${workflowId}/${runId}`)}`,
    releaseId: workflowId,
    image: plan.testGate.image,
    command: plan.testGate.command,
    env: plan.env,
    source,
    release: { project: plan.project, version: plan.version },
  });
}

/** One child per target. The first failure cancels the others; every child's cleanup has run
 *  before this returns or throws (children are cancelled and awaited, not abandoned). */
async function buildAll(plan: ReleasePlan, source: SourceRef, progress: ReleaseProgress, reuse: Record<string, TargetManifest>, commit: string | undefined): Promise<TargetResult[]> {
  const { workflowId } = workflowInfo();
  const scope = new CancellationScope();
  const runs = plan.targets.map((target) => {
    const kept = reuse[target.name];
    if (kept) {
      progress.targets[target.name] = 'done';
      return Promise.resolve<TargetResult>({ target: target.name, machine: '', manifest: kept, machineSeconds: 0, machineAttempts: 0, reused: true });
    }
    progress.targets[target.name] = 'building';
    return scope
      .run(() =>
        executeChild(buildTarget, {
          workflowId: `${workflowId}/target/${target.name}`,
          args: [{ project: plan.project, version: plan.version, releaseId: workflowId, target, source, env: plan.env, retentionDays: plan.retentionDays, ...(commit ? { commit } : {}) }],
          staticSummary: `build ${target.name} (${target.arch} ${target.os} on an ${target.machine.arch} machine)`,
        }),
      )
      .then(
        (r) => ((progress.targets[target.name] = 'done'), r),
        (err: unknown) => {
          progress.targets[target.name] = isCancellation(err) ? 'cancelled' : 'failed';
          if (!isCancellation(err)) scope.cancel();
          throw err;
        },
      );
  });
  const settled = await Promise.allSettled(runs);
  // A target cancelled because another failed is not the story: report the one that failed.
  const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected' && !isCancellation(s.reason));
  // The child already said where it broke ("target X (building): ..."); pass that on as it is.
  if (failure) throw outermostApplicationFailure(failure.reason) ?? failure.reason;
  const cancelled = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (cancelled) throw cancelled.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<TargetResult>).value);
}
