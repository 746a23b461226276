// Named timeout and retry profiles. Every activity call uses one of these; the comment on each
// says why its bounds are what they are.
import type { ActivityOptions } from '@temporalio/workflow';

/** Errors no retry can fix; activities also raise them as non-retryable, this is the backstop. */
const NON_RETRYABLE = ['InvalidTag', 'ConfigInvalid', 'TestGateFailed', 'BuildFailed', 'ArtifactMissing', 'ChecksumMismatch', 'ImageMissing', 'PublishConflict', 'TagNotFound', 'TagMoved', 'TagSignatureInvalid', 'BadArtifact', 'InvalidInput', 'ArtifactSealed', 'QaReportInvalid', 'CommitNotFound', 'ImageBuildFailed', 'QaGateFailed', 'ScanFailed', 'VersionTagConflict', 'QaRecordRefused', 'ChartInvalid', 'RepositoryMoved'];

/** Every activity on the orchestrator heartbeats while it runs (the workers' liveness
 *  interceptor, activities/heartbeat.ts), so a worker killed mid-step is noticed after this
 *  much silence and the step is retried on the restarted worker: a crash costs this plus the
 *  first retry interval, not a whole start-to-close timeout. */
const LIVENESS = '15 seconds';

/** How long an enrolled agent may leave work on its queue untouched: it polls all the time, so
 *  work it does not pick up within this means its machine is gone (read as a machine loss). */
export const AGENT_PICKUP = '1 minute';

