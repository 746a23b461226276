// One target's build, as a child workflow with its own small history: register the machine's
// deletion → create it → wait for its build agent to enrol → build on it → upload the
// artifacts → delete it → verify it is gone. The deletion is registered before the create
// call, so a machine that was asked for is deleted whatever happens after. A machine that dies
// mid-build is replaced by a fresh one, a bounded number of times.
import { ApplicationFailure, CancellationScope, condition, defineQuery, defineSignal, isCancellation, patched, proxyActivities, setHandler, setCurrentDetails, sleep, workflowInfo } from '@temporalio/workflow';
import type { createMachineActivities } from '../activities/machines.ts';
import type { createAgentActivities } from '../activities/agent.ts';
import { MachineLabel, agentTaskQueue, machineName } from '../core/names.ts';
import { estimateCost } from '../core/cost.ts';
import { machineDeadline } from '../core/reaper.ts';
import { ENROLMENT_CHECK, MAX_MACHINE_ATTEMPTS, Profiles, agentBuild } from './profiles.ts';
import { Compensations } from './saga.ts';
import { explain } from './explain.ts';
import { countMachineSeconds } from './metrics.ts';
import { isMachineLoss } from './machine-loss.ts';
import { workflowNow, workflowNowIso } from './clock.ts';
import { GATE_NOT_PASSED, type BuildTargetInput, type TargetProgress, type TargetResult, type TargetStage } from './types.ts';

type MachineActivities = ReturnType<typeof createMachineActivities>;
type AgentActivities = ReturnType<typeof createAgentActivities>;

export const targetProgressQuery = defineQuery<TargetProgress>('progress');
/** The release's word that the test gate passed: a target started with holdForGate builds only then. */
export const gatePassedSignal = defineSignal('gatePassed');

const { checkEnrolling } = proxyActivities<MachineActivities>({ ...Profiles.enrolmentCheck, summary: 'check the machine while its agent enrols' });

/** Waits for the agent's hello while looking at its machine every ENROLMENT_CHECK: whichever
 *  settles first decides, and the other is cancelled (patched in: targets that were enrolling
 *  before it wait on the hello alone). A timer between quick looks, not one long watching
 *  activity: nothing is left running when the hello comes. */
async function enrol(hello: () => Promise<unknown>, machine: string): Promise<void> {
  if (!patched('watch-enrolment')) {
    await hello();
    return;
  }
  const scope = new CancellationScope();
  const watch = async (): Promise<never> => {
    for (;;) {
      await sleep(ENROLMENT_CHECK);
      await checkEnrolling({ name: machine });
    }
  };
  const waits = [scope.run(hello), scope.run(watch)];
  try {
    await Promise.race(waits);
  } finally {
    scope.cancel();
    await Promise.allSettled(waits);
  }
}

