// What a release's builds may hand over, so that a hostile or broken build cannot fill the
// artifact store (tagship.yml's `limits`; these are its defaults). Pure.

export const DEFAULT_LIMITS = { targetMiB: 4096, releaseMiB: 16384, filesPerTarget: 1000 } as const;

export const MIB = 2 ** 20;

/** The targets whose artifacts together pass `releaseBytes`, heaviest first, or null. */
export function releaseBytesProblem(targets: { target: string; bytes: number }[], releaseBytes: number): string | null {
  const total = targets.reduce((n, t) => n + t.bytes, 0);
  if (total <= releaseBytes) return null;
  const heaviest = [...targets].sort((a, b) => b.bytes - a.bytes).map((t) => `${t.target} ${t.bytes}`).join(', ');
  return `the release's artifacts weigh ${total} bytes, more than the ${releaseBytes} allowed (limits.releaseMiB in tagship.yml); by target: ${heaviest}`;
}
