// One regular file out of a commit's packed source (its `git archive`), read in one streamed
// pass with a size cap: a project's file is hostile input, so nothing larger is held in memory.
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';

/** The regular file `path` (a project path, no leading "./") of the tarball, or null when the
 *  commit has none or it is over maxBytes. */
export async function fileInTar(sourceTar: string, path: string, maxBytes: number): Promise<Buffer | null> {
  let found: Buffer | null = null;
  const extract = tar.extract();
  extract.on('entry', (header, body, next) => {
    if (header.name.replace(/^\.\//, '') === path && header.type === 'file' && (header.size ?? 0) <= maxBytes) {
      const chunks: Buffer[] = [];
      body.on('data', (c: unknown) => void chunks.push(c as Buffer));
      body.on('end', () => ((found = Buffer.concat(chunks)), next()));
      return;
    }
    body.on('end', next);
    body.resume();
  });
  await pipeline(createReadStream(sourceTar), extract);
  return found;
}
