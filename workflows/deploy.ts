// Deploys one project's repository tree. Its workflow id is one per repository
// (`repo-deploy:<project>`), so two deploys of the same repository never run at once: a second
// release waits for the first (see deployRepositorySerially).
import { ApplicationFailure, proxyActivities, sleep, startChild } from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { createDeployActivities, DeployInput, DeployResult } from '../activities/deploy.ts';
import { Profiles } from './profiles.ts';
import { causeChain } from '../core/causes.ts';
import { FailureType } from '../core/failures.ts';

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

/** How many times one release builds its tree again while other releases keep deploying first. */
const MAX_REBUILDS = 5;

function movedUnder(err: unknown): boolean {
  return [...causeChain(err)].some((e) => e instanceof ApplicationFailure && e.type === FailureType.RepositoryMoved);
}

/** Builds a tree on top of the live one, then deploys it serially. Building runs outside the
 *  serialized deploy (it can take minutes), so two releases may both build on the same live
 *  tree; the deploy re-checks that tree under the lock, and when another release made its own
 *  live in between, this one builds again on that — never dropping the other's packages. */
export async function buildThenDeploy<T extends { staging: string; base: string | null }>(
  project: string,
  build: () => Promise<T>,
  progress: { building: (again: boolean) => void; deploying?: () => void },
): Promise<{ built: T; deployed: DeployResult }> {
  for (let attempt = 1; ; attempt++) {
    progress.building(attempt > 1);
    const built = await build();
    progress.deploying?.();
    try {
      const deployed = await deployRepositorySerially({ project, staging: built.staging, treeId: built.staging.split('/').pop()!, base: built.base });
      return { built, deployed };
    } catch (err) {
      if (attempt >= MAX_REBUILDS || !movedUnder(err)) throw err;
    }
  }
}
