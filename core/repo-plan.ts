// What goes into a release's package repositories: which suite the release lands in, and which
// package files each suite keeps (the new ones plus earlier versions, up to a count). Pure.
import type { Channel } from './tag.ts';
import { compareDebVersions } from './debversion.ts';

export interface PackageFile {
  /** The file name in the pool, e.g. hello-veilid_1.4.0_amd64.deb. */
  file: string;
  name: string;
  version: string;
  arch: string;
}

/** Suite name → the package files it lists. Kept in the tree as .tagship-repo.json. */
export type SuiteState = Record<string, PackageFile[]>;

export function suiteFor(channel: Channel, suites: { stable: string; prerelease: string }): string {
  return channel === 'stable' ? suites.stable : suites.prerelease;
}

/** Adds the new files to the suite, then keeps the newest `keep` versions per package and arch.
 *  Other suites are left as they were. */
export function nextSuiteState(previous: SuiteState, suite: string, added: PackageFile[], keep: number): SuiteState {
  const byFile = new Map<string, PackageFile>();
  for (const f of [...(previous[suite] ?? []), ...added]) byFile.set(f.file, f);
  const groups = new Map<string, PackageFile[]>();
  for (const f of byFile.values()) {
    const k = `${f.name}\u0000${f.arch}`;
    groups.set(k, [...(groups.get(k) ?? []), f]);
  }
  const kept: PackageFile[] = [];
  for (const files of groups.values()) {
    const versions = [...new Set(files.map((f) => f.version))].sort((a, b) => compareDebVersions(b, a)).slice(0, keep);
    kept.push(...files.filter((f) => versions.includes(f.version)));
  }
  kept.sort((a, b) => a.file.localeCompare(b.file));
  return { ...previous, [suite]: kept };
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
