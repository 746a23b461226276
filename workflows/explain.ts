// Turns a failure deep in an activity into the release's own failure: same type, its message
// prefixed with where it happened, so the UI and CLI show the cause on the first line.
import { ApplicationFailure, isCancellation } from '@temporalio/workflow';
import { causeChain } from '../core/causes.ts';

export function rootApplicationFailure(err: unknown): ApplicationFailure | undefined {
  let found: ApplicationFailure | undefined;
  for (const e of causeChain(err)) if (e instanceof ApplicationFailure) found = e;
  return found;
}

/** The first ApplicationFailure down the cause chain: for a child workflow's failure, the one
 *  the child itself raised, which already says where it broke. */
export function outermostApplicationFailure(err: unknown): ApplicationFailure | undefined {
  for (const e of causeChain(err)) if (e instanceof ApplicationFailure) return e;
  return undefined;
}

export function explain(err: unknown, where: string): unknown {
  if (isCancellation(err)) return err;
  const root = rootApplicationFailure(err);
  if (!root) return err;
  return ApplicationFailure.create({
    type: root.type ?? undefined,
    message: `${where}: ${root.message}`,
    details: root.details ?? [],
    nonRetryable: true,
    cause: err !== root && err instanceof Error ? err : undefined,
  });
}
