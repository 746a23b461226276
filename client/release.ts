// Intent functions for releases: start one, find one. Every input is checked here before
// anything is started, so a bad tag or config changes nothing.
import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseTag } from '../core/tag.ts';
import { releaseWorkflowId } from '../core/names.ts';
import { unknownTargets } from '../core/plan.ts';
import { SA } from '../core/search-attributes.ts';
import { readProjectConfig } from '../activities/source.ts';
import type { release } from '../workflows/release.ts';
import type { ReleaseInput } from '../workflows/types.ts';

const run = promisify(execFile);

/** A caller's mistake, named by field, with what to do about it. */
export class InputError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'InputError';
  }
}

export interface StartReleaseOptions extends ReleaseInput {
  taskQueue: string;
}

export interface StartedRelease {
  handle: WorkflowHandle<typeof release>;
  /** True when this tag's release was already running or done (a redelivered hook, a second
   *  start); a failed or cancelled one is started again. */
  existing: boolean;
}

function checkedTag(given: string) {
  const tag = parseTag(given);
  if (!tag.ok) throw new InputError('tag', `"${given}" was rejected: ${tag.reason}`);
  return tag.value;
}

export async function startRelease(client: Client, opts: StartReleaseOptions): Promise<StartedRelease> {
  const tag = checkedTag(opts.tag);
  const cfg = await readProjectConfig(opts.projectDir, opts.project);
  if (!cfg.ok) throw new InputError('tagship.yml', cfg.message);
  const missing = unknownTargets(cfg.config, opts.targets ?? []);
  if (missing.length) throw new InputError('targets', `unknown target(s) ${missing.join(', ')}; tagship.yml declares ${cfg.config.targets.map((t) => t.name).join(', ')}`);

  const workflowId = releaseWorkflowId(opts.project, opts.tag);
  // A running or completed release of this tag is the answer (a redelivered hook, a second
  // start); USE_EXISTING below still covers a start racing this look.
  const current = await client.workflow.getHandle<typeof release>(workflowId).describe().catch(() => null);
  if (current && (current.status.name === 'RUNNING' || current.status.name === 'COMPLETED')) {
    return { handle: client.workflow.getHandle<typeof release>(workflowId), existing: true };
  }
  const input: ReleaseInput = { project: opts.project, tag: opts.tag, projectDir: opts.projectDir, ...(opts.targets ? { targets: opts.targets } : {}), ...(opts.resume ? { resume: opts.resume } : {}) };
  try {
    const handle = await client.workflow.start<typeof release>('release', {
      workflowId,
      taskQueue: opts.taskQueue,
      args: [input],
      // A running release is returned as it is; a failed or cancelled one may run again; a
      // completed one may not (its packages are published).
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
      staticSummary: `release ${opts.project} ${opts.tag}`,
      // What was released, for the UI: the config's digest and the source's commit (payloads,
      // so the codec encrypts them when configured).
      memo: { ...(await releaseMemo(opts.projectDir)), ...(opts.targets ? { targets: opts.targets.join(',') } : {}) },
      typedSearchAttributes: [
        { key: SA.project, value: opts.project },
        { key: SA.version, value: tag.version },
        { key: SA.channel, value: tag.channel },
        { key: SA.stage, value: 'validating' },
      ],
    });
    return { handle, existing: false };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      return { handle: client.workflow.getHandle<typeof release>(workflowId), existing: true };
    }
    throw err;
  }
}

/** A release that is running or completed has nothing to retry. */
export class NothingToRetryError extends Error {
  constructor(
    readonly workflowId: string,
    readonly status: 'RUNNING' | 'COMPLETED',
  ) {
    super(status === 'RUNNING' ? `${workflowId} is still running; nothing to retry (follow it with \`tagship release watch\`)` : `${workflowId} completed; nothing to retry`);
    this.name = 'NothingToRetryError';
  }
}

export interface RetriedRelease {
  handle: WorkflowHandle<typeof release>;
  previousRunId: string;
  /** How the run it follows ended: FAILED, CANCELLED, TERMINATED or TIMED_OUT. */
  previousStatus: string;
}

/** Runs a release that failed or was cancelled again as a new run of the same workflow id,
 *  keeping what earlier runs finished (the workflow checks each kept step against the store).
 *  Builds the targets the previous run was asked for unless `targets` says otherwise. Throws
 *  WorkflowNotFoundError when the tag was never released, NothingToRetryError when running or
 *  completed, InputError for a bad tag or config (nothing started). */
export async function retryRelease(client: Client, opts: Omit<StartReleaseOptions, 'resume'>): Promise<RetriedRelease> {
  checkedTag(opts.tag);
  const workflowId = releaseWorkflowId(opts.project, opts.tag);
  const previous = await client.workflow.getHandle(workflowId).describe();
  const status = previous.status.name;
  if (status === 'RUNNING' || status === 'COMPLETED') throw new NothingToRetryError(workflowId, status);
  const earlierTargets = typeof previous.memo?.targets === 'string' ? previous.memo.targets.split(',') : undefined;
  const targets = opts.targets ?? earlierTargets;
  const { handle } = await startRelease(client, { ...opts, ...(targets ? { targets } : {}), resume: { previousRunId: previous.runId } });
  return { handle, previousRunId: previous.runId, previousStatus: status };
}

export async function releaseMemo(projectDir: string): Promise<Record<string, string>> {
  const config = await readFile(join(projectDir, 'tagship.yml'));
  const commit = await run('git', ['-C', projectDir, 'rev-parse', 'HEAD']).then((r) => r.stdout.trim(), () => '');
  return { configDigest: `sha256:${createHash('sha256').update(config).digest('hex')}`, ...(commit ? { commit } : {}) };
}
