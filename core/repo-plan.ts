// What goes into a release's package repositories: which suite the release lands in, and which
// package files each suite keeps (the new ones plus earlier versions, up to a count per release
// line). Pure.
import type { Channel } from './tag.ts';
import { compareDebVersions } from './debversion.ts';
import { FailureType, nonRetryable } from './failures.ts';

export interface PackageFile {
  /** The file name in the pool, e.g. hello-veilid_1.4.0_amd64.deb. */
  file: string;
  name: string;
  version: string;
  arch: string;
}

/** Suite name → the package files it lists. Kept in the tree as .tagship-repo.json. */
export type SuiteState = Record<string, PackageFile[]>;

export function suiteFor(channel: Channel, suites: { stable: string; prerelease: string; nightly?: string }): string {
  return channel === 'stable' ? suites.stable : channel === 'nightly' ? (suites.nightly ?? 'nightly') : suites.prerelease;
}

/** The release line of a package version: its major.minor (epoch and packaging revision
 *  dropped): "1:1.4.3-2" → "1.4". Hotfixes of an older line are kept beside newer lines. */
export function releaseLine(version: string): string {
  const upstream = version.replace(/^\d+:/, '').replace(/-[^-]*$/, '');
  const [major = '0', minor = '0'] = upstream.split(/[.~+]/);
  return `${major}.${minor}`;
}

/** Adds the new files to the suite, then keeps, per package and arch, the newest `keep`
 *  versions of each release line (major.minor) — so a hotfix of an older line is not pruned
 *  by newer lines — and never prunes a version being added. Other suites are left as they were. */
export function nextSuiteState(previous: SuiteState, suite: string, added: PackageFile[], keep: number): SuiteState {
  const byFile = new Map<string, PackageFile>();
  for (const f of [...(previous[suite] ?? []), ...added]) byFile.set(f.file, f);
  const adding = new Set(added.map((f) => `${f.name}\u0000${f.arch}\u0000${f.version}`));
  const groups = new Map<string, PackageFile[]>();
  for (const f of byFile.values()) {
    const k = `${f.name}\u0000${f.arch}\u0000${releaseLine(f.version)}`;
    groups.set(k, [...(groups.get(k) ?? []), f]);
  }
  const kept: PackageFile[] = [];
  for (const files of groups.values()) {
    const versions = [...new Set(files.map((f) => f.version))].sort((a, b) => compareDebVersions(b, a)).slice(0, keep);
    kept.push(...files.filter((f) => versions.includes(f.version) || adding.has(`${f.name}\u0000${f.arch}\u0000${f.version}`)));
  }
  kept.sort((a, b) => a.file.localeCompare(b.file));
  return { ...previous, [suite]: kept };
}

/** Fails the repository step when the new suite state does not list every added file: a
 *  release whose packages are not served must not say it was released. */
export function requireServed(state: SuiteState, suite: string, added: PackageFile[]): void {
  const missing = unservedFiles(state, suite, added);
  if (missing.length) throw nonRetryable(FailureType.RepositoryFailed, `the ${suite} suite would not list ${missing.join(', ')}; nothing was deployed`);
}

/** The added files a suite state does not list: a release must never report these as served. */
export function unservedFiles(state: SuiteState, suite: string, added: PackageFile[]): string[] {
  const listed = new Set((state[suite] ?? []).map((f) => f.file));
  return added.map((f) => f.file).filter((f) => !listed.has(f));
}

/** Every file any suite still lists: what the pool must hold. */
export function poolFiles(state: SuiteState): string[] {
  return [...new Set(Object.values(state).flatMap((fs) => fs.map((f) => f.file)))].sort();
}

/** Debian's pool layout: pool/<component>/<first letter, or lib + letter>/<source>/<file>. */
export function poolPath(component: string, f: PackageFile): string {
  const prefix = f.name.startsWith('lib') ? f.name.slice(0, 4) : f.name[0]!;
  return `pool/${component}/${prefix}/${f.name}/${f.file}`;
}
