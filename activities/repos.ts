// Assembles a release's repository tree (deb/ and rpm/) in a staging folder from the artifacts
// its targets stored; deploy.ts then makes it live. The signing key is named in tagship.yml by
// a path on the worker, or `env:NAME` for a path in the worker's environment — never the key.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Channel } from '../core/tag.ts';
import type { TagshipConfig } from '../core/config/schema.ts';
import { FailureType, nonRetryable } from '../core/failures.ts';
import type { ArtifactStore } from '../ports/artifacts.ts';
import { buildDebRepository, type DebRepoResult } from './repo-deb.ts';
import type { SigningKeyRef } from './signing.ts';

export interface BuildRepositoriesInput {
  project: string;
  version: string;
  channel: Channel;
  repositories: NonNullable<TagshipConfig['repositories']>;
  targets: { name: string; os: string }[];
  /** Deterministic per release run: a retry rebuilds the same folder. */
  stagingId: string;
}

export interface BuildRepositoriesResult {
  staging: string;
  deb?: DebRepoResult;
}

export interface RepositoryDeps {
  stateDir: string;
  repoRoot: string;
  artifacts: ArtifactStore;
  env?: Record<string, string | undefined>;
}

/** Resolves `env:NAME` key files against the worker's environment. */
export function resolveKey(key: SigningKeyRef, env: Record<string, string | undefined>, field: string): SigningKeyRef {
  if (!key.keyFile?.startsWith('env:')) return key;
  const name = key.keyFile.slice(4);
  const path = env[name];
  if (!path) throw nonRetryable(FailureType.ConfigInvalid, `${field}.keyFile is "env:${name}" but the worker has no ${name} in its environment; set it to the path of the secret key file`);
  return { ...key, keyFile: path };
}

async function filesOf(store: ArtifactStore, project: string, version: string, targets: string[], ext: string): Promise<string[]> {
  const files: string[] = [];
  for (const target of targets) {
    const key = { project, version, target };
    const manifest = await store.readManifest(key);
    if (!manifest) throw new Error(`no artifact manifest for ${project} ${version} ${target}`);
    files.push(...manifest.artifacts.filter((a) => a.name.endsWith(ext)).map((a) => store.pathOf(key, a.name)));
  }
  return files;
}

export function createRepositoryActivities(deps: RepositoryDeps) {
  const env = deps.env ?? process.env;
  return {
    async buildRepositories(input: BuildRepositoriesInput): Promise<BuildRepositoriesResult> {
      const staging = join(deps.stateDir, 'repos', input.project, input.stagingId);
      const live = join(deps.repoRoot, input.project, 'current');
      const result: BuildRepositoriesResult = { staging };
      const deb = input.repositories.deb;
      if (deb) {
        const packages = await filesOf(deps.artifacts, input.project, input.version, input.targets.filter((t) => t.os === 'deb').map((t) => t.name), '.deb');
        if (!packages.length) throw nonRetryable(FailureType.ConfigInvalid, 'repositories.deb is configured but no target with os: deb produced a .deb');
        result.deb = await buildDebRepository({
          project: input.project,
          channel: input.channel,
          config: { ...deb, signingKey: resolveKey(deb.signingKey, env, 'repositories.deb.signingKey') },
          packages,
          liveDir: existsSync(join(live, 'deb')) ? join(live, 'deb') : null,
          outDir: join(staging, 'deb'),
        });
      }
      return result;
    },
  };
}
