// How long an activity ran in a workflow's history (started → completed, by the server's
// clock): the demo reports its source fetch with it.
import type { WorkflowHandle } from '@temporalio/client';

function ms(t: { seconds?: unknown; nanos?: number | null } | null | undefined): number {
  return t ? Number(t.seconds ?? 0) * 1000 + Math.round((t.nanos ?? 0) / 1e6) : 0;
}

/** Milliseconds from the last attempt's start to completion of the first activity of `type`. */
export async function activityRunTime(handle: WorkflowHandle, type: string): Promise<number | null> {
  const events = (await handle.fetchHistory()).events ?? [];
  const scheduled = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === type);
  if (!scheduled) return null;
  const id = Number(scheduled.eventId);
  const started = events.find((e) => Number(e.activityTaskStartedEventAttributes?.scheduledEventId ?? -1) === id);
  const done = events.find((e) => Number(e.activityTaskCompletedEventAttributes?.scheduledEventId ?? -1) === id);
  return started && done ? ms(done.eventTime) - ms(started.eventTime) : null;
}
