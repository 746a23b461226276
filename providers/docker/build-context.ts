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

/** `context` and `dockerfile` are project paths (checked by the config schema). Returns the
 *  stream and the Dockerfile's name inside it; the stream fails when the Dockerfile is absent. */
export function buildContext(sourceTar: string, context: string, dockerfile: string): { stream: Readable; dockerfile: string } {
  const root = clean(context) === '.' ? '' : `${clean(context)}/`;
  const inside = clean(dockerfile).startsWith(root);
  const name = inside ? clean(dockerfile).slice(root.length) : OUTSIDE_DOCKERFILE;
  const out = tar.pack();
  const extract = tar.extract();
  let found = false;
  extract.on('entry', (header, body, next) => {
    const path = clean(header.name);
    const rel = root === '' ? path : path.startsWith(root) ? path.slice(root.length) : null;
    const isDockerfile = path === clean(dockerfile);
    if (isDockerfile) found = true;
    const keep = rel !== null && rel !== '' && ['file', 'directory', 'symlink'].includes(header.type ?? '');
    if (!keep && !(isDockerfile && !inside)) {
      body.resume();
      body.on('end', next);
      return;
    }
    const entry = out.entry({ ...header, name: keep ? rel : OUTSIDE_DOCKERFILE }, (err) => next(err ?? undefined));
    body.pipe(entry);
  });
  const stream = new PassThrough();
  pipeline(createReadStream(sourceTar), extract)
    .then(() => {
      if (!found) throw new Error(`the commit has no ${dockerfile}; app.dockerfile names the Dockerfile, relative to the project root`);
      out.finalize();
    })
    .catch((err: Error) => {
      out.destroy(err);
      stream.destroy(err);
    });
  out.pipe(stream);
  return { stream, dockerfile: name };
}
