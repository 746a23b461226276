// The sha256 of a file, streamed so a large artifact is never held in memory. One helper for
// the store, the source step and the build agent (bundled onto machines with it).
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** Writes a stream to a new file, hashing it on the way: its sha256 and size. */
export async function writeHashed(content: NodeJS.ReadableStream, path: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  const hasher = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  await pipeline(content, hasher, createWriteStream(path));
  return { sha256: hash.digest('hex'), size };
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/** sha256 of a file, or null when it is missing. */
export async function sha256OrNull(path: string): Promise<string | null> {
  return sha256File(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
}
