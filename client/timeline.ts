// `tagship release timeline <tag>`: reads the release's history and its children's (targets,
// deploy) from the server and writes the timeline picture (core/timeline.ts).
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { renderTimelineSvg, timelineSpans, type TimelineEvent, type TimelineWorkflow } from '../core/timeline.ts';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

function ms(t: { seconds?: unknown; nanos?: number | null } | null | undefined): number {
  return t ? Number(t.seconds ?? 0) * 1000 + Math.round((t.nanos ?? 0) / 1e6) : 0;
}

/** The facts of each activity event a timeline needs. */
export function timelineEvents(events: HistoryEvent[]): TimelineEvent[] {
  const out: TimelineEvent[] = [];
  for (const e of events) {
    const id = Number(e.eventId);
    const time = ms(e.eventTime);
    const closed = (kind: TimelineEvent['kind'], a: { scheduledEventId?: unknown } | null | undefined) => a && out.push({ id, time, kind, scheduledId: Number(a.scheduledEventId) });
    if (e.activityTaskScheduledEventAttributes) out.push({ id, time, kind: 'scheduled', activity: e.activityTaskScheduledEventAttributes.activityType?.name ?? '?' });
    else if (e.activityTaskStartedEventAttributes) out.push({ id, time, kind: 'started', scheduledId: Number(e.activityTaskStartedEventAttributes.scheduledEventId), attempt: e.activityTaskStartedEventAttributes.attempt ?? 1 });
    else if (e.activityTaskCompletedEventAttributes) closed('completed', e.activityTaskCompletedEventAttributes);
    else if (e.activityTaskFailedEventAttributes) closed('failed', e.activityTaskFailedEventAttributes);
    else if (e.activityTaskTimedOutEventAttributes) closed('timed-out', e.activityTaskTimedOutEventAttributes);
    else if (e.activityTaskCanceledEventAttributes) closed('canceled', e.activityTaskCanceledEventAttributes);
  }
  return out;
}

/** The release workflow and every child it started, as the timeline reads them. */
export async function releaseTimeline(client: Client, workflowId: string): Promise<TimelineWorkflow[]> {
  const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const workflows: TimelineWorkflow[] = [{ label: 'release', events: timelineEvents(events) }];
  for (const e of events) {
    const child = e.childWorkflowExecutionStartedEventAttributes?.workflowExecution;
    if (!child?.workflowId) continue;
    const target = child.workflowId.startsWith(`${workflowId}/target/`) ? child.workflowId.slice(`${workflowId}/target/`.length) : null;
    const history = await client.workflow.getHandle(child.workflowId, child.runId ?? undefined).fetchHistory();
    workflows.push({ label: target ? `target ${target}` : child.workflowId.split(':')[0]!, events: timelineEvents(history.events ?? []), ...(target ? { machine: true } : {}) });
  }
  return workflows;
}

export async function releaseTimelineSvg(client: Client, workflowId: string): Promise<string> {
  return renderTimelineSvg(timelineSpans(await releaseTimeline(client, workflowId)), workflowId);
}
