// A build environment's files as one tar stream, read from a container that is created and never
// started: nothing of the project's image runs on this host. A docker machine unpacks the stream
// in place; for machines elsewhere (droplets) it is kept as a content-addressed file that their
// agent fetches like a source, checks by sha256 and unpacks as the build user.
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import { ENV_REPOSITORY } from '../../core/dockerfile-policy.ts';
import { MachineLabel } from '../../core/names.ts';
import { ProviderError } from '../../ports/machines.ts';
import { writeHashed } from '../files/sha256.ts';
import type { SourceTars } from '../sources/tars.ts';

/** Refuses an image that is not an environment tagship built (other images on the engine are
 *  other projects' apps, or anything). */
export function requireEnvironmentImage(image: string): void {
  if (!image.startsWith(`${ENV_REPOSITORY}/`)) throw new ProviderError('ProviderRejected', `${image} is not an environment tagship built`, false);
}

/** Calls `use` with the files of `image` (an environment tagship built), through a holder
 *  container named `holder` that is removed afterwards (and first, if a lost attempt left it). */
export async function withEnvironmentFiles<T>(docker: Docker, image: string, holder: { name: string; labels: Record<string, string> }, use: (files: NodeJS.ReadableStream) => Promise<T>): Promise<T> {
  requireEnvironmentImage(image);
  const container = docker.getContainer(holder.name);
  await container.remove({ force: true }).catch(() => undefined);
  await docker.createContainer({ name: holder.name, Image: image, Cmd: ['/nonexistent'], NetworkDisabled: true, Labels: { ...holder.labels, [MachineLabel.managed]: 'true', [MachineLabel.role]: 'environment' }, HostConfig: { NetworkMode: 'none' } });
  try {
    return await use(await container.export());
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
}

/** Exports in progress on this host, by image id: two targets of one release share one. */
const exporting = new Map<string, Promise<{ sha256: string; size: number }>>();

/** The sha256 of `image`'s files kept as a source tar (shared through the store like one),
 *  exported once per image id on this host. */
export async function exportEnvironment(docker: Docker, image: string, sources: SourceTars, cacheDir: string): Promise<{ sha256: string; size: number }> {
  requireEnvironmentImage(image);
  const id = (await docker.getImage(image).inspect().catch(() => null))?.Id;
  if (!id) throw new ProviderError('ImageMissing', `the environment ${image} is not on this host; its release builds it first`, false);
  const running = exporting.get(id) ?? exportOnce(docker, image, id, sources, cacheDir).finally(() => exporting.delete(id));
  exporting.set(id, running);
  return running;
}

async function exportOnce(docker: Docker, image: string, id: string, sources: SourceTars, cacheDir: string): Promise<{ sha256: string; size: number }> {
  const idHex = id.replace(/^sha256:/, '');
  const record = join(cacheDir, `${idHex}.json`);
  const known = await readFile(record, 'utf8').then((t) => JSON.parse(t) as { sha256: string; size: number }, () => null);
  if (known && (await sources.local(known.sha256).then(() => true, () => false))) return known;
  await mkdir(cacheDir, { recursive: true });
  await mkdir(sources.dir, { recursive: true });
  const partial = join(sources.dir, `.env-${idHex.slice(0, 12)}-${randomBytes(4).toString('hex')}.partial`);
  try {
    const made = await withEnvironmentFiles(docker, image, { name: `tagship-env-export-${idHex.slice(0, 12)}-${randomBytes(3).toString('hex')}`, labels: {} }, (files) => writeHashed(files, partial));
    await rename(partial, sources.pathOf(made.sha256));
    await sources.share(made.sha256);
    await writeFile(record, JSON.stringify(made));
    return made;
  } finally {
    await rm(partial, { force: true });
  }
}
