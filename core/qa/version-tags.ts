// Which tags a container app's release writes (issue 13): `<image>:<version>` (the tag without
// its `v`) always, pointing at the QA record's multi-arch index; `latest` only when the version
// is the highest stable version among the repository's version tags — a hotfix of an older line
// or a prerelease never moves it backwards. Pure; semver ordering from the `semver` package.
import semver from 'semver';

export interface LatestDecision {
  move: boolean;
  /** The highest stable version tag once this release is tagged. */
  highest: string | null;
  reason: string;
}

/** `tags` are the repository's tags now (commit tags and `latest` among them, ignored). */
export function latestDecision(tags: readonly string[], version: string): LatestDecision {
  const stable = [...tags, version].filter((t) => semver.valid(t) !== null && semver.prerelease(t) === null);
  const highest = stable.length ? semver.rsort([...new Set(stable)])[0]! : null;
  if (semver.prerelease(version) !== null) return { move: false, highest, reason: `${version} is a prerelease: it gets its version tag only` };
  if (highest !== version) return { move: false, highest, reason: `${highest} is higher than ${version}: latest stays on ${highest}` };
  return { move: true, highest, reason: `${version} is the highest stable version` };
}
