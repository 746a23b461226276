// QA records on the filesystem: <root>/<project>/<commit>/record.json and its files. Every name
// is checked by the store's name rules before it becomes a path.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkStoreNames, storeNameProblem } from '../../core/store-names.ts';
import type { QaFile, QaStore } from '../../ports/qa.ts';
import { envelopeOf } from '../../core/qa/record.ts';

const RECORD = 'record.json';

export class FsQaStore implements QaStore {
  constructor(readonly root: string) {}

  private dir(project: string, commit: string): string {
    checkStoreNames({ project, commit });
    return join(this.root, project, commit);
  }

  private async replace(dir: string, name: string, content: Buffer | string): Promise<void> {
    await mkdir(dir, { recursive: true });
    const tmp = join(dir, `.${name}.${randomBytes(6).toString('hex')}`);
    await writeFile(tmp, content);
    await rename(tmp, join(dir, name));
  }

  localPath(project: string, commit: string, name: string): Promise<string> {
    checkStoreNames({ artifact: name });
    return Promise.resolve(join(this.dir(project, commit), name));
  }

  async putFile(project: string, commit: string, name: string, content: Buffer): Promise<QaFile> {
    checkStoreNames({ artifact: name });
    if (name === RECORD) throw new Error(`${RECORD} is the record itself`);
    await this.replace(this.dir(project, commit), name, content);
    return { name, sha256: createHash('sha256').update(content).digest('hex'), size: content.length };
  }

  async writeRecord(project: string, commit: string, envelope: unknown): Promise<void> {
    await this.replace(this.dir(project, commit), RECORD, `${JSON.stringify(envelope, null, 2)}\n`);
  }

  describe(project: string, commit: string): string {
    return join(this.dir(project, commit), RECORD);
  }

  async readRecord(project: string, commit: string): Promise<unknown> {
    const text = await readFile(join(this.dir(project, commit), RECORD), 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return null;
      throw err;
    });
    return envelopeOf(text);
  }

  async list(): Promise<{ project: string; commit: string; envelope: unknown }[]> {
    const out: { project: string; commit: string; envelope: unknown }[] = [];
    const names = (dir: string) => readdir(dir).catch(() => [] as string[]);
    for (const project of await names(this.root)) {
      for (const commit of await names(join(this.root, project))) {
        if (storeNameProblem('project', project) || storeNameProblem('commit', commit)) continue;
        const envelope = await this.readRecord(project, commit).catch(() => null);
        if (envelope !== null) out.push({ project, commit, envelope });
      }
    }
    return out;
  }

  async remove(project: string, commit: string): Promise<void> {
    await rm(this.dir(project, commit), { recursive: true, force: true });
  }
}
