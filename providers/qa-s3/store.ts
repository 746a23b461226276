// QA records in the S3 artifact bucket, beside the artifacts: .qa/<project>/<commit>/record.json
// and its files (the SBOMs), so that the CI of a commit on one orchestrator host and its release
// on another read the same record (issue 26). The record is a signed envelope: the bucket keeps
// it as it is, and the reader checks the signature. Every name is checked by the store's name
// rules before it becomes part of a key.
import { createHash } from 'node:crypto';
import { checkStoreNames, storeNameProblem } from '../../core/store-names.ts';
import type { QaFile, QaStore } from '../../ports/qa.ts';
import { S3Bucket, type S3Options } from '../s3/bucket.ts';
import { envelopeOf } from '../../core/qa/record.ts';

const RECORD = 'record.json';

export class S3QaStore implements QaStore {
  private readonly bucket: S3Bucket;

  constructor(opts: S3Options & { cacheDir: string }, private readonly cacheDir = opts.cacheDir) {
    this.bucket = new S3Bucket(opts);
  }

  private prefix(project: string, commit: string): string {
    checkStoreNames({ project, commit });
    return `.qa/${project}/${commit}/`;
  }

  async localPath(project: string, commit: string, name: string): Promise<string> {
    checkStoreNames({ artifact: name });
    const key = `${this.prefix(project, commit)}${name}`;
    const path = await this.bucket.cached(key, this.cacheDir);
    if (!path) throw new Error(`${name} of the QA record of ${project} ${commit} is missing from s3://${this.bucket.name}/${key}`);
    return path;
  }

  async putFile(project: string, commit: string, name: string, content: Buffer): Promise<QaFile> {
    checkStoreNames({ artifact: name });
    if (name === RECORD) throw new Error(`${RECORD} is the record itself`);
    await this.bucket.putBytes(`${this.prefix(project, commit)}${name}`, content);
    return { name, sha256: createHash('sha256').update(content).digest('hex'), size: content.length };
  }

  async writeRecord(project: string, commit: string, envelope: unknown): Promise<void> {
    await this.bucket.putJson(`${this.prefix(project, commit)}${RECORD}`, envelope);
  }

  describe(project: string, commit: string): string {
    return `s3://${this.bucket.name}/${this.prefix(project, commit)}${RECORD}`;
  }

  async readRecord(project: string, commit: string): Promise<unknown> {
    const text = await this.bucket.getText(`${this.prefix(project, commit)}${RECORD}`);
    return envelopeOf(text);
  }

  async list(): Promise<{ project: string; commit: string; envelope: unknown }[]> {
    const out: { project: string; commit: string; envelope: unknown }[] = [];
    for (const key of await this.bucket.keysUnder('.qa/')) {
      const [, project = '', commit = '', name, ...rest] = key.split('/');
      if (name !== RECORD || rest.length || storeNameProblem('project', project) || storeNameProblem('commit', commit)) continue;
      const envelope = await this.readRecord(project, commit).catch(() => null);
      if (envelope !== null) out.push({ project, commit, envelope });
    }
    return out;
  }

  async remove(project: string, commit: string): Promise<void> {
    await this.bucket.deleteKeys(await this.bucket.keysUnder(this.prefix(project, commit)));
  }
}
