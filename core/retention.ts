// Which stored artifact sets have outlived their retention: pure, with the time passed in
// (the purge workflow passes its own deterministic clock), so it is tested without waiting.

export interface StoredSet {
  project: string;
  version: string;
  target: string;
  /** The newest artifact's creation time in the set (ISO-8601). */
  createdAt: string;
  /** Its project's retention.days when it was released (absent in older manifests). */
  retentionDays?: number;
}

export interface RetentionPolicy {
  /** Days kept when neither the operator nor the release says otherwise. */
  defaultDays: number;
  /** The operator's override per project (`schedules apply`), over what releases recorded. */
  perProject?: Record<string, number>;
}

export interface Expired extends StoredSet {
  ageDays: number;
  keepDays: number;
}

/** Days artifacts are kept when nothing says otherwise: tagship.yml's default, the purge's and
 *  the worker's. */
export const DEFAULT_RETENTION_DAYS = 90;

const DAY_MS = 86_400_000;

export function selectExpired(sets: StoredSet[], nowMs: number, policy: RetentionPolicy): Expired[] {
  return sets
    .map((s) => {
      const keepDays = policy.perProject?.[s.project] ?? s.retentionDays ?? policy.defaultDays;
      return { ...s, keepDays, ageDays: Math.floor((nowMs - Date.parse(s.createdAt)) / DAY_MS) };
    })
    .filter((s) => Number.isFinite(s.ageDays) && s.ageDays >= s.keepDays)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

export interface StoredSource {
  /** The tarball's sha256 (its file name). */
  sha256: string;
  /** When a release last packed it (loadProject rewrites it on every use), ISO-8601. */
  modifiedAt: string;
  size: number;
}

/** Source tarballs are needed only while a release runs (agents fetch them; a retry packs the
 *  source again). Those not packed for `maxAgeDays` — far beyond the reaper's machine lifetime
 *  — are stale. */
export function selectStaleSources(sources: StoredSource[], nowMs: number, maxAgeDays: number): StoredSource[] {
  return sources.filter((s) => {
    const age = (nowMs - Date.parse(s.modifiedAt)) / DAY_MS;
    return Number.isFinite(age) && age >= maxAgeDays;
  });
}

/** Why a purge input cannot be run, or null: every number of days is a whole number of at
 *  least 1, so no start can purge what was stored today. */
export function purgeInputProblem(input: { defaultDays?: unknown; perProject?: unknown; sourceDays?: unknown; imagesPerBranch?: unknown }): string | null {
  const days = (field: string, v: unknown) =>
    v === undefined || (typeof v === 'number' && Number.isInteger(v) && v >= 1) ? null : `${field}: ${JSON.stringify(v)} is not allowed; give whole days, at least 1`;
  const per = input.perProject;
  if (per !== undefined && (typeof per !== 'object' || per === null || Array.isArray(per))) return 'perProject: must map project names to days';
  return (
    days('defaultDays', input.defaultDays) ??
    days('sourceDays', input.sourceDays) ??
    (input.imagesPerBranch === undefined || (typeof input.imagesPerBranch === 'number' && Number.isInteger(input.imagesPerBranch) && input.imagesPerBranch >= 1) ? null : `imagesPerBranch: ${JSON.stringify(input.imagesPerBranch)} is not allowed; give a whole number, at least 1`) ??
    Object.entries((per ?? {}) as Record<string, unknown>).map(([p, v]) => days(`perProject.${p}`, v)).find((x) => x) ??
    null
  );
}