export const Profiles = {
  /** Reading a config and packing a source tree: seconds of local work; a few retries cover a busy disk. */
  local: {
    startToCloseTimeout: '2 minutes',
    heartbeatTimeout: LIVENESS,
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE },
  },
  /** Posting a release's outcome to a chat webhook: one small request; a few quick retries,
   *  then the release ends as it would have (a notification never changes the outcome). */
  notify: {
    startToCloseTimeout: '30 seconds',
    heartbeatTimeout: LIVENESS,
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE },
  },
  /** Fetching a tag into the project's mirror and packing its commit: seconds for a small
   *  project, minutes for a cold mirror of a large one; network hiccups get a few retries. */
  sourceFetch: {
    startToCloseTimeout: '30 minutes',
    heartbeatTimeout: LIVENESS,
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 5, nonRetryableErrorTypes: NON_RETRYABLE },
  },
  /** Signing the provenance: re-hashes every artifact first (a large release is a minute of
   *  disk reads), then one signature; retried for a busy disk. */
  provenance: {
    startToCloseTimeout: '10 minutes',
    heartbeatTimeout: LIVENESS,
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE },
  },
  /** Creating a machine: a provider can take minutes and flake; retried with backoff for ~10 minutes. */
  machineCreate: {
    startToCloseTimeout: '5 minutes',
    heartbeatTimeout: LIVENESS,
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 8, nonRetryableErrorTypes: NON_RETRYABLE },
  },
  /** Deleting a machine: must eventually happen, so it retries longer than anything else (~30 min);
   *  past that the reaper takes over. */
  machineDelete: {
    startToCloseTimeout: '2 minutes',
    heartbeatTimeout: LIVENESS,
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 30 },
  },
  /** Checking a deleted machine is gone: providers report deletes before they finish (DO does),
   *  so poll every few seconds for up to ~5 minutes. */
  machineGone: {
    startToCloseTimeout: '15 seconds',
    retry: { initialInterval: '2 seconds', backoffCoefficient: 1.5, maximumInterval: '15 seconds', maximumAttempts: 25 },
  },
  /** The agent's hello: it may only start once the machine booted and enrolled, which takes
   *  seconds in Docker and a minute or two for a droplet; one attempt, as a retry would wait
   *  on the same queue — the workflow retries on a fresh machine instead. */
  agentEnrolment: {
    scheduleToStartTimeout: '3 minutes',
    startToCloseTimeout: '30 seconds',
    // A machine that dies holding the hello is lost, not slow: a heartbeat timeout says so
    // (isMachineLoss), where a start-to-close timeout would fail the target.
    heartbeatTimeout: LIVENESS,
    retry: { maximumAttempts: 1 },
  },
  /** A look at a machine while its agent enrols: one provider call; a provider hiccup is
   *  retried a few times (one that persists fails the target with the provider's error),
   *  while MachineLost is a verdict, not retried. */
  enrolmentCheck: {
    startToCloseTimeout: '30 seconds',
    heartbeatTimeout: LIVENESS,
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumAttempts: 4, nonRetryableErrorTypes: [...NON_RETRYABLE, 'MachineLost'] },
  },
  /** Uploading artifacts from the agent: retried, since the gateway may be restarting with the
   *  orchestrator; heartbeats tell a dead machine, and so does an upload its agent never picks
   *  up (AGENT_PICKUP). */
  agentUpload: {
    scheduleToStartTimeout: AGENT_PICKUP,
    startToCloseTimeout: '15 minutes',
    heartbeatTimeout: LIVENESS,
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 6, nonRetryableErrorTypes: NON_RETRYABLE },
  },
  /** The reaper's look-ups: quick calls to the provider and the Temporal server. */
  inventory: {
    startToCloseTimeout: '1 minute',
    heartbeatTimeout: LIVENESS,
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumAttempts: 5 },
  },
  /** A retry's look at the store: re-hashes every kept artifact, which for a large release is
   *  minutes of disk reads, not seconds. */
  storeScan: {
    startToCloseTimeout: '20 minutes',
    heartbeatTimeout: LIVENESS,
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumAttempts: 3 },
  },
  /** Publishing to a registry: uploads of a few MB; retried with backoff for registry hiccups
   *  (safe: every publish first asks the registry what it already has). */
  publish: {
    startToCloseTimeout: '10 minutes',
    heartbeatTimeout: LIVENESS,
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 4, nonRetryableErrorTypes: NON_RETRYABLE },
  },
  /** Indexing and signing repositories: local tools over the release's packages, seconds to
   *  minutes; retried a few times (a retry rebuilds the same staging folder). */
  repositories: {
    startToCloseTimeout: '20 minutes',
    heartbeatTimeout: LIVENESS,
    retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE },
  },
  /** Copying a tree to the repo server and switching it live: idempotent by tree id, so retried. */
  deploy: {
    startToCloseTimeout: '20 minutes',
    heartbeatTimeout: LIVENESS,
    retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5, nonRetryableErrorTypes: NON_RETRYABLE },
  },
  /** Building and pushing an app image: minutes, arm64 under emulation many. A retry finds what the registry already holds. */
  imageBuild: {
    startToCloseTimeout: '60 minutes',
    heartbeatTimeout: LIVENESS,
    retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE },
  },
  /** Putting a build environment's root filesystem on a machine: an image's worth of bytes
   *  through the engine, a minute for a large toolchain; a retry starts the copy again. */
  environmentLoad: {
    startToCloseTimeout: '20 minutes',
    heartbeatTimeout: LIVENESS,
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE },
  },
  /** Scanning an image against the database on disk: seconds to a minute; retried for a busy registry. */
  scan: {
    startToCloseTimeout: '15 minutes',
    heartbeatTimeout: LIVENESS,
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE },
  },
} as const satisfies Record<string, ActivityOptions>;

/** A long command on the orchestrator's host (the test gate): bounded by the config's timeout;
 *  heartbeats tell a dead worker from slow tests; a failed command is final. */
export function longCommand(timeoutMinutes: number): ActivityOptions {
  return {
    startToCloseTimeout: `${timeoutMinutes} minutes`,
    heartbeatTimeout: LIVENESS,
    retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE },
  };
}

/** The build on a machine's agent: bounded by the target's timeout; the agent heartbeats every
 *  3 s, so 20 s of silence means the machine or its agent died. One attempt: a retry would go to
 *  the same (dead) machine's queue — the workflow retries on a fresh machine instead. A build
 *  its enrolled agent never picks up (the machine died after its hello, or while it waited for
 *  the gate) is a lost machine too. */
export function agentBuild(timeoutMinutes: number): ActivityOptions {
  return { scheduleToStartTimeout: AGENT_PICKUP, startToCloseTimeout: `${timeoutMinutes} minutes`, heartbeatTimeout: '20 seconds', retry: { maximumAttempts: 1 } };
}

/** How often a machine is looked at while its agent enrols: a machine that dies before its
 *  agent polls costs about this much (it used to cost the hello's 3-minute wait), and a
 *  droplet's minutes of boot add two timer and three activity events per look. */
export const ENROLMENT_CHECK = '5 seconds';

/** How many machines one target may go through when machines die under it. */
export const MAX_MACHINE_ATTEMPTS = 3;
