// The test gate: nothing is built until the project's own tests pass on the released source
// (machines may be made ready meanwhile: pipes/provisioning/step.ts). A retry skips it when it
// passed on this source with the same command and image.
// Workflow code.
import { proxyActivities, setCurrentDetails, workflowInfo } from '@temporalio/workflow';
import { shortHash } from '../../core/names.ts';
import { gateStillPasses } from '../../core/resume.ts';
import { longCommand } from '../../workflows/profiles.ts';
import type { createBuildActivities } from '../../activities/build.ts';
import { planOf, type Pipe, type ReleaseRun } from '../pipe.ts';
import { gateNotPassed, gatePassed } from '../provisioning/step.ts';

export const testGate: Pipe = {
  name: 'test-gate',
  applies: (r) => r.plan !== undefined,
  run: async (r) => {
    try {
      await runGate(r);
    } catch (err) {
      await gateNotPassed(r);
      throw err;
    }
    await gatePassed(r);
  },
};

async function runGate(r: ReleaseRun): Promise<void> {
  const plan = planOf(r);
  r.enter('test-gate', `\`${plan.testGate.command}\`${r.early ? ' (machines are made ready meanwhile)' : ''}`);
  if (r.prior && gateStillPasses(r.prior.gate, { sourceSha256: r.source.sha256, command: plan.testGate.command, image: plan.testGate.image })) {
    r.kept.push('test gate');
    setCurrentDetails('**test-gate** — passed on this source in an earlier run; not run again');
    return;
  }
  const { workflowId, runId } = workflowInfo();
  const { runTestGate } = proxyActivities<ReturnType<typeof createBuildActivities>>({ ...longCommand(plan.testGate.timeoutMinutes), summary: 'test gate' });
  const passed = await runTestGate({
    machine: `tagship-gate-${shortHash(`${workflowId}/${runId}`)}`,
    releaseId: workflowId,
    image: plan.testGate.image,
    command: plan.testGate.command,
    env: plan.env,
    source: r.source,
    release: { project: plan.project, version: plan.version },
    ...(plan.testGate.network ? { network: true } : {}),
  });
  if (passed.cache) r.result.gateCache = passed.cache;
}
