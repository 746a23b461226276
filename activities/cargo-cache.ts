// What the build agent and the test gate share of a project's cargo cache: the commit's lock
// files (read from the source tarball tagship packed, which no build can write) and the walk
// over a tar of crate files a build offers back, keeping only those the lock files vouch for.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { MAX_CRATE_BYTES, cacheEntryProblem, vouchedFor } from '../core/dependency-cache.ts';

/** Where cargo keeps downloaded crates, as a shell expression (the build's CARGO_HOME). */
export const CARGO_CACHE = '"${CARGO_HOME:-$HOME/.cargo}/registry/cache"';

/** The Cargo.lock files of the source tarball (at any depth), as text. */
export async function lockFilesOf(sourceTar: string): Promise<string[]> {
  const found: string[] = [];
  const extract = tar.extract();
  extract.on('entry', (header, body, next) => {
    if (header.type === 'file' && /(^|\/)Cargo\.lock$/.test(header.name) && (header.size ?? 0) <= 8 << 20) {
      const chunks: Buffer[] = [];
      body.on('data', (c: unknown) => void chunks.push(c as Buffer));
      body.on('end', () => ((found.push(Buffer.concat(chunks).toString('utf8')), next())));
      return;
    }
    body.on('end', next);
    body.resume();
  });
  await pipeline(createReadStream(sourceTar), extract);
  return found;
}

/** What a command's dependency cache did, for its result: a cache that cannot be read or
 *  written costs downloads, never the command — its failures are noted, not thrown. */
export function cacheTally() {
  const problems: string[] = [];
  return {
    /** A catch handler: notes `what` failed and counts nothing. */
    noted: (what: string) => (err: unknown): number => (problems.push(`${what}: ${err instanceof Error ? err.message : String(err)}`), 0),
    result: (restored: number, stored: number) => ({ restored, stored, ...(problems.length ? { problem: problems.join('; ') } : {}) }),
  };
}

/** Stores one vouched crate; true when it was new. */
export type StoreCrate = (dir: string, file: string, sha256: string, bytes: Buffer<ArrayBuffer>) => Promise<boolean>;

/** Walks a build's tar of `<registry dir>/<name>-<version>.crate` files and stores each regular
 *  file the lock files vouch for that the cache lacks (`have`: `dir/file`); how many it stored.
 *  Links, folders, other names, oversized and unvouched files are passed over. */
export async function offerVouchedCrates(tarStream: Readable, locked: ReadonlySet<string>, have: ReadonlySet<string>, store: StoreCrate): Promise<number> {
  let stored = 0;
  const extract = tar.extract();
  extract.on('entry', (header, body, next) => {
    const [dir, file, ...rest] = header.name.replace(/^\.\//, '').split('/');
    const skip = header.type !== 'file' || rest.length > 0 || cacheEntryProblem(dir, file) !== null || have.has(`${dir}/${file}`) || (header.size ?? 0) > MAX_CRATE_BYTES;
    if (skip) {
      body.on('end', next);
      body.resume();
      return;
    }
    const chunks: Buffer[] = [];
    body.on('data', (c: unknown) => void chunks.push(c as Buffer));
    body.on('end', () => {
      const bytes = Buffer.concat(chunks);
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      if (!vouchedFor(locked, file!, sha256)) return next();
      store(dir!, file!, sha256, bytes)
        .then((isNew) => {
          if (isNew) stored++;
          next();
        })
        .catch(() => next());
    });
  });
  await pipeline(tarStream, extract);
  return stored;
}
