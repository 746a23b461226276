// One target's build: register the machine's deletion → create it → build → collect the
// artifacts → delete it. The deletion is registered before the create call, so a machine that
// was asked for is deleted whatever happens after (failure, cancellation).
import { proxyActivities } from '@temporalio/workflow';
import type { createMachineActivities } from '../activities/machines.ts';
import type { createBuildActivities } from '../activities/build.ts';
import type { SourceRef } from '../activities/source.ts';
import type { PlannedTarget, ReleasePlan } from '../core/plan.ts';
import { MachineLabel } from '../core/names.ts';
import { Profiles, longCommand } from './profiles.ts';
import { Compensations } from './saga.ts';
import { explain } from './explain.ts';
import { workflowNow, workflowNowIso } from './clock.ts';
import type { TargetResult, TargetStage } from './types.ts';

type MachineActivities = ReturnType<typeof createMachineActivities>;
type BuildActivities = ReturnType<typeof createBuildActivities>;

export interface BuildTargetInput {
  plan: ReleasePlan;
  target: PlannedTarget;
  source: SourceRef;
  releaseId: string;
  runId: string;
  machine: string;
  onStage: (stage: TargetStage) => void;
}

export async function buildTarget(input: BuildTargetInput): Promise<TargetResult> {
  const { target, plan, machine } = input;
  const { createMachine } = proxyActivities<MachineActivities>({ ...Profiles.machineCreate, summary: `create machine for ${target.name}` });
  const { deleteMachine } = proxyActivities<MachineActivities>({ ...Profiles.machineDelete, summary: `delete machine of ${target.name}` });
  const { runBuild } = proxyActivities<BuildActivities>({ ...longCommand(target.timeoutMinutes), summary: `build ${target.name}` });
  const { collectArtifacts } = proxyActivities<BuildActivities>({ ...Profiles.transfer, summary: `collect artifacts of ${target.name}` });

  const saga = new Compensations();
  const started = workflowNow();
  let stage: TargetStage = 'pending';
  const enter = (s: TargetStage) => {
    stage = s;
    input.onStage(s);
  };
  try {
    saga.add(`delete machine ${machine}`, async () => {
      enter('deleting-machine');
      await deleteMachine({ name: machine });
    });
    enter('creating-machine');
    await createMachine({
      spec: {
        name: machine,
        arch: target.machine.arch,
        image: target.machine.image,
        size: target.machine.size,
        labels: { [MachineLabel.release]: input.releaseId, [MachineLabel.run]: input.runId, [MachineLabel.target]: target.name, [MachineLabel.role]: 'build' },
      },
    });
    enter('building');
    await runBuild({ machine, target: target.name, commands: target.build, env: { ...plan.env, TAGSHIP_TARGET: target.name, TAGSHIP_ARCH: target.arch }, source: input.source });
    enter('collecting');
    const manifest = await collectArtifacts({
      machine,
      key: { project: plan.project, version: plan.version, target: target.name },
      globs: target.artifacts,
      createdAt: workflowNowIso(),
    });
    await saga.runAll();
    enter('done');
    return { target: target.name, machine, manifest, machineSeconds: Math.round((workflowNow() - started) / 1000) };
  } catch (err) {
    const failedAt = stage;
    await saga.runAll();
    input.onStage('failed');
    throw explain(err, `target ${target.name} (${failedAt})`);
  }
}
