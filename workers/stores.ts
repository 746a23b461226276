// The stores every orchestrator host shares when the settings name them (README, "Several
// worker hosts"): the S3 artifact store with the QA records beside the artifacts, and the
// repository bucket. Unset, each is a folder of this host (workers/deps.ts's defaults).
import { join } from 'node:path';
import type { Settings } from '../core/settings.ts';
import { S3ArtifactStore } from '../providers/artifacts-s3/store.ts';
import { S3QaStore } from '../providers/qa-s3/store.ts';
import { S3RepositoryHost } from '../providers/repo-s3/host.ts';
import { FsQaStore } from '../providers/qa-fs/store.ts';
import type { ArtifactStore } from '../ports/artifacts.ts';
import type { QaStore } from '../ports/qa.ts';
import type { RepositoryHost } from '../ports/repositories.ts';

export function sharedStores(settings: Pick<Settings, 's3' | 'repoS3' | 'stateDir'>): { artifacts?: ArtifactStore; qa?: QaStore; repositories?: RepositoryHost } {
  return {
    ...(settings.s3 ? { artifacts: new S3ArtifactStore({ ...settings.s3, cacheDir: join(settings.stateDir, 'store-cache') }), qa: new S3QaStore({ ...settings.s3, cacheDir: join(settings.stateDir, 'store-cache') }) } : {}),
    ...(settings.repoS3 ? { repositories: new S3RepositoryHost({ ...settings.repoS3, cacheDir: join(settings.stateDir, 'repo-cache') }) } : {}),
  };
}

/** Where this host's settings keep QA records (the CLI reads them there). */
export function qaStoreOf(settings: Pick<Settings, 's3' | 'stateDir'>): QaStore {
  return sharedStores({ ...settings, repoS3: undefined }).qa ?? new FsQaStore(join(settings.stateDir, 'qa'));
}
