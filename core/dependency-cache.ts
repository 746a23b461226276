// A project's dependency caches, kept between its releases so a second release does not download
// every dependency again: cargo's downloaded crates and pip's HTTP cache. What goes in is checked
// against the tagged commit's own lock files, never against what the build says:
// - cargo: a `<name>-<version>.crate` is kept only when its sha256 is the checksum Cargo.lock
//   records for that package;
// - pip: a cached response is kept only when its body's sha256 is a hash a lock file records
//   (`--hash=sha256:…` in requirements files, uv.lock, poetry.lock, Pipfile.lock, pylock.toml):
//   a wheel or sdist the project pinned by hash, which pip (in hash-checking mode) and uv check
//   again when they install. A project without such lock files caches nothing.
// A build cannot put anything else in the cache for the next release, however it rewrites its
// files. Pure.
import { decode } from '@msgpack/msgpack';
import { parse as parseToml } from 'smol-toml';

/** One cached file, as the gateway lists and stores it. */
export interface CacheEntry {
  dir: string;
  file: string;
  sha256: string;
  size: number;
}

export type CacheFamilyName = 'cargo' | 'pip';

/** What a build offers back is judged entry by entry; a pip metadata file is kept only with the
 *  body it describes (`with`: that body's file name). */
export type Verdict = 'keep' | 'drop' | { with: string };

export interface CacheFamily {
  name: CacheFamilyName;
  /** The folder the tool keeps its downloads in, as a shell expression over the build's
   *  environment. */
  folder: string;
  /** find(1) arguments (run in `folder`) that list the files a build may offer back. */
  find: string;
  /** The commit's lock files this family reads (paths in the source tarball). */
  lockFile: RegExp;
  maxBytes: number;
  /** Why `dir`/`file` is not an entry name of this family, or null. */
  entryProblem(dir: unknown, file: unknown): string | null;
  /** An offered path (relative to `folder`) as an entry, or null. */
  entryOf(path: string): { dir: string; file: string } | null;
  /** Where an entry goes under `folder`. */
  placeOf(dir: string, file: string): string;
  /** What the lock files vouch for. */
  vouched(lockFiles: readonly string[]): Set<string>;
  /** `sha256` hashes what the entry holds inside (a pip response's body). */
  judge(locked: ReadonlySet<string>, entry: { dir: string; file: string; sha256: string; bytes: Buffer }, sha256: (bytes: Uint8Array) => string): Verdict;
}

// cargo: registry/cache/<registry dir>/<name>-<version>.crate
const CARGO_DIR = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const CRATE = /^[A-Za-z0-9_-]{1,64}-\d+\.\d+\.\d+[A-Za-z0-9.+-]{0,64}\.crate$/;

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

export const CARGO: CacheFamily = {
  name: 'cargo',
  folder: '"${CARGO_HOME:-$HOME/.cargo}/registry/cache"',
  find: ". -mindepth 2 -maxdepth 2 -type f -name '*.crate'",
  lockFile: /(^|\/)Cargo\.lock$/,
  maxBytes: 64 << 20,
  entryProblem(dir, file) {
    if (typeof dir !== 'string' || !CARGO_DIR.test(dir)) return `${JSON.stringify(dir)} is not a registry cache folder name`;
    if (typeof file !== 'string' || !CRATE.test(file)) return `${JSON.stringify(file)} is not a <name>-<version>.crate file name`;
    return null;
  },
  entryOf(path) {
    const [dir, file, ...rest] = path.replace(/^\.\//, '').split('/');
    return rest.length === 0 && !this.entryProblem(dir, file) ? { dir: dir!, file: file! } : null;
  },
  placeOf: (dir, file) => `${dir}/${file}`,
  vouched: lockedChecksums,
  judge: (locked, e) => (locked.has(`${e.file} ${e.sha256}`) ? 'keep' : 'drop'),
};

// pip: <cache>/http/a/b/c/d/e/<key> (pip before 23.3: the response and its body in one file) or
// <cache>/http-v2/a/b/c/d/e/<key> and <key>.body (23.3 on), <key> being the sha224 of the URL.
const PIP_KEY = /^[0-9a-f]{56}$/;
/** What a pip metadata file (http-v2) may weigh: response headers, not a body. */
const MAX_PIP_METADATA = 64 << 10;

/** Every sha256 a Python lock file pins (hash-checking requirements, uv, poetry, Pipfile, pylock). */
export function pinnedHashes(lockFiles: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const text of lockFiles) for (const m of text.matchAll(/sha256[:=]\s*"?([0-9a-f]{64})\b/g)) out.add(m[1]!);
  return out;
}

/** A pip cache file's serialized response (cachecontrol's "cc=4," + msgpack), or null. */
function pipResponse(bytes: Buffer): { body?: unknown } | null {
  if (!bytes.subarray(0, 5).equals(Buffer.from('cc=4,'))) return null;
  try {
    const data = decode(bytes.subarray(5)) as { response?: { body?: unknown } } | null;
    return data && typeof data === 'object' && data.response && typeof data.response === 'object' ? data.response : null;
  } catch {
    return null;
  }
}

export const PIP: CacheFamily = {
  name: 'pip',
  folder: '"${PIP_CACHE_DIR:-$HOME/.cache/pip}"',
  find: "http http-v2 -mindepth 6 -maxdepth 6 -type f 2>/dev/null; true",
  lockFile: /(^|\/)(requirements[A-Za-z0-9._-]*\.txt|uv\.lock|poetry\.lock|Pipfile\.lock|pdm\.lock|pylock(\.[A-Za-z0-9_-]+)?\.toml)$/,
  maxBytes: 256 << 20,
  entryProblem(dir, file) {
    if (dir !== 'http' && dir !== 'http-v2') return `${JSON.stringify(dir)} is not one of pip's cache folders (http, http-v2)`;
    const key = typeof file === 'string' ? file.replace(/\.body$/, '') : '';
    if (!PIP_KEY.test(key) || (dir === 'http' && file !== key)) return `${JSON.stringify(file)} is not a pip cache key`;
    return null;
  },
  entryOf(path) {
    const [dir, ...rest] = path.replace(/^\.\//, '').split('/');
    const file = rest.pop();
    if (rest.length !== 5 || this.entryProblem(dir, file)) return null;
    // The shard folders are the key's first five characters: nothing else is pip's.
    return rest.join('') === file!.slice(0, 5) ? { dir: dir!, file: file! } : null;
  },
  placeOf: (dir, file) => `${dir}/${file.slice(0, 5).split('').join('/')}/${file}`,
  vouched: pinnedHashes,
  judge(locked, e, sha256) {
    if (e.dir === 'http-v2') {
      if (e.file.endsWith('.body')) return locked.has(e.sha256) ? 'keep' : 'drop';
      return e.bytes.length <= MAX_PIP_METADATA && pipResponse(e.bytes) ? { with: `${e.file}.body` } : 'drop';
    }
    const body = pipResponse(e.bytes)?.body;
    if (!(body instanceof Uint8Array)) return 'drop';
    return locked.has(sha256(body)) ? 'keep' : 'drop';
  },
};

export const CACHE_FAMILIES: readonly CacheFamily[] = [CARGO, PIP];

export function cacheFamily(name: unknown): CacheFamily | undefined {
  return CACHE_FAMILIES.find((f) => f.name === name);
}
