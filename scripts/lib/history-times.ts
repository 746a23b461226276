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

/** Per stage, milliseconds from the first start to the last completion of its activities
 *  (parallel activities of one stage overlap, so this is the stage's wall time). */
export async function stageTimes(handle: WorkflowHandle, stages: Record<string, string[]>): Promise<Record<string, number | null>> {
  const events = (await handle.fetchHistory()).events ?? [];
  const typeOf = new Map<number, string>();
  for (const e of events) {
    const name = e.activityTaskScheduledEventAttributes?.activityType?.name;
    if (name) typeOf.set(Number(e.eventId), name);
  }
  const out: Record<string, number | null> = {};
  for (const [stage, types] of Object.entries(stages)) {
    let first = Infinity;
    let last = -Infinity;
    for (const e of events) {
      const started = e.activityTaskStartedEventAttributes?.scheduledEventId;
      const done = e.activityTaskCompletedEventAttributes?.scheduledEventId;
      if (started != null && types.includes(typeOf.get(Number(started)) ?? '')) first = Math.min(first, ms(e.eventTime));
      if (done != null && types.includes(typeOf.get(Number(done)) ?? '')) last = Math.max(last, ms(e.eventTime));
    }
    out[stage] = Number.isFinite(first) && Number.isFinite(last) ? last - first : null;
  }
  return out;
}