export async function buildTarget(input: BuildTargetInput): Promise<TargetResult> {
  const { target } = input;
  const { workflowId, runId } = workflowInfo();
  const progress: TargetProgress = { stage: 'pending', attempt: 0, machine: null };
  setHandler(targetProgressQuery, () => progress);
  let gatePassed = false;
  setHandler(gatePassedSignal, () => void (gatePassed = true));
  const enter = (stage: TargetStage) => {
    progress.stage = stage;
    setCurrentDetails(`**${target.name}**: ${stage} (machine ${progress.machine ?? '-'}, attempt ${progress.attempt}/${MAX_MACHINE_ATTEMPTS})`);
  };

  const { createMachine } = proxyActivities<MachineActivities>({ ...Profiles.machineCreate, summary: `create ${target.machine.arch} machine for ${target.name}` });
  const { deleteMachine } = proxyActivities<MachineActivities>({ ...Profiles.machineDelete, summary: `delete machine of ${target.name}` });
  const { loadEnvironment } = proxyActivities<MachineActivities>({ ...Profiles.environmentLoad, summary: `load the build environment for ${target.name}` });
  const { verifyMachineGone } = proxyActivities<MachineActivities>({ ...Profiles.machineGone, summary: `verify machine of ${target.name} is gone` });

  const started = workflowNow();
  for (let attempt = 1; ; attempt++) {
    const machine = `${machineName({ project: input.project, version: input.version, target: target.name, workflowId, runId })}-m${attempt}`;
    progress.attempt = attempt;
    progress.machine = machine;
    const queue = agentTaskQueue(machine);
    const agent = (options: object) => proxyActivities<AgentActivities>({ ...options, taskQueue: queue });
    const saga = new Compensations();
    try {
      saga.add(`delete machine ${machine}`, async () => {
        enter('deleting-machine');
        await deleteMachine({ name: machine });
        await verifyMachineGone({ name: machine });
      });
      enter('creating-machine');
      await createMachine({
        spec: {
          name: machine,
          arch: target.machine.arch,
          image: target.machine.image,
          size: target.machine.size,
          labels: { [MachineLabel.release]: input.releaseId, [MachineLabel.run]: runId, [MachineLabel.target]: target.name, [MachineLabel.role]: 'build', [MachineLabel.deadline]: machineDeadline(workflowNow(), target.timeoutMinutes) },
          scope: { project: input.project, version: input.version, target: target.name },
          ...(target.network ? { network: true } : {}),
        },
      });
      enter('enrolling');
      await enrol(() => agent({ ...Profiles.agentEnrolment, summary: `wait for the build agent on ${machine}` }).agentHello(), machine);
      const environment = target.machine.environment;
      // A droplet fetches the environment's files itself (histories before that returned none).
      let rootfs: { sha256: string } | undefined;
      if (environment?.image) {
        enter('loading-environment');
        rootfs = (await loadEnvironment({ name: machine, image: environment.image }))?.rootfs;
      }
      if (input.holdForGate && !gatePassed) {
        // Provisioned while the gate runs: the build waits for it (the release cancels this
        // target if the gate fails, and the machine is deleted below).
        enter('awaiting-gate');
        await condition(() => gatePassed);
      }
      enter('building');
      const built = await agent({ ...agentBuild(target.timeoutMinutes), summary: `build ${target.name} on ${machine}` }).agentBuild({
        target: target.name,
        source: { sha256: input.source.sha256 },
        commands: target.build,
        env: { ...input.env, TAGSHIP_TARGET: target.name, TAGSHIP_ARCH: target.arch },
        ...(target.network ? { network: true } : {}),
        ...(environment?.image ? { environment: { image: environment.image, env: environment.env ?? [], ...(rootfs ? { rootfs } : {}) } } : {}),
      });
      enter('uploading');
      const manifest = await agent({ ...Profiles.agentUpload, summary: `upload artifacts of ${target.name}` }).agentUpload({
        key: { project: input.project, version: input.version, target: target.name },
        globs: target.artifacts,
        ...(target.kindHints ? { kindHints: target.kindHints } : {}),
        createdAt: workflowNowIso(),
        sourceSha256: input.source.sha256,
        ...(input.commit ? { commit: input.commit } : {}),
        ...(input.retentionDays ? { retentionDays: input.retentionDays } : {}),
        // Targets planned before limits existed (running histories) get the agent's defaults.
        ...((target as Partial<typeof target>).limits ? { limits: target.limits } : {}),
      });
      await saga.runAll();
      enter('done');
      const machineSeconds = Math.round((workflowNow() - started) / 1000);
      countMachineSeconds(input.project, machineSeconds);
      const estimatedCost = target.hourlyPrice === undefined ? undefined : estimateCost(machineSeconds, target.machine.size, { currency: '', hourly: { [target.machine.size]: target.hourlyPrice } });
      return { target: target.name, machine, manifest, machineSeconds, machineAttempts: attempt, ...(estimatedCost !== undefined ? { estimatedCost } : {}), ...(built.cache ? { dependencyCache: built.cache } : {}) };
    } catch (err) {
      const failedAt = progress.stage;
      await saga.runAll();
      if (failedAt === 'awaiting-gate' && isCancellation(err)) {
        const machineSeconds = Math.round((workflowNow() - started) / 1000);
        countMachineSeconds(input.project, machineSeconds);
        enter('cancelled');
        throw ApplicationFailure.create({ type: GATE_NOT_PASSED, nonRetryable: true, message: `target ${target.name}: the test gate did not pass; machine ${machine}, made ready meanwhile, was deleted`, details: [{ machineSeconds }] });
      }
      if (isMachineLoss(err) && attempt < MAX_MACHINE_ATTEMPTS) {
        setCurrentDetails(`**${target.name}**: machine ${machine} was lost while ${failedAt}; retrying on a fresh machine`);
        continue;
      }
      enter('failed');
      throw explain(err, `target ${target.name} (${failedAt}${attempt > 1 ? `, machine attempt ${attempt}` : ''})`);
    }
  }
}
