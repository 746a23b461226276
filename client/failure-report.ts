// Why a release failed, as `release status` and `release watch` print it: the release's own
// failure (it says where: "target amd64-deb (building): …") with the command's last lines of
// output, not only the history's first line. Pure.
import { ApplicationFailure } from '@temporalio/common';
import { causeChain, deepestCause } from '../core/causes.ts';

/** At most this many of the output tail's lines are printed. */
const TAIL_LINES = 20;

export function failureReport(err: unknown): string[] {
  if (!(err instanceof Error)) return [String(err)];
  // The outermost ApplicationFailure is the release's own; SDK wrappers above it say nothing.
  const own = [...causeChain(err)].find((e) => e instanceof ApplicationFailure) ?? deepestCause(err);
  const [first = '', ...rest] = own.message.split('\n');
  return [first, ...rest.slice(-TAIL_LINES).map((l) => `    ${l}`)];
}
