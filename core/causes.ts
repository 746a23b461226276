// Walking a failure's cause chain (workflow failure → child → activity → application failure),
// outermost first. Pure, so workflows, the client and the tests share it.

export function* causeChain(err: unknown): Generator<Error> {
  for (let e: unknown = err; e instanceof Error; e = (e as { cause?: unknown }).cause) yield e;
}

/** The innermost cause: what actually went wrong. */
export function deepestCause(err: Error): Error {
  let last = err;
  for (const e of causeChain(err)) last = e;
  return last;
}
