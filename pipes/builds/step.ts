// Every target on its own machine, in parallel: one buildTarget child workflow per target (a
// retry keeps targets built from this source whose files are intact). The first failure
// cancels the others; every child's cleanup has run before this returns or throws. Then the
// release's own limit on what all targets together may weigh, and the machine time spent.
// Workflow code.
import { CancellationScope, ParentClosePolicy, executeChild, isCancellation, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { FailureType, nonRetryable } from '../../core/failures.ts';
import { releaseBytesProblem } from '../../core/limits.ts';
import type { PlannedTarget, ReleasePlan } from '../../core/plan.ts';
import { rebuildProblem, reusableTargets, type PriorWork } from '../../core/resume.ts';
import { SA } from '../../core/search-attributes.ts';
import type { SourceRef } from '../../core/source.ts';
import type { TargetManifest } from '../../ports/artifacts.ts';
import { buildTarget } from '../../workflows/build-target.ts';
import { outermostApplicationFailure } from '../../workflows/explain.ts';
import type { BuildTargetInput, ReleaseProgress, TargetResult } from '../../workflows/types.ts';
import { planOf, type Pipe, type ReleaseRun } from '../pipe.ts';
import type { EarlyTargets } from '../provisioning/step.ts';

export const builds: Pipe = {
  name: 'builds',
  applies: (r) => r.plan !== undefined,
  run: async (r) => {
    const plan = planOf(r);
    const reuse = reusedTargets(r);
    r.kept.push(...Object.keys(reuse).map((t) => `target ${t}`));
    r.enter('building', plan.targets.map((t) => (reuse[t.name] ? `${t.name} (kept)` : t.name)).join(', '));
    const targets = await buildAll(plan, r.source, r.progress, reuse, r.released.commit, r.prior?.targetCosts ?? {}, r.early);
    // Each machine kept to its target's limit; together they must keep to the release's.
    const heavy = releaseBytesProblem(targets.map((t) => ({ target: t.target, bytes: t.manifest.artifacts.reduce((n, a) => n + a.size, 0) })), plan.releaseBytes);
    if (heavy) throw nonRetryable(FailureType.BadArtifact, `${heavy}; nothing was published`);
    r.targets = targets;
    const machineSeconds = targets.reduce((sum, t) => sum + t.machineSeconds, 0);
    const priced = targets.filter((t) => t.estimatedCost !== undefined);
    r.result.targets = targets;
    r.result.machineSeconds = machineSeconds;
    if (plan.currency && priced.length) r.result.estimatedCost = { amount: Math.round(priced.reduce((s, t) => s + t.estimatedCost!, 0) * 10_000) / 10_000, currency: plan.currency };
    upsertSearchAttributes([{ key: SA.machineSeconds, value: machineSeconds }]);
  },
};

/** The targets an earlier run of this release built from this source, kept; refused when the
 *  source changed under targets already stored. */
export function reusedTargets(r: ReleaseRun): Record<string, TargetManifest> {
  const plan = planOf(r);
  const reuse = r.prior ? reusableTargets(r.prior, r.source.sha256, plan.targets.map((t) => t.name)) : {};
  const refused = r.prior ? rebuildProblem(r.prior, reuse, plan.targets.map((t) => t.name)) : null;
  if (refused) throw nonRetryable(FailureType.ArtifactSealed, refused);
  return reuse;
}

/** The child workflow that builds one target (its id is one per release and target). */
export function targetChild(plan: ReleasePlan, target: PlannedTarget, source: SourceRef, commit: string | undefined, holdForGate: boolean) {
  const { workflowId } = workflowInfo();
  return {
    workflowId: `${workflowId}/target/${target.name}`,
    args: [{ project: plan.project, version: plan.version, releaseId: workflowId, target, source, env: plan.env, retentionDays: plan.retentionDays, ...(commit ? { commit } : {}), ...(holdForGate ? { holdForGate: true } : {}) }] as [BuildTargetInput],
    staticSummary: `build ${target.name} (${target.arch} ${target.os} on an ${target.machine.arch} machine)`,
    // A release that is terminated (not cancelled) asks its targets to cancel: each then deletes
    // its own machine at once instead of leaving it to the reaper.
    parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
  };
}

/** `costs`: what kept targets cost in the runs that built them — a retry's result counts the
 *  release's cost across its runs. `early`: targets already started while the gate ran. */
async function buildAll(plan: ReleasePlan, source: SourceRef, progress: ReleaseProgress, reuse: Record<string, TargetManifest>, commit: string | undefined, costs: NonNullable<PriorWork['targetCosts']>, early: EarlyTargets | undefined): Promise<TargetResult[]> {
  const scope = new CancellationScope();
  const cancelAll = () => (scope.cancel(), early?.scope.cancel());
  const runs = plan.targets.map((target) => {
    const kept = reuse[target.name];
    if (kept) {
      progress.targets[target.name] = 'done';
      const cost = costs[target.name];
      return Promise.resolve<TargetResult>({ target: target.name, machine: '', manifest: kept, machineSeconds: cost?.machineSeconds ?? 0, machineAttempts: 0, reused: true, ...(cost?.estimatedCost !== undefined ? { estimatedCost: cost.estimatedCost } : {}) });
    }
    progress.targets[target.name] = 'building';
    const started = early?.children[target.name];
    return (started ? started.result() : scope.run(() => executeChild(buildTarget, targetChild(plan, target, source, commit, false)))).then(
      (res) => ((progress.targets[target.name] = 'done'), res),
      (err: unknown) => {
        progress.targets[target.name] = isCancellation(err) ? 'cancelled' : 'failed';
        if (!isCancellation(err)) cancelAll();
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
