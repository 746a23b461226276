// The sha256 of a file, streamed so a large artifact is never held in memory. One helper for
// the store, the source step and the build agent (bundled onto machines with it).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';

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
