// Heartbeats for activities: they tell a dead worker or machine from a slow step within seconds,
// carry progress (a build's output tail) to the UI, and are the only way an activity learns it
// was cancelled. The worker's liveness interceptor heartbeats every activity that has a
// heartbeat timeout, on a timer, with the details the activity last reported here — so a
// step that forgets to report still tells a crash apart from slow work.
import { Context } from '@temporalio/activity';
import type { ActivityInterceptorsFactory, WorkerOptions } from '@temporalio/worker';

export interface HeartbeatHandle {
  /** Replace the details sent with the next heartbeat. */
  update(details: unknown): void;
  /** Aborts when the activity is cancelled (or its heartbeat times out). */
  signal: AbortSignal;
}

const latest = new WeakMap<Context, unknown>();

/** Reports progress: sent now (the SDK throttles) and with every liveness heartbeat after. */
export function reportProgress(details: unknown): void {
  const ctx = Context.current();
  latest.set(ctx, details);
  ctx.heartbeat(details);
}

/** Run `fn` with a handle for its progress details and its cancellation. */
export async function withHeartbeat<T>(fn: (h: HeartbeatHandle) => Promise<T>): Promise<T> {
  const ctx = Context.current();
  return fn({ update: (d) => latest.set(ctx, d), signal: ctx.cancellationSignal });
}

/** How often the liveness interceptor heartbeats: often enough that a few missed beats on a
 *  busy machine stay well inside the shortest heartbeat timeout. */
export function livenessIntervalMs(heartbeatTimeoutMs: number): number {
  return Math.max(250, Math.min(3_000, Math.floor(heartbeatTimeoutMs / 5)));
}

/** Worker interceptor: heartbeats every activity that has a heartbeat timeout while it runs. */
export const livenessHeartbeats: ActivityInterceptorsFactory = (ctx) => ({
  inbound: {
    async execute(input, next) {
      const timeout = ctx.info.heartbeatTimeoutMs;
      if (!timeout) return next(input);
      const beat = () => ctx.heartbeat(latest.get(ctx));
      beat();
      const timer = setInterval(beat, livenessIntervalMs(timeout));
      try {
        return await next(input);
      } finally {
        clearInterval(timer);
      }
    },
  },
});

/** What every tagship worker sets: the liveness interceptor, and heartbeats flushed to the
 *  server at least every 3 s (the SDK's default waits up to 80 % of the timeout, too close to
 *  it on a loaded machine). */
export const LIVENESS_OPTIONS: Pick<WorkerOptions, 'interceptors' | 'maxHeartbeatThrottleInterval'> = {
  interceptors: { activity: [livenessHeartbeats] },
  maxHeartbeatThrottleInterval: '3 seconds',
};
