// A nightly's version: the next patch after the highest stable release tag (0.1.0 before any),
// a prerelease that sorts by build time, and the commit — `1.4.1-nightly.20261206031500.gabc1234`
// (the "g" keeps an all-digit short sha from reading as a number with a leading zero). Semver,
// Debian (with "-" as "~") and RPM all order nightlies by their time, and below the release. Pure.
import semver from 'semver';
import { parseReleaseTag } from './tag.ts';

/** `tags`: the repository's tag names; `at`: when the nightly starts; `commit`: the branch head. */
export function nightlyVersion(tags: string[], at: Date, commit: string): string {
  const stable = tags.map((t) => parseReleaseTag(t)).flatMap((t) => (t.ok && t.value.channel === 'stable' ? [t.value.version] : []));
  const highest = stable.sort(semver.rcompare)[0];
  const next = highest ? semver.inc(highest, 'patch')! : '0.1.0';
  const stamp = at.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return `${next}-nightly.${stamp}.g${commit.slice(0, 7)}`;
}
