// Filesystem artifact store: <root>/<project>/<version>/<target>/<file> plus manifest.json,
// and a release's step records in <root>/<project>/<version>/.records/<name>.json.
// Every name is checked (core/store-names.ts) and every path resolved and kept under the root
// before anything is read or written. Uploads are staged per session (the uploading machine)
// in <target>/.uploads/<session>/, each file under a temporary name of its own, hashed while
// written and renamed only when the hash matches. Committing the manifest makes a session's
// files the target's artifacts — write-once: a stored set is never replaced by other bytes
// (see commit). Later steps still re-hash each file against what the workflow recorded.
import { randomBytes } from 'node:crypto';
import { sha256OrNull, writeHashed } from '../files/sha256.ts';
import { mkdir, readFile, readdir, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { checkStoreNames, storeNameProblem, StoreNameError } from '../../core/store-names.ts';
import { ArtifactSealedError, CLAIM_ID, ChecksumMismatchError, UploadIncompleteError, type Ledger, type CommitOutcome, type ArtifactEntry, type ArtifactKey, type ArtifactStore, type RecordName, type ReleaseKey, type TargetManifest } from '../../ports/artifacts.ts';


/** The names whose sha256 differ between two sets (or that only one has). */
export function differing(a: ArtifactEntry[], b: ArtifactEntry[]): string[] {
  const bs = new Map(b.map((e) => [e.name, e.sha256]));
  const names = new Set([...a.map((e) => e.name), ...b.map((e) => e.name)]);
  return [...names].filter((n) => a.find((e) => e.name === n)?.sha256 !== bs.get(n)).sort();
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

  hash(key: ArtifactKey, name: string): Promise<string | null> {
    return sha256OrNull(this.pathOf(key, name));
  }

  async localPath(key: ArtifactKey, name: string): Promise<string | null> {
    const path = this.pathOf(key, name);
    return (await stat(path).catch(() => null)) ? path : null;
  }

  private uploadDir(key: ArtifactKey, upload: string): string {
    checkStoreNames({ project: key.project, version: key.version, target: key.target, upload });
    return this.under(key.project, key.version, key.target, '.uploads', upload);
  }

  async put(key: ArtifactKey, name: string, content: NodeJS.ReadableStream, expectedSha256: string, createdAt: string, upload: string): Promise<ArtifactEntry> {
    checkStoreNames({ artifact: name });
    const dir = this.uploadDir(key, upload);
    const final = join(dir, name);
    await mkdir(dir, { recursive: true });
    // A temporary name of its own: two uploads of one artifact never share a file. It does not
    // embed the artifact's name, which may already take the 255 bytes a name can have.
    const tmp = join(dir, `.partial-${randomBytes(8).toString('hex')}`);
    try {
      const { sha256: actual, size } = await writeHashed(content, tmp);
      if (actual !== expectedSha256) throw new ChecksumMismatchError(name, expectedSha256, actual);
      await rename(tmp, final);
      return { name, size, sha256: expectedSha256, createdAt };
    } finally {
      await rm(tmp, { force: true });
    }
  }

  async commit(manifest: TargetManifest, upload: string): Promise<{ manifest: TargetManifest; outcome: CommitOutcome }> {
    const dir = this.dir(manifest);
    const staged = this.uploadDir(manifest, upload);
    for (const a of manifest.artifacts) {
      checkStoreNames({ artifact: a.name });
      const actual = await sha256OrNull(join(staged, a.name));
      if (actual === null) throw new UploadIncompleteError(a.name, 'was not uploaded in this session');
      if (actual !== a.sha256) throw new UploadIncompleteError(a.name, `was uploaded with sha256 ${actual}, the manifest says ${a.sha256}`);
    }
    const sealed = await this.readManifest(manifest);
    let outcome: CommitOutcome = 'stored';
    if (sealed) {
      const changed = differing(sealed.artifacts, manifest.artifacts);
      const intact = (await Promise.all(sealed.artifacts.map(async (a) => (await sha256OrNull(join(dir, a.name))) === a.sha256))).every(Boolean);
      if (intact && changed.length === 0) outcome = 'unchanged';
      // A rebuild from the same source (a machine lost after its upload, a release started
      // over): the first build stands, and the caller is given its manifest.
      else if (intact && sealed.sourceSha256 !== undefined && sealed.sourceSha256 === manifest.sourceSha256) outcome = 'kept';
      else if (intact) {
        await rm(staged, { recursive: true, force: true });
        throw new ArtifactSealedError(manifest, changed);
      }
      // Files changed on disk since their commit: the set is no artifact any more; replace it.
      else outcome = 'repaired';
    }
    if (outcome === 'stored' || outcome === 'repaired') {
      if (sealed) for (const a of sealed.artifacts) await rm(join(dir, a.name), { force: true });
      for (const a of manifest.artifacts) await rename(join(staged, a.name), join(dir, a.name));
      await writeJsonAtomically(dir, 'manifest.json', manifest);
    }
    await rm(staged, { recursive: true, force: true });
    return { manifest: outcome === 'stored' || outcome === 'repaired' ? manifest : sealed!, outcome };
  }

  async readManifest(key: ArtifactKey): Promise<TargetManifest | null> {
    return readJsonOrNull<TargetManifest>(join(this.dir(key), 'manifest.json'));
  }

  private recordsDir(key: ReleaseKey): string {
    checkStoreNames({ project: key.project, version: key.version });
    return this.under(key.project, key.version, '.records');
  }

  async writeRecord(key: ReleaseKey, name: RecordName, value: unknown): Promise<void> {
    checkStoreNames({ record: name });
    await writeJsonAtomically(this.recordsDir(key), `${name}.json`, value);
  }

  async readRecord<T>(key: ReleaseKey, name: RecordName): Promise<T | null> {
    return readJsonOrNull<T>(this.recordPath(key, name));
  }

  recordPath(key: ReleaseKey, name: RecordName): string {
    checkStoreNames({ record: name });
    return join(this.recordsDir(key), `${name}.json`);
  }

  async localRecordPath(key: ReleaseKey, name: RecordName): Promise<string | null> {
    const path = this.recordPath(key, name);
    return (await stat(path).catch(() => null)) ? path : null;
  }

  recordLocation(key: ReleaseKey, name: RecordName): string {
    return this.recordPath(key, name);
  }

  /** A file per claim, created exclusively: the second claim finds it. */
  async claimed(ledger: Ledger, id: string): Promise<boolean> {
    if (!CLAIM_ID.test(id)) return false;
    return stat(this.under('.ledgers', ledger, id)).then(() => true, () => false);
  }

  async claimOnce(ledger: Ledger, id: string, expiresAt: number): Promise<boolean> {
    if (!CLAIM_ID.test(id)) return false;
    const file = this.under('.ledgers', ledger, id);
    await mkdir(join(this.root, '.ledgers', ledger), { recursive: true });
    return writeFile(file, `${new Date(expiresAt).toISOString()}\n`, { flag: 'wx', mode: 0o600 }).then(
      () => true,
      (err: NodeJS.ErrnoException) => {
        if (err.code === 'EEXIST') return false;
        throw err;
      },
    );
  }

  async pruneClaims(ledger: Ledger, before: number, opts: { count?: boolean } = {}): Promise<number> {
    const dir = join(this.root, '.ledgers', ledger);
    let pruned = 0;
    for (const id of await readdir(dir).catch(() => [] as string[])) {
      const expiresAt = Date.parse((await readFile(join(dir, id), 'utf8').catch(() => '')).trim());
      // A claim that cannot be read stays: it may guard a secret still valid.
      if (!Number.isFinite(expiresAt) || expiresAt >= before) continue;
      if (!opts.count) await rm(join(dir, id), { force: true });
      pruned++;
    }
    return pruned;
  }

  /** The filesystem store is one host's: its sources stay in that host's folder. */
  shareSource(): Promise<void> {
    return Promise.resolve();
  }

  fetchSource(): Promise<boolean> {
    return Promise.resolve(false);
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
