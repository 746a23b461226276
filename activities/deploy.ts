// Deploys a repository tree through the repository host (ports/repositories.ts): the complete
// new tree made live at once, never half of it; the previous tree kept for `rollback`. The
// inputs are checked here, before the host touches anything: a workflow start is an input like
// any other, and must not make a deploy serve a folder outside tagship's staging.
import { join } from 'node:path';
import { FailureType, nonRetryable } from '../core/failures.ts';
import { NothingToRollBackError, RepositoryMovedError, type DeployTree, type DeployedTree, type RepositoryHost } from '../ports/repositories.ts';
import { requireInside, requireName, requireTreeId } from './inputs.ts';

export type DeployInput = DeployTree;
export type DeployResult = DeployedTree;

export interface DeployDeps {
  repositories: RepositoryHost & { local?: boolean; stagingRoot?: string };
}

/** The host's own refusals as the typed failures workflows act on. */
function typed(err: unknown): never {
  if (err instanceof RepositoryMovedError) throw nonRetryable(FailureType.RepositoryMoved, err.message);
  if (err instanceof NothingToRollBackError) throw nonRetryable(FailureType.NothingToRollBack, err.message);
  throw err;
}

export function createDeployActivities(deps: DeployDeps) {
  const host = deps.repositories;
  return {
    async deployRepository(input: DeployInput): Promise<DeployResult> {
      requireName('project', 'project', input.project);
      requireTreeId('treeId', input.treeId);
      // A host that copies from this host's folder gets only a tree staged for this project, so
      // no start can serve the state folder's keys; a shared host reads what `stage` put there.
      const staging = host.local && host.stagingRoot ? { staging: await requireInside('staging', join(host.stagingRoot, input.project), input.staging ?? join(host.stagingRoot, input.project, input.treeId)) } : {};
      return host.deploy({ project: input.project, treeId: input.treeId, ...(input.base !== undefined ? { base: input.base } : {}), ...staging }).catch(typed);
    },

    /** Serves the previous tree again (and keeps the one it replaces as the new previous). */
    async rollbackRepository({ project }: { project: string }): Promise<DeployResult> {
      requireName('project', 'project', project);
      return host.rollback(project).catch(typed);
    },
  };
}
