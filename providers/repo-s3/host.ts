// The repository host as an S3 bucket that a static web server or CDN serves as it is (issue
// 26): the repository host is its own machine, and every orchestrator host deploys to it.
//
//   <project>/<path>                      the served tree (what apt-get and dnf read)
//   .tagship/<project>/blobs/<sha256>     every file of every staged tree, by content
//   .tagship/<project>/trees/<id>.json    a staged tree: each path's sha256, size, mtime
//   .tagship/<project>/live.json          which tree is live and which was before it
//
// S3 has no rename, so the switch is made the way Debian's own mirrors make theirs: every file
// a reader is sent to by an index is immutable at its path (pool/ files, by-hash/ indexes,
// repodata/<sha256>-*.xml.gz), so those are written first; the files a reader starts from
// (InRelease, Release, Release.gpg, repomd.xml, repomd.xml.asc) are written last, one atomic
// object each; and what the previous tree had and this one does not stays one more generation,
// so a reader between an old index and its package still finds it. Deploys of one project are
// serialised by Temporal (workflows/deploy.ts); `live.json` is what a deploy re-checks its base
// against. A build reads the live tree from this host's cache, filled from the blobs it lacks.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { link, lstat, mkdir, readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { CopyObjectCommand } from '@aws-sdk/client-s3';
import { NothingToRollBackError, RepositoryMovedError, type DeployTree, type DeployedTree, type LiveTree, type RepositoryHost } from '../../ports/repositories.ts';
import { S3Bucket, type S3Options } from '../s3/bucket.ts';

export interface S3RepositoryOptions extends S3Options {
  /** This host's copies of live trees (rebuilt from the bucket whenever missing). */
  cacheDir: string;
  /** How long a blob or staged tree that no tree references is kept: a release that is
   *  staging its tree right now must not lose it. An hour by default. */
  graceMs?: number;
}

interface TreeFile {
  sha256: string;
  size: number;
  /** Seconds: createrepo_c --update keeps an rpm's entry only when its time matches. */
  mtime: number;
}

interface TreeManifest {
  treeId: string;
  files: Record<string, TreeFile>;
}

interface LiveState {
  current: string;
  previous: string | null;
}

/** The files a reader starts from: written after everything they point at. */
const ENTRY_POINTS = /(^|\/)(Release|Release\.gpg|repomd\.xml\.asc|InRelease|repomd\.xml)$/;
const ENTRY_ORDER = ['Release', 'Release.gpg', 'repomd.xml.asc', 'InRelease', 'repomd.xml'];
const TYPES: Record<string, string> = { '.asc': 'text/plain', '.repo': 'text/plain', '.xml': 'text/xml', '.json': 'application/json', '.html': 'text/html; charset=utf-8', '.md': 'text/markdown; charset=utf-8', '.gz': 'application/gzip' };
const MATERIALIZED = '.tagship-materialized';

/** A path the web server serves: no part of it hidden (the builders' own state files are kept
 *  in the tree's manifest, for the next build, and never served). */
const served = (path: string) => !path.split('/').some((p) => p.startsWith('.'));

async function sha256Of(file: string): Promise<string> {
  const h = createHash('sha256');
  await pipeline(createReadStream(file), h);
  return h.digest('hex');
}

/** Every regular file under `dir`, relative; anything else (a symlink a build left) refused. */
async function walk(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(join(dir, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await walk(dir, p)));
    else if (e.isFile()) out.push(p);
    else throw new Error(`${join(dir, p)} is neither a file nor a folder: a repository tree holds only files`);
  }
  return out;
}

