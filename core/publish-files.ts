// Which release files each publish step sends. Pure, shared by the publish activities (to pick
// the files) and the release workflow (to tell whether an earlier publish still stands).

export type PublishOutcome = 'published' | 'already-published';

/** PEP 503 name normalisation. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** Whether a file is a dist of the package (wheel names use "_", sdists either). */
export function isDistOf(file: string, pkg: string): boolean {
  const m = /^(.+?)-\d[^-]*(?:-.*\.whl|\.tar\.gz)$/.exec(file);
  return !!m && normalizeName(m[1]!) === normalizeName(pkg);
}

/** The .crate file of each crate in publish order. */
export function crateFileNames(order: string[], version: string): string[] {
  return order.map((name) => `${name}-${version}.crate`);
}
