// Before the CLI starts a release from the repository, it checks the tag as the release will:
// fetched into the project's mirror (the worker's, when they share a state folder), resolved
// to a commit, its signature checked when required, tagship.yml at that commit validated. A bad
// tag or config is then a bad input (exit 2) with nothing started, and the release is started
// for the commit that was checked, so a tag moved in between fails it.
import { join } from 'node:path';
import { inspectTag, SourceProblem } from '../activities/source.ts';
import { FailureType } from '../core/failures.ts';
import { unknownTargetsProblem } from '../core/plan.ts';
import type { TagshipConfig } from '../core/config/schema.ts';
import { GitMirrors } from '../providers/git/mirror.ts';
import { GitError } from '../providers/git/run.ts';
import type { Projects } from '../providers/projects/file.ts';
import { InputError } from './release.ts';

const FIELD: Partial<Record<FailureType, string>> = {
  [FailureType.TagNotFound]: 'tag',
  [FailureType.TagSignatureInvalid]: 'tag',
  [FailureType.InvalidTag]: 'tag',
  [FailureType.TagMoved]: '--commit',
  [FailureType.ConfigInvalid]: 'tagship.yml',
};

export interface CheckedTag {
  commit: string;
  config: TagshipConfig;
  repository: string;
}

export async function checkTagForRelease(o: { stateDir: string; projects: Projects; project: string; tag: string; commit?: string; targets?: string[] }): Promise<CheckedTag> {
  if (!o.projects.get(o.project)) throw new InputError('--project', `${o.project} is not in ${o.projects.origin}; it names ${o.projects.names().join(', ')}`);
  try {
    const t = await inspectTag({ stateDir: o.stateDir, projects: o.projects, mirrors: new GitMirrors(join(o.stateDir, 'mirrors')) }, { project: o.project, tag: o.tag, ...(o.commit ? { expectedCommit: o.commit } : {}) });
    const unknown = unknownTargetsProblem(t.config, o.targets ?? []);
    if (unknown) throw new InputError('--targets', `${unknown} (at ${t.resolved.commit.slice(0, 12)})`);
    return { commit: t.resolved.commit, config: t.config, repository: t.repository };
  } catch (err) {
    if (err instanceof SourceProblem) throw new InputError(FIELD[err.type] ?? 'tag', err.message);
    if (err instanceof GitError) throw new Error(`fetching ${o.tag} of ${o.project} failed: ${err.message}`);
    throw err;
  }
}