async function inBatches<T>(items: T[], size: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

export class S3RepositoryHost implements RepositoryHost {
  readonly local = false;
  private readonly bucket: S3Bucket;
  private readonly cacheDir: string;
  private readonly graceMs: number;

  constructor(opts: S3RepositoryOptions) {
    this.bucket = new S3Bucket(opts);
    this.cacheDir = opts.cacheDir;
    this.graceMs = opts.graceMs ?? 60 * 60 * 1000;
  }

  private stateKey(project: string, name: string): string {
    return `.tagship/${project}/${name}`;
  }

  private blobKey(project: string, sha256: string): string {
    return this.stateKey(project, `blobs/${sha256}`);
  }

  private readTree(project: string, treeId: string): Promise<TreeManifest | null> {
    return this.bucket.getJson<TreeManifest>(this.stateKey(project, `trees/${treeId}.json`));
  }

  private readLive(project: string): Promise<LiveState | null> {
    return this.bucket.getJson<LiveState>(this.stateKey(project, 'live.json'));
  }

  async live(project: string): Promise<LiveTree> {
    const state = await this.readLive(project);
    if (!state) return { base: null, dir: null };
    const manifest = await this.readTree(project, state.current);
    if (!manifest) throw new Error(`${this.describe(project)}: the live tree ${state.current} has no manifest in the bucket`);
    return { base: `trees/${state.current}`, dir: await this.materialize(project, manifest) };
  }

  /** The tree as files of this host: each blob fetched once into the cache (checked against its
   *  sha256), hard-linked into the tree with the time the tree recorded. */
  private async materialize(project: string, manifest: TreeManifest): Promise<string> {
    const trees = join(this.cacheDir, project, 'trees');
    const dir = join(trees, manifest.treeId);
    if (await stat(join(dir, MATERIALIZED)).catch(() => null)) return dir;
    // Two builds of the project on this host may materialize the same tree at once.
    const partial = join(trees, `.${manifest.treeId}.${randomBytes(4).toString('hex')}.partial`);
    const blobs = join(this.cacheDir, project, 'blobs');
    await mkdir(blobs, { recursive: true });
    await inBatches(Object.entries(manifest.files), 8, async ([path, f]) => {
      const blob = join(blobs, f.sha256);
      if (!(await stat(blob).catch(() => null)) && !(await this.bucket.download(this.blobKey(project, f.sha256), blob, f.sha256))) {
        throw new Error(`${this.describe(project)}: ${path} of tree ${manifest.treeId} (blob ${f.sha256.slice(0, 12)}) is missing from the bucket`);
      }
      const to = join(partial, path);
      await mkdir(dirname(to), { recursive: true });
      await link(blob, to);
      await utimes(to, f.mtime, f.mtime);
    });
    await writeFile(join(partial, MATERIALIZED), '');
    if (await stat(join(dir, MATERIALIZED)).catch(() => null)) await rm(partial, { recursive: true, force: true });
    else await rename(partial, dir);
    // Earlier trees of this project an hour after they were made (a build that started on one
    // may still read it), and blobs no tree of this cache links any more.
    const hourAgo = Date.now() - 60 * 60 * 1000;
    for (const t of await readdir(trees)) if (t !== manifest.treeId && !t.startsWith('.') && (await stat(join(trees, t))).mtimeMs < hourAgo) await rm(join(trees, t), { recursive: true, force: true });
    for (const b of await readdir(blobs)) {
      const s = await lstat(join(blobs, b));
      if (s.nlink === 1 && s.mtimeMs < hourAgo) await rm(join(blobs, b), { force: true });
    }
    return dir;
  }

  async stage(project: string, treeId: string, dir: string): Promise<void> {
    // Files carried from the live tree are hard links of this cache's blobs: their digest is
    // the blob's name, so only what the release added is read and hashed.
    const known = new Map<string, string>();
    const blobs = join(this.cacheDir, project, 'blobs');
    for (const b of await readdir(blobs).catch(() => [] as string[])) {
      const s = await stat(join(blobs, b));
      known.set(`${s.dev}:${s.ino}`, b);
    }
    const files: Record<string, TreeFile> = {};
    await inBatches(await walk(dir), 8, async (path) => {
      const s = await stat(join(dir, path));
      files[path] = { sha256: known.get(`${s.dev}:${s.ino}`) ?? (await sha256Of(join(dir, path))), size: s.size, mtime: Math.floor(s.mtimeMs / 1000) };
    });
    const present = new Set((await this.bucket.keysUnder(this.stateKey(project, 'blobs/'))).map((k) => k.split('/').pop()!));
    const missing = new Map<string, string>();
    for (const [path, f] of Object.entries(files)) if (!present.has(f.sha256)) missing.set(f.sha256, path);
    // The server checks each upload against its digest; a blob another host wrote meanwhile stays.
    await inBatches([...missing], 8, ([sha256, path]) => this.bucket.putFile(this.blobKey(project, sha256), join(dir, path), sha256, { onlyIfAbsent: true }));
    await this.bucket.putJson(this.stateKey(project, `trees/${treeId}.json`), { treeId, files } satisfies TreeManifest);
  }

  async deploy(input: DeployTree): Promise<DeployedTree> {
    const { project, treeId } = input;
    const state = await this.readLive(project);
    const liveId = state?.current ?? null;
    const live = liveId ? `trees/${liveId}` : null;
    if (input.base !== undefined && liveId !== treeId && live !== input.base) throw new RepositoryMovedError(project, input.base, live);
    if (liveId === treeId) return { live: `trees/${treeId}`, previous: state?.previous ? `trees/${state.previous}` : null };
    const next = await this.readTree(project, treeId);
    if (!next) throw new Error(`${this.describe(project)}: the staged tree ${treeId} is not in the bucket (it is written at the end of building the repositories); run the release again`);
    const old = liveId ? await this.readTree(project, liveId) : null;
    await this.publish(project, next, old);
    await this.bucket.putJson(this.stateKey(project, 'live.json'), { current: treeId, previous: liveId } satisfies LiveState);
    await this.prune(project, next, old);
    return { live: `trees/${treeId}`, previous: live };
  }

  async rollback(project: string): Promise<DeployedTree> {
    const state = await this.readLive(project);
    const previous = state?.previous ? await this.readTree(project, state.previous) : null;
    if (!state || !previous) throw new NothingToRollBackError(project);
    await this.publish(project, previous, await this.readTree(project, state.current));
    await this.bucket.putJson(this.stateKey(project, 'live.json'), { current: previous.treeId, previous: state.current } satisfies LiveState);
    return { live: `trees/${previous.treeId}`, previous: `trees/${state.current}` };
  }

  /** Writes the served files that differ from the live tree's: what indexes point at first,
   *  the entry points last. Copies inside the bucket: no byte passes through this host. */
  private async publish(project: string, next: TreeManifest, old: TreeManifest | null): Promise<void> {
    const changed = Object.keys(next.files).filter((p) => served(p) && old?.files[p]?.sha256 !== next.files[p]!.sha256);
    const entry = (p: string) => ENTRY_POINTS.test(p);
    const rank = (p: string) => ENTRY_ORDER.indexOf(p.split('/').pop()!);
    await inBatches(changed.filter((p) => !entry(p)), 16, (p) => this.copyBlob(project, next.files[p]!.sha256, p));
    for (const p of changed.filter(entry).sort((a, b) => rank(a) - rank(b))) await this.copyBlob(project, next.files[p]!.sha256, p);
  }

  private async copyBlob(project: string, sha256: string, path: string): Promise<void> {
    const ext = path.slice(path.lastIndexOf('.'));
    await this.bucket.s3.send(new CopyObjectCommand({
      Bucket: this.bucket.name,
      Key: `${project}/${path}`,
      CopySource: `${this.bucket.name}/${this.blobKey(project, sha256)}`,
      MetadataDirective: 'REPLACE',
      ContentType: TYPES[ext] ?? 'application/octet-stream',
      ChecksumAlgorithm: 'SHA256',
    }));
  }

  /** Removes served files neither the live nor the previous tree has, and blobs and staged
   *  trees that neither references once they are older than the grace period. */
  private async prune(project: string, next: TreeManifest, old: TreeManifest | null): Promise<void> {
    const keep = new Set([...Object.keys(next.files), ...Object.keys(old?.files ?? {})].map((p) => `${project}/${p}`));
    await this.bucket.deleteKeys((await this.bucket.keysUnder(`${project}/`)).filter((k) => !keep.has(k)));
    const before = Date.now() - this.graceMs;
    const blobs = new Set([...Object.values(next.files), ...Object.values(old?.files ?? {})].map((f) => this.blobKey(project, f.sha256)));
    const trees = new Set([next.treeId, ...(old ? [old.treeId] : [])].map((t) => this.stateKey(project, `trees/${t}.json`)));
    const stale = [...(await this.bucket.list(this.stateKey(project, 'blobs/'))), ...(await this.bucket.list(this.stateKey(project, 'trees/')))].filter((o) => !blobs.has(o.key) && !trees.has(o.key) && o.modifiedAt.getTime() < before);
    await this.bucket.deleteKeys(stale.map((o) => o.key));
  }

  describe(project: string): string {
    return `s3://${this.bucket.name}/${project}/`;
  }
}
