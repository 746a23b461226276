// Named timeout and retry profiles. Every activity call uses one of these; the comment on each
// says why its bounds are what they are.
import type { ActivityOptions } from '@temporalio/workflow';

/** Errors no retry can fix; activities also raise them as non-retryable, this is the backstop. */
const NON_RETRYABLE = ['InvalidTag', 'ConfigInvalid', 'TestGateFailed', 'BuildFailed', 'ArtifactMissing', 'ChecksumMismatch', 'ImageMissing', 'PublishConflict'];

export const Profiles = {
  /** Reading a config and packing a source tree: seconds of local work; a few retries cover a busy disk. */
  local: {
    startToCloseTimeout: '2 minutes',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE },
  },
  /** Creating a machine: a provider can take minutes and flake; retried with backoff for ~10 minutes. */
  machineCreate: {
    startToCloseTimeout: '5 minutes',
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 8, nonRetryableErrorTypes: NON_RETRYABLE },
  },
  /** Deleting a machine: must eventually happen, so it retries longer than anything else (~30 min);
   *  past that the reaper takes over. */
  machineDelete: {
    startToCloseTimeout: '2 minutes',
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 30 },
  },
  /** Copying artifacts off a machine: large files, so a generous bound, with heartbeats. */
  transfer: {
    startToCloseTimeout: '15 minutes',
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE },
  },
} as const satisfies Record<string, ActivityOptions>;

/** A long command (tests, build): bounded by the config's timeout; a 30 s heartbeat timeout tells
 *  a dead machine or worker from a slow build; failed commands are not retried (NON_RETRYABLE). */
export function longCommand(timeoutMinutes: number): ActivityOptions {
  return {
    startToCloseTimeout: `${timeoutMinutes} minutes`,
    heartbeatTimeout: '30 seconds',
    retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE },
  };
}
