// Filesystem artifact store: <root>/<project>/<version>/<target>/<file> plus manifest.json,
// and a release's step records in <root>/<project>/<version>/.records/<name>.json.
// Every name is checked (core/store-names.ts) and every path resolved and kept under the root
// before anything is read or written. Files are written to a temporary name of their own,
// hashed while written, and renamed into place only when the hash matches, so a reader never
// sees a partial or corrupt artifact. (A rebuilt target — a release started over — replaces
// its files; later steps use a file only if it still hashes to what the workflow recorded.)
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { checkStoreNames, storeNameProblem, StoreNameError } from '../../core/store-names.ts';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { ChecksumMismatchError, type ArtifactEntry, type ArtifactKey, type ArtifactStore, type RecordName, type ReleaseKey, type TargetManifest } from '../../ports/artifacts.ts';

export async function sha256File(path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex');
}

export class FsArtifactStore implements ArtifactStore {
  private readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  /** `parts` joined under the root; anything that would land elsewhere is refused. */
  private under(...parts: string[]): string {
    const path = resolve(this.root, ...parts);
    if (!path.startsWith(this.root + sep)) throw new StoreNameError(`${parts.join('/')} is outside the artifact store`);
    return path;
  }

  private dir(key: ArtifactKey): string {
    checkStoreNames({ project: key.project, version: key.version, target: key.target });
    return this.under(key.project, key.version, key.target);
  }

  pathOf(key: ArtifactKey, name: string): string {
    checkStoreNames({ project: key.project, version: key.version, target: key.target, artifact: name });
    return this.under(key.project, key.version, key.target, name);
  }

  async put(key: ArtifactKey, name: string, content: NodeJS.ReadableStream, expectedSha256: string, createdAt: string): Promise<ArtifactEntry> {
    const final = this.pathOf(key, name);
    const dir = this.dir(key);
    await mkdir(dir, { recursive: true });
    // A temporary name of its own: two uploads of one artifact never share a file.
    const tmp = join(dir, `.${name}.${randomBytes(6).toString('hex')}.partial`);
    const hash = createHash('sha256');
    let size = 0;
    const hasher = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    try {
      await pipeline(content, hasher, createWriteStream(tmp));
      const actual = hash.digest('hex');
      if (actual !== expectedSha256) throw new ChecksumMismatchError(name, expectedSha256, actual);
      await rename(tmp, final);
    } finally {
      await rm(tmp, { force: true });
    }
    return { name, size, sha256: expectedSha256, createdAt };
  }

  async writeManifest(manifest: TargetManifest): Promise<void> {
    for (const a of manifest.artifacts) checkStoreNames({ artifact: a.name });
    await writeJsonAtomically(this.dir(manifest), 'manifest.json', manifest);
  }

  async readManifest(key: ArtifactKey): Promise<TargetManifest | null> {
    return readJsonOrNull<TargetManifest>(join(this.dir(key), 'manifest.json'));
  }

  private recordsDir(key: ReleaseKey): string {
    checkStoreNames({ project: key.project, version: key.version });
    return this.under(key.project, key.version, '.records');
  }

  async writeRecord(key: ReleaseKey, name: RecordName, value: unknown): Promise<void> {
    await writeJsonAtomically(this.recordsDir(key), `${name}.json`, value);
  }

  async readRecord<T>(key: ReleaseKey, name: RecordName): Promise<T | null> {
    return readJsonOrNull<T>(this.recordPath(key, name));
  }

  recordPath(key: ReleaseKey, name: RecordName): string {
    return join(this.recordsDir(key), `${name}.json`);
  }

  async listManifests(): Promise<TargetManifest[]> {
    const out: TargetManifest[] = [];
    const dirs = async (d: string, kind: 'project' | 'version' | 'target') =>
      (await readdir(d, { withFileTypes: true }).catch(() => [])).filter((e) => e.isDirectory() && storeNameProblem(kind, e.name) === null).map((e) => e.name);
    for (const project of await dirs(this.root, 'project')) {
      for (const version of await dirs(join(this.root, project), 'version')) {
        for (const target of await dirs(join(this.root, project, version), 'target')) {
          const m = await this.readManifest({ project, version, target });
          if (m) out.push(m);
        }
      }
    }
    return out;
  }

  async remove(key: ArtifactKey): Promise<void> {
    await rm(this.dir(key), { recursive: true, force: true });
    // Drop the version folder (and its records) once its last target is gone.
    const versionDir = this.under(key.project, key.version);
    const left = (await readdir(versionDir, { withFileTypes: true }).catch(() => [])).filter((e) => e.isDirectory() && !e.name.startsWith('.'));
    if (left.length) return;
    await rm(this.recordsDir(key), { recursive: true, force: true });
    await rmdir(versionDir).catch(() => undefined);
  }

}

async function writeJsonAtomically(dir: string, name: string, value: unknown): Promise<void> {
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${name}.partial`);
  await writeFile(tmp, JSON.stringify(value, null, 2) + '\n');
  await rename(tmp, join(dir, name));
}

async function readJsonOrNull<T>(path: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}
