// How a machine's agent talks to the gateway while the orchestrator may be restarting (which
// takes seconds, and drops every connection through the machine's control sockets): requests are
// tried again with growing pauses, and a shared file's transfer that stops moving is abandoned
// and started again — a connection cut at the wrong moment must never leave a build waiting for
// bytes that will not come (seen: an agentBuild heartbeating "fetching source" for minutes after
// the orchestrator was killed mid-request).
import { createWriteStream } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { FailureType, nonRetryable } from '../core/failures.ts';
import { sha256File } from '../providers/files/sha256.ts';

/** How long a shared file's transfer may go without a byte (or an answer) before it is tried again. */
export const STALL_MS = 30_000;

/** Tries `attempt` with growing pauses until it succeeds, `final` says an answer is final (or
 *  `retryable` says an error is not worth another try), or `budgetMs` is spent: the
 *  orchestrator (and with it the gateway and the machine's control sockets) may be restarting. */
export async function whileOrchestratorRestarts<T>(attempt: () => Promise<T>, opts: { budgetMs?: number; signal?: AbortSignal; final?: (value: T) => boolean; retryable?: (err: unknown) => boolean } = {}): Promise<T> {
  const deadline = Date.now() + (opts.budgetMs ?? 120_000);
  for (let delay = 500; ; delay = Math.min(delay * 2, 10_000)) {
    try {
      const value = await attempt();
      if (!opts.final || Date.now() + delay > deadline || opts.final(value)) return value;
    } catch (err) {
      if (opts.signal?.aborted || Date.now() + delay > deadline || opts.retryable?.(err) === false) throw err;
    }
    await new Promise((r) => setTimeout(r, delay));
  }
}

/** A gateway request, retried while the gateway answers 5xx or not at all. */
export async function fetchWhileGatewayRestarts(url: string, init: RequestInit, signal: AbortSignal, budgetMs = 120_000): Promise<Response> {
  return whileOrchestratorRestarts(() => fetch(url, { ...init, signal }), {
    budgetMs,
    signal,
    final: (res) => {
      if (res.status < 500) return true;
      void res.arrayBuffer().catch(() => undefined);
      return false;
    },
  });
}

/** An abort signal that fires with `signal`, or when `poke` was not called for `ms`. */
function stallGuard(signal: AbortSignal, ms: number) {
  const stalled = new AbortController();
  const timer = setTimeout(() => stalled.abort(new Error(`no progress for ${ms / 1000} s`)), ms);
  return {
    signal: AbortSignal.any([signal, stalled.signal]),
    poke: () => timer.refresh(),
    done: () => clearTimeout(timer),
  };
}

class Refused extends Error {}

/** A shared file by its sha256 (a source, an environment's files) from the gateway — or, for a
 *  machine that reaches the store, a presigned GET it redirects to, taken without the gateway's
 *  token — written to `path` and checked against the sha256. A 4xx answer is final; a 5xx, a
 *  cut connection or a transfer stalled for STALL_MS is tried again within the budget. */
export async function fetchSharedFile(io: { gatewayUrl: string; headers: Record<string, string>; direct: boolean }, sha256: string, path: string, what: string, signal: AbortSignal, stallMs = STALL_MS): Promise<void> {
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw nonRetryable(FailureType.InvalidInput, `${what} is named by ${JSON.stringify(sha256)}, not a sha256`);
  await whileOrchestratorRestarts(
    async () => {
      const guard = stallGuard(signal, stallMs);
      try {
        const asked = await fetch(`${io.gatewayUrl}/sources/${sha256}.tar`, { headers: { ...io.headers, ...(io.direct ? { 'x-tagship-direct': '1' } : {}) }, redirect: 'manual', signal: guard.signal });
        const location = asked.status === 307 ? asked.headers.get('location') : null;
        const res = location ? await fetch(location, { signal: guard.signal }) : asked;
        if (!res.ok || !res.body) {
          void res.arrayBuffer().catch(() => undefined);
          const message = `fetching ${what} failed: HTTP ${res.status}`;
          throw res.status >= 500 ? new Error(message) : new Refused(message);
        }
        const moving = new Transform({ transform: (chunk: Buffer, _enc, done) => (guard.poke(), done(null, chunk)) });
        await pipeline(Readable.fromWeb(res.body as WebReadableStream), moving, createWriteStream(path), { signal: guard.signal });
      } finally {
        guard.done();
      }
    },
    { signal, retryable: (err) => !(err instanceof Refused) },
  );
  if ((await sha256File(path)) !== sha256) throw new Error(`${what} arrived with the wrong sha256; will retry`);
}
