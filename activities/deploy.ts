// Deploys a repository tree atomically: the complete new tree is copied beside the live one
// (under trees/), marked complete, and `current` is switched to it with one rename(2) of a
// symlink. Until that rename the old tree is served untouched; a deploy that fails midway
// leaves it in place. The previous tree is kept for `rollback`.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readlink, readdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FailureType, nonRetryable } from '../core/failures.ts';
import { requireInside, requireName, requireTreeId } from './inputs.ts';

const run = promisify(execFile);
const COMPLETE = '.tagship-complete';

export interface DeployInput {
  project: string;
  /** The staged tree on this host. */
  staging: string;
  /** Deterministic per release run: a retried deploy finds its own copy. */
  treeId: string;
  /** The live tree the staged one was built on (`trees/<id>`, or null for none). When given,
   *  the deploy refuses (RepositoryMoved) if another deploy made a different tree live since:
   *  switching would drop what that deploy added. Left out, the tree is deployed as it is. */
  base?: string | null;
}

export interface DeployResult {
  live: string;
  previous: string | null;
}

export interface DeployDeps {
  repoRoot: string;
  /** Where repositories are staged (<state>/repos): a deploy copies from nowhere else. */
  stagingRoot: string;
}

async function linkTarget(path: string): Promise<string | null> {
  return readlink(path).catch(() => null);
}

/** The project's live tree, resolved once: `base` is what `current` names (null when nothing
 *  is live), `dir` the folder to read it from. Builds read `dir`, not `current`, so a switch in
 *  the middle of a build cannot mix two trees, and they hand `base` to the deploy to re-check. */
export async function liveTree(repoRoot: string, project: string): Promise<{ base: string | null; dir: string | null }> {
  const base = await linkTarget(join(repoRoot, project, 'current'));
  return { base, dir: base ? join(repoRoot, project, base) : null };
}

/** Points `name` at `target` atomically: a new symlink, renamed over the old one. */
async function swapLink(dir: string, name: string, target: string): Promise<void> {
  const tmp = join(dir, `.${name}.${process.pid}.${Date.now()}`);
  await symlink(target, tmp);
  await rename(tmp, join(dir, name));
}

export function createDeployActivities(deps: DeployDeps) {
  return {
    async deployRepository(input: DeployInput): Promise<DeployResult> {
      requireName('project', 'project', input.project);
      requireTreeId('treeId', input.treeId);
      // Only a tree staged for this project, so no start can serve the state folder's keys.
      const staging = await requireInside('staging', join(deps.stagingRoot, input.project), input.staging);
      const root = join(deps.repoRoot, input.project);
      const trees = join(root, 'trees');
      const final = join(trees, input.treeId);
      const target = join('trees', input.treeId);
      const live = await linkTarget(join(root, 'current'));
      if (input.base !== undefined && live !== target && live !== input.base) {
        throw nonRetryable(FailureType.RepositoryMoved, `the ${input.project} repository tree was built on ${input.base ?? 'an empty repository'}, but ${live ?? 'nothing'} is live now: another release deployed meanwhile, so this tree lacks its packages; build again on the live tree`);
      }
      await mkdir(trees, { recursive: true });
      if (!existsSync(join(final, COMPLETE))) {
        const partial = join(trees, `.${input.treeId}.partial`);
        await rm(partial, { recursive: true, force: true });
        await run('cp', ['-a', `${staging}/.`, partial]);
        await writeFile(join(partial, COMPLETE), new Date().toISOString());
        await rm(final, { recursive: true, force: true });
        await rename(partial, final);
      }
      if (live !== target) {
        if (live) await swapLink(root, 'previous', live);
        await swapLink(root, 'current', target);
      }
      // Keep the live and the previous tree; older ones are no longer reachable.
      const keep = new Set([target, live ?? '', (await linkTarget(join(root, 'previous'))) ?? ''].map((t) => t.split('/').pop()));
      for (const t of await readdir(trees)) if (!keep.has(t) && !t.startsWith('.')) await rm(join(trees, t), { recursive: true, force: true });
      return { live: target, previous: live === target ? await linkTarget(join(root, 'previous')) : live };
    },

    /** Serves the previous tree again (and keeps the one it replaces as the new previous). */
    async rollbackRepository({ project }: { project: string }): Promise<DeployResult> {
      requireName('project', 'project', project);
      const root = join(deps.repoRoot, project);
      const live = await linkTarget(join(root, 'current'));
      const previous = await linkTarget(join(root, 'previous'));
      if (!previous || !existsSync(join(root, previous, COMPLETE))) throw nonRetryable(FailureType.NothingToRollBack, `${project} has no previous repository tree to roll back to`);
      await swapLink(root, 'current', previous);
      if (live) await swapLink(root, 'previous', live);
      return { live: previous, previous: live };
    },
  };
}
