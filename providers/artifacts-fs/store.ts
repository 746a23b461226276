// Filesystem artifact store: <root>/<project>/<version>/<target>/<file> plus manifest.json.
// Files are written to a temporary name, hashed while written, and renamed into place only
// when the hash matches, so a reader never sees a partial or corrupt artifact.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { ChecksumMismatchError, type ArtifactEntry, type ArtifactKey, type ArtifactStore, type TargetManifest } from '../../ports/artifacts.ts';

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
    const dir = this.dir(manifest);
    await mkdir(dir, { recursive: true });
    const tmp = join(dir, '.manifest.json.partial');
    await writeFile(tmp, JSON.stringify(manifest, null, 2) + '\n');
    await rename(tmp, join(dir, 'manifest.json'));
  }

  async readManifest(key: ArtifactKey): Promise<TargetManifest | null> {
    try {
      return JSON.parse(await readFile(join(this.dir(key), 'manifest.json'), 'utf8')) as TargetManifest;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
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
    // Drop the version folder once its last target is gone.
    await rmdir(join(this.root, key.project, key.version)).catch(() => undefined);
  }

}
