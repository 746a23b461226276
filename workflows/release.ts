// The release workflow: validate the tag → load the project → test gate → build every target
// on its own machine → result. Orchestration only; every side effect is an activity.
import { ApplicationFailure, CancellationScope, defineQuery, isCancellation, proxyActivities, setHandler, setCurrentDetails, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { createSourceActivities } from '../activities/source.ts';
import type { createBuildActivities } from '../activities/build.ts';
import { parseTag } from '../core/tag.ts';
import { FailureType, nonRetryable } from '../core/failures.ts';
import { planRelease, unknownTargets } from '../core/plan.ts';
import { machineName, shortHash } from '../core/names.ts';
import { SA } from '../core/search-attributes.ts';
import { Profiles, longCommand } from './profiles.ts';
import { buildTarget } from './build-target.ts';
import { explain } from './explain.ts';
import type { ReleaseInput, ReleaseProgress, ReleaseResult, ReleaseStage, TargetResult } from './types.ts';

type SourceActivities = ReturnType<typeof createSourceActivities>;
type BuildActivities = ReturnType<typeof createBuildActivities>;

export const progressQuery = defineQuery<ReleaseProgress>('progress');

const { loadProject } = proxyActivities<SourceActivities>({ ...Profiles.local, summary: 'load tagship.yml and pack the source' });

export async function release(input: ReleaseInput): Promise<ReleaseResult> {
  const progress: ReleaseProgress = { stage: 'validating', targets: {} };
  setHandler(progressQuery, () => progress);
  const enter = (stage: ReleaseStage, details: string) => {
    progress.stage = stage;
    setCurrentDetails(`**${stage}** — ${details}`);
    upsertSearchAttributes([{ key: SA.stage, value: stage }]);
  };

  try {
    // 1. The tag goes into commands, paths and versions: check it before anything runs.
    const tag = parseTag(input.tag);
    if (!tag.ok) throw nonRetryable(FailureType.InvalidTag, `tag "${input.tag}" was rejected: ${tag.reason}`);

    enter('loading', `reading tagship.yml of ${input.project}`);
    const { config, source } = await loadProject({ projectDir: input.projectDir, project: input.project });
    const missing = unknownTargets(config, input.targets ?? []);
    if (missing.length) {
      throw nonRetryable(FailureType.ConfigInvalid, `unknown target(s) ${missing.join(', ')}; tagship.yml declares ${config.targets.map((t) => t.name).join(', ')}`);
    }
    const plan = planRelease(config, tag.value, input.targets);
    const { workflowId, runId } = workflowInfo();

    // 2. The test gate: nothing is provisioned until the project's own tests pass.
    enter('test-gate', `\`${plan.testGate.command}\``);
    const { runTestGate } = proxyActivities<BuildActivities>({ ...longCommand(plan.testGate.timeoutMinutes), summary: 'test gate' });
    await runTestGate({
      machine: `tagship-gate-${shortHash(`${workflowId}/${runId}`)}`,
      releaseId: workflowId,
      image: plan.testGate.image,
      command: plan.testGate.command,
      env: plan.env,
      source,
    });

    // 3. Every target on its own machine, in parallel; the first failure cancels the rest,
    //    and every target's cleanup still runs before the release ends.
    enter('building', plan.targets.map((t) => t.name).join(', '));
    for (const t of plan.targets) progress.targets[t.name] = 'pending';
    const scope = new CancellationScope();
    const runs = plan.targets.map((t) =>
      scope.run(() =>
        buildTarget({
          plan,
          target: t,
          source,
          releaseId: workflowId,
          runId,
          machine: machineName({ project: plan.project, version: plan.version, target: t.name, workflowId, runId }),
          onStage: (s) => (progress.targets[t.name] = s),
        }),
      ),
    );
    for (const run of runs) run.catch(() => scope.cancel());
    const settled = await Promise.allSettled(runs);
    const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected' && !isCancellation(s.reason));
    // A target cancelled because another failed is not the story: report the one that failed.
    if (failure) throw failure.reason;
    const cancelled = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (cancelled) throw cancelled.reason;
    const targets = settled.map((s) => (s as PromiseFulfilledResult<TargetResult>).value);

    const machineSeconds = targets.reduce((sum, t) => sum + t.machineSeconds, 0);
    upsertSearchAttributes([{ key: SA.machineSeconds, value: machineSeconds }]);
    enter('done', `${targets.length} target(s), ${targets.reduce((n, t) => n + t.manifest.artifacts.length, 0)} artifact(s)`);
    return { project: plan.project, tag: plan.tag, version: plan.version, channel: plan.channel, targets, machineSeconds };
  } catch (err) {
    // Target failures and our own rejections are already explained; others get their stage.
    const explained = err instanceof ApplicationFailure ? err : explain(err, progress.stage);
    enter('failed', explained instanceof Error ? explained.message.split('\n')[0]! : String(explained));
    throw explained;
  }
}
