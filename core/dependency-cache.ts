// A project's dependency cache (cargo's downloaded crates), kept between its releases so a second
// release does not download every dependency again. What goes in is checked against the tagged
// commit's own Cargo.lock: a `<name>-<version>.crate` is kept only when its sha256 is the
// checksum the lock file records for that package — a build cannot put anything else in the
// cache for the next release, however it rewrites its files. Pure.
import { parse as parseToml } from 'smol-toml';

/** cargo's folder under registry/cache for one registry (e.g. `index.crates.io-1949cf8c6b5b557f`). */
const DIR = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/** `<name>-<version>.crate` */
const FILE = /^[A-Za-z0-9_-]{1,64}-\d+\.\d+\.\d+[A-Za-z0-9.+-]{0,64}\.crate$/;

/** One crate file, as the gateway lists and stores it. */
export interface CacheEntry {
  dir: string;
  file: string;
  sha256: string;
  size: number;
}

/** What one crate file may weigh in the cache. */
export const MAX_CRATE_BYTES = 64 << 20;

export function cacheEntryProblem(dir: unknown, file: unknown): string | null {
  if (typeof dir !== 'string' || !DIR.test(dir)) return `${JSON.stringify(dir)} is not a registry cache folder name`;
  if (typeof file !== 'string' || !FILE.test(file)) return `${JSON.stringify(file)} is not a <name>-<version>.crate file name`;
  return null;
}

/** The crate files the lock files vouch for: `<name>-<version>.crate <sha256>` for each
 *  registry package each Cargo.lock records (two lock files may name different registries). */
export function lockedChecksums(lockFiles: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const text of lockFiles) {
    let lock: { package?: { name?: unknown; version?: unknown; checksum?: unknown }[] };
    try {
      lock = parseToml(text);
    } catch {
      continue; // not a lock file cargo could read either
    }
    for (const p of lock.package ?? []) {
      if (typeof p.name === 'string' && typeof p.version === 'string' && typeof p.checksum === 'string' && /^[0-9a-f]{64}$/.test(p.checksum)) out.add(`${p.name}-${p.version}.crate ${p.checksum}`);
    }
  }
  return out;
}

/** Whether the commit's lock files vouch for `file` with exactly this content. */
export function vouchedFor(locked: ReadonlySet<string>, file: string, sha256: string): boolean {
  return locked.has(`${file} ${sha256}`);
}
