// The repository host as a folder of this host (<state>/repo-server by default, served by
// providers/reposerver): each deploy copies the complete new tree beside the live one (under
// trees/), marks it complete, and switches `current` to it with one rename(2) of a symlink.
// Until that rename the old tree is served untouched; a deploy that fails midway leaves it in
// place. The previous tree is kept for `rollback`. One host only: the staged tree must be on
// the host that deploys it (providers/repo-s3 is the host several orchestrators share).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readlink, readdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { NothingToRollBackError, RepositoryMovedError, type DeployTree, type DeployedTree, type LiveTree, type RepositoryHost } from '../../ports/repositories.ts';

const run = promisify(execFile);
const COMPLETE = '.tagship-complete';

async function linkTarget(path: string): Promise<string | null> {
  return readlink(path).catch(() => null);
}

/** Points `name` at `target` atomically: a new symlink, renamed over the old one. */
async function swapLink(dir: string, name: string, target: string): Promise<void> {
  const tmp = join(dir, `.${name}.${process.pid}.${Date.now()}`);
  await symlink(target, tmp);
  await rename(tmp, join(dir, name));
}

export class FsRepositoryHost implements RepositoryHost {
  /** The staged tree is read from this host's folder, so the deploy checks the path it is given. */
  readonly local = true;

  constructor(
    private readonly root: string,
    /** Where repositories are staged (<state>/repos): a deploy copies from nowhere else. */
    readonly stagingRoot: string,
  ) {}

  /** Builds read `dir`, not `current`, so a switch in the middle of a build cannot mix two
   *  trees, and they hand `base` to the deploy to re-check. */
  async live(project: string): Promise<LiveTree> {
    const base = await linkTarget(join(this.root, project, 'current'));
    return { base, dir: base ? join(this.root, project, base) : null };
  }

  async stage(): Promise<void> {
    // The staged folder is where the deploy reads it.
  }

  async deploy(input: DeployTree): Promise<DeployedTree> {
    const staging = input.staging ?? join(this.stagingRoot, input.project, input.treeId);
    const root = join(this.root, input.project);
    const trees = join(root, 'trees');
    const final = join(trees, input.treeId);
    const target = join('trees', input.treeId);
    const live = await linkTarget(join(root, 'current'));
    if (input.base !== undefined && live !== target && live !== input.base) throw new RepositoryMovedError(input.project, input.base, live);
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
  }

  async rollback(project: string): Promise<DeployedTree> {
    const root = join(this.root, project);
    const live = await linkTarget(join(root, 'current'));
    const previous = await linkTarget(join(root, 'previous'));
    if (!previous || !existsSync(join(root, previous, COMPLETE))) throw new NothingToRollBackError(project);
    await swapLink(root, 'current', previous);
    if (live) await swapLink(root, 'previous', live);
    return { live: previous, previous: live };
  }

  describe(project: string): string {
    return join(this.root, project, 'current');
  }
}
