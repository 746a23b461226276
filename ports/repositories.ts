// The repository host port: where each project's signed package repositories (and the folders
// other pipes add beside them) are served from. A release builds its tree on this host, on top
// of a copy of the live one; `stage` makes that tree deployable from any orchestrator host;
// `deploy` makes it live so that a reader never sees half of it. Two hosts: a folder of this
// host switched by one rename (providers/repo-fs), or an S3 bucket any static web server or CDN
// serves (providers/repo-s3).

export interface LiveTree {
  /** What is live (`trees/<tree id>`), or null when nothing is: a deploy re-checks it. */
  base: string | null;
  /** A folder on this host holding the live tree, to build the next one on; null when none. */
  dir: string | null;
}

export interface DeployTree {
  project: string;
  /** The staged tree: `<stagingRoot>/<project>/<treeId>` on the host that staged it. */
  treeId: string;
  /** The live tree the staged one was built on. When given, the deploy refuses
   *  (RepositoryMovedError) if another deploy made a different tree live since. */
  base?: string | null;
  /** The staging folder as the staging host named it (the filesystem host checks it). */
  staging?: string;
}

export interface DeployedTree {
  live: string;
  previous: string | null;
}

/** Another deploy made a different tree live since this one was built on `base`. */
export class RepositoryMovedError extends Error {
  constructor(project: string, base: string | null, live: string | null) {
    super(`the ${project} repository tree was built on ${base ?? 'an empty repository'}, but ${live ?? 'nothing'} is live now: another release deployed meanwhile, so this tree lacks its packages; build again on the live tree`);
  }
}

export class NothingToRollBackError extends Error {
  constructor(project: string) {
    super(`${project} has no previous repository tree to roll back to`);
  }
}

export interface RepositoryHost {
  /** The project's live tree, resolved once, as a folder of this host to build on. */
  live(project: string): Promise<LiveTree>;
  /** Makes a tree staged in `dir` deployable by any orchestrator host sharing this one. */
  stage(project: string, treeId: string, dir: string): Promise<void>;
  /** Makes a staged tree live; a retried deploy of the same tree finds its own work. */
  deploy(input: DeployTree): Promise<DeployedTree>;
  /** Serves the previous tree again (and keeps the one it replaces as the new previous). */
  rollback(project: string): Promise<DeployedTree>;
  /** Where a project's live tree is served from, for messages. */
  describe(project: string): string;
}
