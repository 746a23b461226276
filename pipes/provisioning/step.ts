// Machines while the gate runs (testGate.provisionDuringGate): the targets' child workflows are
// started before the test gate, create their machines and enrol their agents, and wait; the gate
// passing lets them build, the gate failing cancels them and each deletes its machine at once.
// The critical path becomes max(gate, provision) + build + … instead of gate + provision + build.
// Workflow code.
import { CancellationScope, patched, startChild, upsertSearchAttributes, type ChildWorkflowHandle } from '@temporalio/workflow';
import { ApplicationFailure } from '@temporalio/common';
import { SA } from '../../core/search-attributes.ts';
import { buildTarget, gatePassedSignal } from '../../workflows/build-target.ts';
import { causeChain } from '../../core/causes.ts';
import { GATE_NOT_PASSED } from '../../workflows/types.ts';
import { planOf, type Pipe, type ReleaseRun } from '../pipe.ts';
import { reusedTargets, targetChild } from '../builds/step.ts';

export interface EarlyTargets {
  /** Cancelling it cancels every early target (their machines are deleted). */
  scope: CancellationScope;
  children: Record<string, ChildWorkflowHandle<typeof buildTarget>>;
}

export const provisioning: Pipe = {
  name: 'provisioning',
  // Patched in: releases that started before it replay without starting children here.
  applies: (r) => r.plan?.testGate.provisionDuringGate === true && patched('provision-during-gate'),
  run: async (r) => {
    const plan = planOf(r);
    const reuse = reusedTargets(r);
    const scope = new CancellationScope();
    const children: EarlyTargets['children'] = {};
    for (const target of plan.targets) {
      if (reuse[target.name]) continue;
      r.progress.targets[target.name] = 'creating-machine';
      children[target.name] = await scope.run(() => startChild(buildTarget, targetChild(plan, target, r.source, r.released.commit, true)));
    }
    r.early = { scope, children };
  },
};

/** The gate passed: every early target may build. A target that already ended (its machine
 *  was refused, say) cannot be told; its result says why when the builds step awaits it. */
export async function gatePassed(r: ReleaseRun): Promise<void> {
  for (const child of Object.values(r.early?.children ?? {})) await child.signal(gatePassedSignal).catch(() => undefined);
}

/** The gate did not pass (or the release is cancelled): the early targets are cancelled and
 *  waited for, each deleting its machine; the machine-seconds they cost go into the result. */
export async function gateNotPassed(r: ReleaseRun): Promise<void> {
  if (!r.early) return;
  r.early.scope.cancel();
  const settled = await CancellationScope.nonCancellable(() => Promise.allSettled(Object.values(r.early!.children).map((c) => c.result())));
  let machineSeconds = 0;
  for (const s of settled) {
    if (s.status !== 'rejected') continue;
    const failure = [...causeChain(s.reason)].find((e): e is ApplicationFailure => e instanceof ApplicationFailure && e.type === GATE_NOT_PASSED);
    machineSeconds += Number((failure?.details?.[0] as { machineSeconds?: number } | undefined)?.machineSeconds ?? 0);
  }
  r.result.machineSeconds = machineSeconds;
  upsertSearchAttributes([{ key: SA.machineSeconds, value: machineSeconds }]);
}
