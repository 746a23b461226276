// Intent functions for CI: start a commit's CI run (hooks and `tagship ci run`), find it. One
// run per commit: a hook that arrives again (a redelivery, the same commit pushed to a second
// branch) finds the run there and starts nothing; only an operator's `ci run --again` runs a
// finished commit's CI again.
import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { CI_REF } from '../providers/git/mirror.ts';
import { storeNameProblem } from '../core/store-names.ts';
import { SA } from '../core/search-attributes.ts';
import { ciWorkflowId } from '../core/names.ts';
import type { CiInput, ci } from '../workflows/ci.ts';
import { InputError } from './release.ts';
import { checkProjectConfig } from '../activities/source.ts';
import { branchStartsCi } from '../core/qa/gates.ts';
import type { GitMirrors } from '../providers/git/mirror.ts';
import type { Projects } from '../providers/projects/file.ts';
import type { HookServerOptions } from './hooks/server.ts';
import { explainStartFailure } from './search-attributes.ts';

export interface StartCiOptions extends CiInput {
  taskQueue: string;
  /** Run again even when this commit's CI already finished (an operator's choice). */
  again?: boolean;
}

export interface StartedCi {
  handle: WorkflowHandle<typeof ci>;
  /** The commit's CI was already running or finished; nothing was started. */
  existing: boolean;
}

/** Every field checked before anything starts. */
export function ciInputProblem(i: Pick<CiInput, 'project' | 'commit' | 'ref'>): InputError | null {
  const project = storeNameProblem('project', i.project);
  if (project) return new InputError('project', project);
  if (!/^[0-9a-f]{40}$/.test(i.commit)) return new InputError('commit', `"${i.commit}" is not a full commit id (40 lowercase hex digits)`);
  if (!CI_REF.test(i.ref) || i.ref.includes('..')) return new InputError('ref', `"${i.ref}" is not refs/heads/<branch>, refs/pull/<n>/head or refs/merge-requests/<n>/head`);
  return null;
}

export async function startCi(client: Client, opts: StartCiOptions): Promise<StartedCi> {
  const problem = ciInputProblem(opts);
  if (problem) throw problem;
  const workflowId = ciWorkflowId(opts.project, opts.commit);
  const existing = () => ({ handle: client.workflow.getHandle<typeof ci>(workflowId), existing: true });
  if (!opts.again) {
    const current = await client.workflow.getHandle(workflowId).describe().catch(() => null);
    if (current) return existing();
  }
  try {
    const handle = await client.workflow.start<typeof ci>('ci', {
      workflowId,
      taskQueue: opts.taskQueue,
      args: [{ project: opts.project, commit: opts.commit, ref: opts.ref, ...(opts.trigger ? { trigger: opts.trigger } : {}) }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      // Hooks never run a commit's CI twice; an operator may (`again`).
      workflowIdReusePolicy: opts.again ? 'ALLOW_DUPLICATE' : 'REJECT_DUPLICATE',
      staticSummary: `CI ${opts.project} ${opts.commit.slice(0, 12)} (${opts.ref.replace(/^refs\/heads\//, '')})`,
      typedSearchAttributes: [
        { key: SA.project, value: opts.project },
        { key: SA.commit, value: opts.commit },
        { key: SA.stage, value: 'loading' },
      ],
    });
    return { handle, existing: false };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return existing();
    throw await explainStartFailure(client, err);
  }
}

/** The hook server's way into CI: the commit's tagship.yml decides — no app section, or a push
 *  to a branch outside ci.branches, starts nothing. The commit is fetched into the project's
 *  mirror for that (the CI run then finds it there). A tagship.yml that does not parse still
 *  starts CI, whose first step fails naming every error. */
export function ciStarterForHooks(deps: { client: Client; taskQueue: string; projects: Projects; mirrors: GitMirrors }): NonNullable<HookServerOptions['startCi']> {
  return async (project, run) => {
    const entry = deps.projects.get(project);
    if (!entry) return { skipped: `project ${project} is not in the projects file` };
    const credentials = deps.projects.credentialsOf(project);
    await deps.mirrors.fetchCommit(project, entry.repository, run.ref, run.commit, credentials ? { credentials } : {});
    const text = (await deps.mirrors.readFile(project, run.commit, 'tagship.yml').catch(() => null))?.toString('utf8') ?? null;
    const parsed = checkProjectConfig(text, `tagship.yml at ${run.commit.slice(0, 12)}`, project);
    if (parsed.ok && !parsed.config.app) return { skipped: `tagship.yml at ${run.commit.slice(0, 12)} has no app section; nothing for CI to do` };
    if (parsed.ok && run.push && !branchStartsCi(run.branch, parsed.config.ci.branches)) {
      return { skipped: `branch ${run.branch} is not in ci.branches (${parsed.config.ci.branches.join(', ')})` };
    }
    const { handle, existing } = await startCi(deps.client, { project, commit: run.commit, ref: run.ref, trigger: run.delivery ? `hook ${run.delivery}` : 'hook', taskQueue: deps.taskQueue });
    return { workflowId: handle.workflowId, existing };
  };
}
