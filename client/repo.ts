// Intent functions for repositories: roll one back to its previous tree, through Temporal, under
// the repository's deploy workflow id (so it cannot run while a deploy of it runs).
import { WorkflowExecutionAlreadyStartedError, WorkflowFailedError, type Client } from '@temporalio/client';
import type { rollbackRepositoryWorkflow } from '../workflows/deploy.ts';
import type { DeployResult } from '../activities/deploy.ts';import { deepestCause } from '../core/causes.ts';


export async function rollbackRepository(client: Client, opts: { project: string; taskQueue: string }): Promise<DeployResult> {
  try {
    return await client.workflow.execute<typeof rollbackRepositoryWorkflow>('rollbackRepositoryWorkflow', {
      workflowId: `repo-deploy:${opts.project}`,
      taskQueue: opts.taskQueue,
      args: [{ project: opts.project }],
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      staticSummary: `roll back the ${opts.project} repositories`,
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) throw new Error(`a deploy of ${opts.project}'s repositories is running; roll back after it ends`);
    if (err instanceof WorkflowFailedError) throw new Error(deepestCause(err).message);
    throw err;
  }
}

