// What the build agent and the test gate share of a project's dependency caches: the commit's
// lock files (read from the source tarball tagship packed, which no build can write) and the walk
// over a tar of cached files a build offers back, keeping only those the lock files vouch for
// (core/dependency-cache.ts decides, per family).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { CACHE_FAMILIES, type CacheFamily } from '../core/dependency-cache.ts';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The lock files of the source tarball (at any depth), as text, by the family that reads them;
 *  only families with a lock file are there. */
export async function lockFilesOf(sourceTar: string): Promise<Map<CacheFamily, string[]>> {
  const found = new Map<CacheFamily, string[]>();
  const extract = tar.extract();
  extract.on('entry', (header, body, next) => {
    const families = header.type === 'file' && (header.size ?? 0) <= 8 << 20 ? CACHE_FAMILIES.filter((f) => f.lockFile.test(header.name)) : [];
    if (families.length) {
      const chunks: Buffer[] = [];
      body.on('data', (c: unknown) => void chunks.push(c as Buffer));
      body.on('end', () => {
        for (const f of families) found.set(f, [...(found.get(f) ?? []), Buffer.concat(chunks).toString('utf8')]);
        next();
      });
      return;
    }
    body.on('end', next);
    body.resume();
  });
  await pipeline(createReadStream(sourceTar), extract);
  return found;
}

/** What a command's dependency caches did, for its result: a cache that cannot be read or
 *  written costs downloads, never the command — its failures are noted, not thrown. */
export function cacheTally() {
  const problems: string[] = [];
  return {
    /** A catch handler: notes `what` failed and counts nothing. */
    noted: (what: string) => (err: unknown): number => (problems.push(`${what}: ${err instanceof Error ? err.message : String(err)}`), 0),
    result: (restored: number, stored: number) => ({ restored, stored, ...(problems.length ? { problem: problems.join('; ') } : {}) }),
  };
}

/** The shell command (run as the build, in its environment) that writes the family's cached
 *  files as a tar at `out` for the offer; it exits `absent` when the tool's folder is not there. */
export function offerCommand(family: CacheFamily, out: string, absent: number): string {
  return `c=${family.folder}; rm -f ${out}; [ -d "$c" ] || exit ${absent}; cd "$c" && { find ${family.find}; } | tar -cf ${out} -T -`;
}

/** Stores one vouched file; true when it was new. */
export type StoreEntry = (dir: string, file: string, sha256: string, bytes: Buffer<ArrayBuffer>) => Promise<boolean>;

/** Walks a build's tar of cached files (paths relative to the family's folder) and stores each
 *  regular file the lock files vouch for that the cache lacks (`have`: `dir/file`); how many it
 *  stored. Links, folders, other names, oversized and unvouched files are passed over; a pip
 *  metadata file goes in only beside the vouched body it describes. */
export async function offerVouched(family: CacheFamily, tarStream: Readable, locked: ReadonlySet<string>, have: ReadonlySet<string>, store: StoreEntry): Promise<number> {
  let stored = 0;
  const kept = new Set<string>();
  const paired: { dir: string; file: string; sha256: string; bytes: Buffer<ArrayBuffer>; with: string }[] = [];
  const put = async (dir: string, file: string, sha: string, bytes: Buffer<ArrayBuffer>) => {
    kept.add(`${dir}/${file}`);
    if (have.has(`${dir}/${file}`)) return;
    if (await store(dir, file, sha, bytes).catch(() => false)) stored++;
  };
  const extract = tar.extract();
  extract.on('entry', (header, body, next) => {
    const entry = header.type === 'file' && (header.size ?? 0) <= family.maxBytes ? family.entryOf(header.name) : null;
    if (!entry) {
      body.on('end', next);
      body.resume();
      return;
    }
    const chunks: Buffer[] = [];
    body.on('data', (c: unknown) => void chunks.push(c as Buffer));
    body.on('end', () => {
      const bytes = Buffer.concat(chunks);
      const sha = sha256(bytes);
      const verdict = family.judge(locked, { ...entry, sha256: sha, bytes }, sha256);
      if (verdict === 'drop') return next();
      if (verdict !== 'keep') return (paired.push({ ...entry, sha256: sha, bytes, with: verdict.with }), next());
      put(entry.dir, entry.file, sha, bytes).then(() => next(), () => next());
    });
  });
  await pipeline(tarStream, extract);
  for (const p of paired) if (kept.has(`${p.dir}/${p.with}`)) await put(p.dir, p.file, p.sha256, p.bytes);
  return stored;
}
