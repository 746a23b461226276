// Deploys one project's repository tree. Its workflow id is one per repository
// (`repo-deploy:<project>`), so two deploys of the same repository never run at once: a second
// release waits for the first (see deployRepositorySerially).
import { proxyActivities, sleep, startChild } from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { createDeployActivities, DeployInput, DeployResult } from '../activities/deploy.ts';
import { Profiles } from './profiles.ts';

type DeployActivities = ReturnType<typeof createDeployActivities>;

const { deployRepository } = proxyActivities<DeployActivities>({ ...Profiles.deploy, summary: 'copy the tree beside the live one, then switch atomically' });
const { rollbackRepository } = proxyActivities<DeployActivities>({ ...Profiles.deploy, summary: 'serve the previous tree again' });

export async function deployRepositoryWorkflow(input: DeployInput): Promise<DeployResult> {
  return deployRepository(input);
}

/** Rollback runs under the same workflow id as deploys, so it never interleaves with one. */
export async function rollbackRepositoryWorkflow(input: { project: string }): Promise<DeployResult> {
  return rollbackRepository(input);
}

export function deployWorkflowId(project: string): string {
  return `repo-deploy:${project}`;
}

/** Starts the deploy child; while another deploy of the repository runs, waits and tries again. */
export async function deployRepositorySerially(input: DeployInput): Promise<DeployResult> {
  for (;;) {
    try {
      const child = await startChild(deployRepositoryWorkflow, {
        workflowId: deployWorkflowId(input.project),
        args: [input],
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        staticSummary: `deploy the ${input.project} repositories`,
      });
      return await child.result();
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      await sleep('5 seconds');
    }
  }
}
