// The build context of an image: the part of the commit's source tarball under the app's
// context folder, re-rooted, with the Dockerfile beside it. Streamed entry by entry; the
// tarball is the commit's `git archive`, so it holds only files, folders and symlinks (which
// the engine's builder keeps inside the context).
import { createReadStream } from 'node:fs';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createHash } from 'node:crypto';
import tar from 'tar-stream';
import { fileInTar } from '../sources/file-in-tar.ts';
import { dockerfileProblems, withArgsDeclared, type DockerfilePolicy } from '../../core/dockerfile-policy.ts';

/** The name the Dockerfile gets when it lies outside the context folder. */
export const OUTSIDE_DOCKERFILE = '.tagship.Dockerfile';

function clean(name: string): string {
  return name.replace(/^\.\//, '').replace(/\/$/, '');
}

/** A Dockerfile is text; one larger than this is refused rather than read. */
export const MAX_DOCKERFILE_BYTES = 1 << 20;

export class BuildContextError extends Error {}

/** `context` and `dockerfile` are project paths (checked by the config schema). Returns the
 *  context as a tar stream and the Dockerfile's name inside it; a missing Dockerfile, or one
 *  the policy refuses (core/dockerfile-policy.ts), is a BuildContextError before any stream
 *  exists. A read error later ends the stream early (the builder then fails on a truncated
 *  context) and is kept in `failure()`. */
export async function buildContext(sourceTar: string, context: string, dockerfile: string, policy: DockerfilePolicy): Promise<{ stream: Readable; dockerfile: string; failure: () => Error | undefined }> {
  const text = await fileInTar(sourceTar, clean(dockerfile), MAX_DOCKERFILE_BYTES);
  if (!text) throw new BuildContextError(`the commit has no ${dockerfile} (or it is over ${MAX_DOCKERFILE_BYTES >> 20} MiB); name the Dockerfile relative to the project root`);
  const refused = dockerfileProblems(text.toString('utf8'), policy);
  if (refused.length) throw new BuildContextError(`${dockerfile} asks the engine for what no build may have:\n${refused.map((p) => `  ${p}`).join('\n')}`);
  const declared = Buffer.from(withArgsDeclared(text.toString('utf8'), Object.keys(policy.buildArgs)));
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
    if (path === clean(dockerfile) && header.type === 'file') {
      // The Dockerfile the builder gets declares the platform arguments up front, as BuildKit
      // has them: `FROM --platform=$TARGETPLATFORM …` works without an ARG of its own.
      body.resume();
      body.on('end', () => out.entry({ ...header, name: keep ? rel : OUTSIDE_DOCKERFILE, size: declared.length }, declared, (err) => next(err ?? undefined)));
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

/** The content digest of a build context: every entry's name, type, mode, link target and
 *  content, in order — not its times (a new commit with the same files has the same digest). */
export async function contextDigest(context: Readable): Promise<string> {
  const hash = createHash('sha256');
  const extract = tar.extract();
  extract.on('entry', (header, body, next) => {
    hash.update(JSON.stringify([header.name, header.type, header.mode ?? 0, header.linkname ?? '']));
    const content = createHash('sha256');
    body.on('data', (c: unknown) => void content.update(c as Buffer));
    body.on('end', () => {
      hash.update(content.digest('hex'));
      next();
    });
  });
  await pipeline(context, extract);
  return hash.digest('hex');
}

/** A context that is a Dockerfile alone (an environment written in tagship.yml), under the same
 *  policy as one from the repository. */
export function dockerfileOnlyContext(text: string, policy: DockerfilePolicy): { stream: Readable; dockerfile: string; failure: () => Error | undefined } {
  const refused = dockerfileProblems(text, policy);
  if (refused.length) throw new BuildContextError(`the steps ask the engine for what no build may have:\n${refused.map((p) => `  ${p}`).join('\n')}`);
  const out = tar.pack();
  out.entry({ name: 'Dockerfile', mode: 0o644, mtime: new Date(0) }, withArgsDeclared(text, Object.keys(policy.buildArgs)));
  out.finalize();
  const stream = new PassThrough();
  out.pipe(stream);
  return { stream, dockerfile: 'Dockerfile', failure: () => undefined };
}
