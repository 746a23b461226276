// Intent functions for releases: start one, find one. Every input is checked here before
// anything is started, so a bad tag or config changes nothing.
import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseReleaseTag } from '../core/tag.ts';
import { releaseWorkflowId } from '../core/names.ts';
import { unknownTargetsProblem } from '../core/plan.ts';
import { SA } from '../core/search-attributes.ts';
import { digest, readProjectConfig } from '../activities/source.ts';
import type { release } from '../workflows/release.ts';
import type { ReleaseInput } from '../workflows/types.ts';
import { explainStartFailure } from './search-attributes.ts';
import { lsRemoteBranch, lsRemoteTags } from '../providers/git/mirror.ts';
import type { GitCredentials } from '../providers/git/run.ts';
import { nightlyVersion } from '../core/nightly.ts';

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
  /** Started by a webhook: a release of this tag that ever ran — even one an operator cancelled
   *  or terminated, or one that failed — is never started again; only an operator restarts it
   *  (`release retry`, `release start`). */
  fromHook?: boolean;
}

export interface StartedRelease {
  handle: WorkflowHandle<typeof release>;
  /** True when this tag's release was already running or done (a redelivered hook, a second
   *  start); a failed or cancelled one is started again, except from a hook. */
  existing: boolean;
  /** For an existing release: how it stands (RUNNING, COMPLETED, FAILED, CANCELED, TERMINATED…). */
  status?: string;
}

function checkedTag(given: string) {
  const tag = parseReleaseTag(given);
  if (!tag.ok) throw new InputError('tag', `"${given}" was rejected: ${tag.reason}`);
  return tag.value;
}

const COMMIT = /^[0-9a-f]{40}$/;

/** The memo a release starts with: what the caller knows of its source. The workflow adds the
 *  commit and config digest it fetched (and `reproducible`) once it has loaded the project. */
async function startMemo(opts: StartReleaseOptions): Promise<Record<string, string | boolean>> {
  const memo: Record<string, string | boolean> = opts.targets ? { targets: opts.targets.join(',') } : {};
  if (opts.projectDir !== undefined) {
    const config = await readFile(join(opts.projectDir, 'tagship.yml'));
    return { ...memo, configDigest: digest(config), reproducible: false, workingTree: opts.projectDir };
  }
  return { ...memo, ...(opts.commit ? { commit: opts.commit } : {}) };
}

/** Starts (or finds) the release of a tag. From the project's repository by default: `commit`
 *  is what the hook or the CLI saw the tag name, and the release refuses another. With
 *  `projectDir`, a working tree instead (its tagship.yml is checked here first). */
export async function startRelease(client: Client, opts: StartReleaseOptions): Promise<StartedRelease> {
  const tag = checkedTag(opts.tag);
  if (opts.commit !== undefined && !COMMIT.test(opts.commit)) throw new InputError('commit', `"${opts.commit}" is not a full commit id (40 lowercase hex digits)`);
  if (opts.projectDir !== undefined) {
    const cfg = await readProjectConfig(opts.projectDir, opts.project);
    if (!cfg.ok) throw new InputError('tagship.yml', cfg.message);
    const unknown = unknownTargetsProblem(cfg.config, opts.targets ?? []);
    if (unknown) throw new InputError('targets', unknown);
  }

  const workflowId = releaseWorkflowId(opts.project, opts.tag, opts.dryRun);
  // A running or completed release of this tag is the answer (a redelivered hook, a second
  // start); USE_EXISTING below still covers a start racing this look. A dry run may be
  // rehearsed again once the last one ended.
  const current = await client.workflow.getHandle<typeof release>(workflowId).describe().catch(() => null);
  if (current && (opts.fromHook || current.status.name === 'RUNNING' || (current.status.name === 'COMPLETED' && !opts.dryRun))) {
    return { handle: client.workflow.getHandle<typeof release>(workflowId), existing: true, status: current.status.name };
  }
  const input: ReleaseInput = {
    project: opts.project,
    tag: opts.tag,
    ...(opts.projectDir !== undefined ? { projectDir: opts.projectDir } : {}),
    ...(opts.commit ? { commit: opts.commit } : {}),
    ...(opts.targets ? { targets: opts.targets } : {}),
    ...(opts.resume ? { resume: opts.resume } : {}),
    ...(opts.dryRun ? { dryRun: true } : {}),
    ...(opts.nightly ? { nightly: opts.nightly } : {}),
  };
  try {
    const handle = await client.workflow.start<typeof release>('release', {
      workflowId,
      taskQueue: opts.taskQueue,
      args: [input],
      // A running release is returned as it is; a failed or cancelled one may run again; a
      // completed one may not (its packages are published).
      workflowIdConflictPolicy: 'USE_EXISTING',
      // A hook never restarts a closed release, even one racing this start.
      workflowIdReusePolicy: opts.fromHook ? 'REJECT_DUPLICATE' : opts.dryRun ? 'ALLOW_DUPLICATE' : 'ALLOW_DUPLICATE_FAILED_ONLY',
      staticSummary: `${opts.dryRun ? 'dry run of the release' : 'release'} ${opts.project} ${opts.tag}${opts.projectDir !== undefined ? ' (working tree, unreproducible)' : ''}`,
      // Payloads, so the codec encrypts them when configured.
      memo: await startMemo(opts),
      typedSearchAttributes: [
        { key: SA.project, value: opts.project },
        { key: SA.version, value: tag.version },
        { key: SA.channel, value: tag.channel },
        { key: SA.stage, value: 'validating' },
        ...(opts.commit ? [{ key: SA.commit, value: opts.commit }] : []),
      ],
    });
    return { handle, existing: false };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      return { handle: client.workflow.getHandle<typeof release>(workflowId), existing: true };
    }
    throw await explainStartFailure(client, err);
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
  // The same commit as the run it follows: a tag moved since then fails the retry, naming both.
  const earlierCommit = opts.projectDir === undefined && typeof previous.memo?.commit === 'string' ? previous.memo.commit : undefined;
  const commit = opts.commit ?? earlierCommit;
  const { handle } = await startRelease(client, { ...opts, ...(targets ? { targets } : {}), ...(commit ? { commit } : {}), resume: { previousRunId: previous.runId } });
  return { handle, previousRunId: previous.runId, previousStatus: status };
}

/** Starts the nightly of a branch: its head now, versioned after the repository's highest
 *  stable tag (core/nightly.ts), published nowhere, deployed to the nightly suites. */
export async function startNightly(client: Client, opts: { project: string; branch: string; taskQueue: string; repository: string; credentials?: GitCredentials; at?: Date }): Promise<StartedRelease & { version: string; commit: string }> {
  const commit = await lsRemoteBranch(opts.repository, opts.branch, opts.credentials).catch((err: Error) => {
    throw new InputError('branch', err.message);
  });
  if (!commit) throw new InputError('branch', `${opts.repository} has no branch ${opts.branch}`);
  const version = nightlyVersion(await lsRemoteTags(opts.repository, opts.credentials), opts.at ?? new Date(), commit);
  const started = await startRelease(client, { project: opts.project, tag: `v${version}`, taskQueue: opts.taskQueue, commit, nightly: { branch: opts.branch } });
  return { ...started, version, commit };
}

