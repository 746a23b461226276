// Heartbeats for long activities: they tell a dead worker or machine from a slow build, carry
// the output tail to the UI, and are the only way an activity learns it was cancelled.
import { Context } from '@temporalio/activity';

export interface HeartbeatHandle {
  /** Replace the details sent with the next heartbeat. */
  update(details: unknown): void;
  /** Aborts when the activity is cancelled (or its heartbeat times out). */
  signal: AbortSignal;
}

/** Run `fn`, heartbeating every `everyMs` with its latest details. */
export async function withHeartbeat<T>(fn: (h: HeartbeatHandle) => Promise<T>, everyMs = 5_000): Promise<T> {
  const ctx = Context.current();
  let details: unknown = undefined;
  ctx.heartbeat(details);
  const timer = setInterval(() => ctx.heartbeat(details), everyMs);
  try {
    return await fn({ update: (d) => (details = d), signal: ctx.cancellationSignal });
  } finally {
    clearInterval(timer);
  }
}
