// The agent's side of a project's dependency caches (cargo's downloaded crates, pip's HTTP
// cache): put what the project's earlier releases kept where the tool looks before the build,
// and offer back what the build downloaded after it succeeded. Both copies inside the build's
// reach run as the build user, sandboxed (in its environment, if any); the agent itself only
// reads the tar the build wrote — opened without following links, as a regular file, bounded —
// and offers a file only when the tagged commit's own lock files (read from the source tarball
// the agent fetched and checked, which no build can write) vouch for its content.
import { createHash } from 'node:crypto';
import { constants, createWriteStream } from 'node:fs';
import { chmod, mkdir, open, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { CacheEntry, CacheFamily } from '../core/dependency-cache.ts';
import { offerCommand, offerVouched } from './cache-offer.ts';

/** A sandboxed command as the build user, with the build's environment; its exit code. */
export type AsBuild = (command: string) => Promise<number>;

export interface CacheIo {
  gatewayUrl: string;
  headers: Record<string, string>;
  /** The agent's working folder (/work): the source tarball is there, root's. */
  workdir: string;
  /** The build's HOME (where the build leaves the tar of its cached files). */
  home: string;
}

/** The most the agent reads of the build's tar. */
const MAX_OFFER_BYTES = 4 * 2 ** 30;

async function listed(io: CacheIo, family: CacheFamily): Promise<CacheEntry[]> {
  const res = await fetch(`${io.gatewayUrl}/caches/${family.name}`, { headers: io.headers });
  if (res.status === 404) return [];
  if (!res.ok) throw new Error(`listing the dependency cache failed: HTTP ${res.status}`);
  return (await res.json()) as CacheEntry[];
}

/** Puts the project's cached files where the family's tool looks in the build; how many. */
export async function restoreCache(io: CacheIo, family: CacheFamily, asBuild: AsBuild): Promise<number> {
  const entries = (await listed(io, family)).filter((e) => !family.entryProblem(e.dir, e.file));
  if (!entries.length) return 0;
  const incoming = join(io.workdir, 'cache-in');
  await rm(incoming, { recursive: true, force: true });
  for (const e of entries) {
    const file = join(incoming, family.placeOf(e.dir, e.file));
    await mkdir(dirname(file), { recursive: true, mode: 0o755 });
    const res = await fetch(`${io.gatewayUrl}/caches/${family.name}/${encodeURIComponent(e.dir)}/${encodeURIComponent(e.file)}`, { headers: io.headers });
    if (!res.ok || !res.body) throw new Error(`fetching ${e.file} from the dependency cache failed: HTTP ${res.status}`);
    const hash = createHash('sha256');
    await pipeline(Readable.fromWeb(res.body as WebReadableStream).on('data', (c: Buffer) => hash.update(c)), createWriteStream(file, { mode: 0o644 }));
    if (hash.digest('hex') !== e.sha256) throw new Error(`${e.file} came from the dependency cache with the wrong sha256`);
  }
  await chmod(incoming, 0o755);
  // No-clobber: whatever the environment already holds stays.
  const code = await asBuild(`c=${family.folder} && mkdir -p "$c" && cp -Rn ${incoming}/. "$c/"`);
  await rm(incoming, { recursive: true, force: true });
  if (code !== 0) throw new Error(`putting the dependency cache in place failed (exit ${code})`);
  return entries.length;
}

/** Offers the files the build downloaded that the commit's lock files (`lockFiles`, the
 *  family's) vouch for and the cache lacks; how many it stored. */
export async function saveCache(io: CacheIo, family: CacheFamily, asBuild: AsBuild, lockFiles: readonly string[]): Promise<number> {
  const locked = family.vouched(lockFiles);
  if (!locked.size) return 0;
  const offer = `.tagship-${family.name}-cache.tar`;
  const out = join(io.home, offer);
  const code = await asBuild(offerCommand(family, `"$HOME/${offer}"`, 0));
  if (code !== 0) return 0;
  // The build wrote it: no link followed, no FIFO waited on, a regular file of bounded size.
  const handle = await open(out, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch(() => null);
  if (!handle) return 0;
  try {
    const st = await handle.stat();
    if (!st.isFile() || st.size > MAX_OFFER_BYTES) return 0;
    const have = new Set((await listed(io, family)).map((e) => `${e.dir}/${e.file}`));
    return await offerVouched(family, handle.createReadStream({ start: 0, end: st.size - 1 }), locked, have, async (dir, file, sha256, bytes) => {
      const res = await fetch(`${io.gatewayUrl}/caches/${family.name}/${encodeURIComponent(dir)}/${encodeURIComponent(file)}`, { method: 'PUT', headers: { ...io.headers, 'x-tagship-sha256': sha256 }, body: bytes });
      return res.status === 201;
    });
  } finally {
    await handle.close().catch(() => undefined);
    await rm(out, { force: true });
  }
}
