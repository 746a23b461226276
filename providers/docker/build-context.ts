// The build context of an image: the part of the commit's source tarball under the app's
// context folder, re-rooted, with the Dockerfile beside it. Streamed entry by entry; the
// tarball is the commit's `git archive`, so it holds only files, folders and symlinks (which
// the engine's builder keeps inside the context).
import { createReadStream } from 'node:fs';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';

/** The name the Dockerfile gets when it lies outside the context folder. */
export const OUTSIDE_DOCKERFILE = '.tagship.Dockerfile';

function clean(name: string): string {
  return name.replace(/^\.\//, '').replace(/\/$/, '');
}

/** Whether the tarball holds `path` as a regular file (one streamed pass, nothing kept). */
async function holdsFile(sourceTar: string, path: string): Promise<boolean> {
  let found = false;
  const extract = tar.extract();
  extract.on('entry', (header, body, next) => {
    if (clean(header.name) === path && header.type === 'file') found = true;
    body.on('end', next);
    body.resume();
  });
  await pipeline(createReadStream(sourceTar), extract);
  return found;
}

export class BuildContextError extends Error {}

/** `context` and `dockerfile` are project paths (checked by the config schema). Returns the
 *  context as a tar stream and the Dockerfile's name inside it; a missing Dockerfile is a
 *  BuildContextError before any stream exists. A read error later ends the stream early
 *  (the builder then fails on a truncated context) and is kept in `failure()`. */
export async function buildContext(sourceTar: string, context: string, dockerfile: string): Promise<{ stream: Readable; dockerfile: string; failure: () => Error | undefined }> {
  if (!(await holdsFile(sourceTar, clean(dockerfile)))) throw new BuildContextError(`the commit has no ${dockerfile}; app.dockerfile names the Dockerfile, relative to the project root`);
  const root = clean(context) === '.' ? '' : `${clean(context)}/`;
  const inside = clean(dockerfile).startsWith(root);
  const name = inside ? clean(dockerfile).slice(root.length) : OUTSIDE_DOCKERFILE;
  const out = tar.pack();
  const extract = tar.extract();
  extract.on('entry', (header, body, next) => {
    const path = clean(header.name);
    const rel = root === '' ? path : path.startsWith(root) ? path.slice(root.length) : null;
    const keep = rel !== null && rel !== '' && ['file', 'directory', 'symlink'].includes(header.type ?? '');
    const outsideDockerfile = !inside && path === clean(dockerfile);
    if (!keep && !outsideDockerfile) {
      body.on('end', next);
      body.resume();
      return;
    }
    const entry = out.entry({ ...header, name: keep ? rel : OUTSIDE_DOCKERFILE }, (err) => next(err ?? undefined));
    body.pipe(entry);
  });
  let failed: Error | undefined;
  const stream = new PassThrough();
  pipeline(createReadStream(sourceTar), extract).then(
    () => out.finalize(),
    (err: Error) => {
      failed = err;
      out.finalize();
    },
  );
  out.pipe(stream);
  return { stream, dockerfile: name, failure: () => failed };
}
