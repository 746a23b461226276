// Filesystem artifact store: <root>/<project>/<version>/<target>/<file> plus manifest.json,
// and a release's step records in <root>/<project>/<version>/.records/<name>.json.
// Files are written to a temporary name, hashed while written, and renamed into place only
// when the hash matches, so a reader never sees a partial or corrupt artifact.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { ChecksumMismatchError, type ArtifactEntry, type ArtifactKey, type ArtifactStore, type RecordName, type ReleaseKey, type TargetManifest } from '../../ports/artifacts.ts';

export async function sha256File(path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex');
}

export class FsArtifactStore implements ArtifactStore {
  constructor(private readonly root: string) {}

  private dir(key: ArtifactKey): string {
    return join(this.root, key.project, key.version, key.target);
  }

  pathOf(key: ArtifactKey, name: string): string {
    return join(this.dir(key), name);
  }

  async put(key: ArtifactKey, name: string, content: NodeJS.ReadableStream, expectedSha256: string, createdAt: string): Promise<ArtifactEntry> {
    if (name.includes('/') || name.startsWith('.')) throw new Error(`artifact name "${name}" is not a plain file name`);
    const dir = this.dir(key);
    await mkdir(dir, { recursive: true });
    const final = join(dir, name);
    const tmp = join(dir, `.${name}.partial`);
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
    await writeJsonAtomically(this.dir(manifest), 'manifest.json', manifest);
  }

  async readManifest(key: ArtifactKey): Promise<TargetManifest | null> {
    return readJsonOrNull<TargetManifest>(join(this.dir(key), 'manifest.json'));
  }

  private recordsDir(key: ReleaseKey): string {
    return join(this.root, key.project, key.version, '.records');
  }

  async writeRecord(key: ReleaseKey, name: RecordName, value: unknown): Promise<void> {
    await writeJsonAtomically(this.recordsDir(key), `${name}.json`, value);
  }

  async readRecord<T>(key: ReleaseKey, name: RecordName): Promise<T | null> {
    return readJsonOrNull<T>(join(this.recordsDir(key), `${name}.json`));
  }

  async listManifests(): Promise<TargetManifest[]> {
    const out: TargetManifest[] = [];
    const dirs = async (d: string) => (await readdir(d, { withFileTypes: true }).catch(() => [])).filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name);
    for (const project of await dirs(this.root)) {
      for (const version of await dirs(join(this.root, project))) {
        for (const target of await dirs(join(this.root, project, version))) {
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
    const versionDir = join(this.root, key.project, key.version);
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
