// tagship's own metrics, emitted from workflow code through the SDK's metric meter: exported
// with the SDK's (workflow and activity counts, latencies, task-queue polls) wherever the
// worker's Runtime sends them — a Prometheus endpoint with TAGSHIP_METRICS_ADDRESS. The SDK
// drops emissions while replaying, so a replayed history counts nothing twice.
// Workflow code.
import { ApplicationFailure, metricMeter } from '@temporalio/workflow';

/** The innermost typed failure (TestGateFailed, PublishConflict, …), or ''. */
export function failureTypeOf(err: unknown): string {
  let type = '';
  for (let e: unknown = err, depth = 0; e && depth < 10; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof ApplicationFailure && e.type) type = e.type;
  }
  return type;
}

/** A release that ended: by project, outcome and (failed) the failure's type — gate failures,
 *  publish conflicts and the rest told apart. */
export function countRelease(project: string, outcome: 'completed' | 'failed' | 'cancelled', failureType = ''): void {
  metricMeter.createCounter('tagship_releases', 'releases', 'Releases that ended, by project, outcome and failure type').add(1, { project, outcome, failure_type: failureType });
}

/** Build machine time, by project (a target's create to its confirmed delete). */
export function countMachineSeconds(project: string, seconds: number): void {
  if (seconds > 0) metricMeter.createCounter('tagship_machine_seconds', 's', 'Build machine time, by project').add(Math.round(seconds), { project });
}

/** Machines the reaper deleted: each one a leak caught. */
export function countReaped(deleted: number, failed: number): void {
  const reaped = metricMeter.createCounter('tagship_machines_reaped', 'machines', 'Machines the reaper deleted (leaks caught), and deletes that failed');
  if (deleted) reaped.add(deleted, { outcome: 'deleted' });
  if (failed) reaped.add(failed, { outcome: 'failed' });
}
