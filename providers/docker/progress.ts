// Following the engine's build and push streams: output into a tail, heartbeats with it, the
// first error the stream reports thrown, and the stream dropped when the activity is cancelled.
import type Docker from 'dockerode';
import type { OutputTail } from '../../core/output-tail.ts';
import { FailureType, nonRetryable } from '../../core/failures.ts';

/** What the caller heartbeats through (activities/heartbeat.ts's handle). */
interface Progress {
  signal: AbortSignal;
  update(details: Record<string, unknown>): void;
}

/** Follows a build or push stream: output into `tail`, heartbeats, the first error thrown. */
export function follow(docker: Docker, stream: NodeJS.ReadableStream, tail: OutputTail, hb: Progress, onAux: (aux: Record<string, unknown>) => void = () => undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const abort = () => (stream as unknown as { destroy?: (e: Error) => void }).destroy?.(new Error('cancelled'));
    hb.signal.addEventListener('abort', abort, { once: true });
    docker.modem.followProgress(
      stream,
      (err: Error | null, events: Array<{ error?: string; errorDetail?: { message?: string } }>) => {
        hb.signal.removeEventListener('abort', abort);
        const failed = events?.find((e) => e.error || e.errorDetail);
        if (err) reject(err);
        else if (failed) reject(new Error(failed.errorDetail?.message ?? failed.error));
        else resolve();
      },
      (e: { stream?: string; status?: string; progress?: string; aux?: Record<string, unknown> }) => {
        if (e.stream) tail.push(e.stream);
        else if (e.status) tail.push(`${e.status}${e.progress ? ` ${e.progress}` : ''}\n`);
        if (e.aux) onAux(e.aux);
        hb.update({ outputTail: tail.tail(10) });
      },
    );
  });
}

/** A build context ready for the engine (providers/docker/build-context.ts). */
export interface ReadyContext {
  stream: NodeJS.ReadableStream;
  dockerfile: string;
  failure: () => Error | undefined;
}

/** Builds `ctx` into `options.t` with the engine's builder, never pulling; its output goes into
 *  `tail` and the heartbeats. A build that fails (or a context that could not be read whole) is
 *  an ImageBuildFailed whose message starts with `what` and ends with the output's last lines. */
export async function buildImage(docker: Docker, ctx: ReadyContext, options: { t: string; platform: string; networkmode: string; buildargs: Record<string, string>; labels: Record<string, string> }, tail: OutputTail, hb: Progress, what: string): Promise<void> {
  try {
    const build = await docker.buildImage(ctx.stream, { ...options, dockerfile: ctx.dockerfile, rm: true, forcerm: true, pull: false } as Docker.ImageBuildOptions);
    await follow(docker, build, tail, hb);
    const unread = ctx.failure();
    if (unread) throw new Error(`the source tarball could not be read: ${unread.message}`);
  } catch (err) {
    if (hb.signal.aborted) throw err;
    throw nonRetryable(FailureType.ImageBuildFailed, `${what}: ${(err as Error).message.split('\n')[0]}\n--- last lines of output ---\n${tail.tail()}`);
  }
}
