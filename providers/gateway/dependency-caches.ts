// Each project's dependency caches on the orchestrator's host: <root>/<project>/<family>/<dir>/<file>
// (family: cargo or pip). Files are written once (to a temporary name, hashed, then renamed),
// never replaced, and only under the asking machine's project: projects never share a cache.
// What the agent offers was checked against the commit's lock files already
// (core/dependency-cache.ts); the store checks names, size and that the bytes are the sha256 the
// agent named.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform, type Readable } from 'node:stream';
import type { CacheEntry, CacheFamily } from '../../core/dependency-cache.ts';

export class CacheRefused extends Error {}

export class DependencyCaches {
  constructor(private readonly root: string) {}

  private dirOf(project: string, family: CacheFamily): string {
    return join(this.root, project, family.name);
  }

  /** The project's cached files of a family (their sha256 is their file's, computed when stored). */
  async list(project: string, family: CacheFamily): Promise<CacheEntry[]> {
    const base = this.dirOf(project, family);
    const dirs = await readdir(base).catch(() => [] as string[]);
    const out: CacheEntry[] = [];
    for (const dir of dirs) {
      for (const name of await readdir(join(base, dir)).catch(() => [] as string[])) {
        const m = /^(.+)\.([0-9a-f]{64})$/.exec(name);
        if (!m || family.entryProblem(dir, m[1])) continue;
        const st = await stat(join(base, dir, name));
        out.push({ dir, file: m[1]!, sha256: m[2]!, size: st.size });
      }
    }
    return out.sort((a, b) => `${a.dir}/${a.file}`.localeCompare(`${b.dir}/${b.file}`));
  }

  /** The stored file, or null. */
  async open(project: string, family: CacheFamily, dir: string, file: string): Promise<{ stream: Readable; size: number } | null> {
    const problem = family.entryProblem(dir, file);
    if (problem) throw new CacheRefused(problem);
    const found = (await this.list(project, family)).find((e) => e.dir === dir && e.file === file);
    if (!found) return null;
    return { stream: createReadStream(join(this.dirOf(project, family), dir, `${file}.${found.sha256}`)), size: found.size };
  }

  /** Stores `body` when it is `sha256`; true when it was stored now, false when it was there. */
  async put(project: string, family: CacheFamily, dir: string, file: string, sha256: string, body: Readable): Promise<boolean> {
    const problem = family.entryProblem(dir, file) ?? (/^[0-9a-f]{64}$/.test(sha256) ? null : 'x-tagship-sha256 must be a hex sha256');
    if (problem) throw new CacheRefused(problem);
    const folder = join(this.dirOf(project, family), dir);
    const final = join(folder, `${file}.${sha256}`);
    if (await stat(final).catch(() => null)) {
      body.resume();
      return false;
    }
    await mkdir(folder, { recursive: true });
    const temp = join(folder, `.incoming-${randomBytes(6).toString('hex')}`);
    const hash = createHash('sha256');
    let size = 0;
    const count = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        if (size > family.maxBytes) return done(new CacheRefused(`${file} is over ${family.maxBytes >> 20} MiB`));
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(body, count, createWriteStream(temp, { flags: 'wx' }));
      const actual = hash.digest('hex');
      if (actual !== sha256) throw new CacheRefused(`${file} arrived as sha256 ${actual}, not ${sha256}`);
      await rename(temp, final);
      return true;
    } finally {
      await rm(temp, { force: true });
    }
  }
}
