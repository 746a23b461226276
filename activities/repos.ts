// Assembles a release's repository tree (deb/ and rpm/) in a staging folder from the artifacts
// its targets stored; deploy.ts then makes it live. The signing key is named in tagship.yml by
// a path on the worker, or `env:NAME` for a path in the worker's environment — never the key.
import { Context } from '@temporalio/activity';
import { existsSync } from 'node:fs';
import { copyFile, cp, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Channel } from '../core/tag.ts';
import type { TagshipConfig } from '../core/config/schema.ts';
import { FailureType, nonRetryable } from '../core/failures.ts';
import type { ArtifactStore } from '../ports/artifacts.ts';
import { buildDebRepository, type DebRepoResult } from './repo-deb.ts';
import type { SigningKeyRef } from './signing.ts';
import { buildRpmRepository, type RpmRepoResult } from './repo-rpm.ts';
import type Docker from 'dockerode';
import { requireName, requireTreeId } from './inputs.ts';
import { liveTree } from './deploy.ts';
import { verifiedArtifacts, type RecordedArtifacts } from './verified-artifacts.ts';

export interface BuildRepositoriesInput {
  project: string;
  version: string;
  channel: Channel;
  repositories: NonNullable<TagshipConfig['repositories']>;
  targets: { name: string; os: string }[];
  /** Deterministic per release run: a retry rebuilds the same folder. */
  stagingId: string;
  /** The sha256 of every artifact, as the workflow recorded them at build time. */
  expected?: RecordedArtifacts;
  /** Deploy the release's signed provenance with the repositories. */
  provenance?: boolean;
}

export interface BuildRepositoriesResult {
  staging: string;
  /** The live tree this one was built on, for the deploy to re-check. */
  base: string | null;
  deb?: DebRepoResult;
  rpm?: RpmRepoResult;
}

export interface RepositoryDeps {
  stateDir: string;
  repoRoot: string;
  artifacts: ArtifactStore;
  docker: Docker;
  /** The image the rpm repository is built in. */
  rpmImage: string;
  env?: Record<string, string | undefined>;
  /** Published beside each release's provenance, to check it with. */
  provenancePublicKey?: string;
}

/** Resolves `env:NAME` key files against the worker's environment. */
export function resolveKey(key: SigningKeyRef, env: Record<string, string | undefined>, field: string): SigningKeyRef {
  if (!key.keyFile?.startsWith('env:')) return key;
  const name = key.keyFile.slice(4);
  const path = env[name];
  if (!path) throw nonRetryable(FailureType.ConfigInvalid, `${field}.keyFile is "env:${name}" but the worker has no ${name} in its environment; set it to the path of the secret key file`);
  return { ...key, keyFile: path };
}

async function filesOf(store: ArtifactStore, input: BuildRepositoriesInput, os: 'deb' | 'rpm'): Promise<string[]> {
  const targets = input.targets.filter((t) => t.os === os).map((t) => t.name);
  const files = await verifiedArtifacts(store, { project: input.project, version: input.version, targets, ...(input.expected ? { expected: input.expected } : {}) });
  return files.filter((f) => f.name.endsWith(`.${os}`)).map((f) => f.path);
}

/** Folders of the live tree that package releases never rebuild: container apps' QA reports. */
export const KEPT_FROM_LIVE = ['qa'];

/** A release that built none of this kind's targets (a partial release) leaves that part of
 *  the live tree exactly as it is. */
async function carryOver(live: string, staging: string, kind: string): Promise<void> {
  await rm(join(staging, kind), { recursive: true, force: true });
  if (existsSync(join(live, kind))) await cp(join(live, kind), join(staging, kind), { recursive: true, preserveTimestamps: true });
}

/** The workflow an activity works for, to label what it starts. */
function releaseOf(ctx: Context): { owner?: string } {
  const id = ctx.info.workflowExecution?.workflowId;
  return id ? { owner: id } : {};
}

export function createRepositoryActivities(deps: RepositoryDeps) {
  const env = deps.env ?? process.env;
  return {
    async buildRepositories(input: BuildRepositoriesInput): Promise<BuildRepositoriesResult> {
      requireName('project', 'project', input.project);
      requireName('version', 'version', input.version);
      requireTreeId('stagingId', input.stagingId);
      const staging = join(deps.stateDir, 'repos', input.project, input.stagingId);
      const { base, dir } = await liveTree(deps.repoRoot, input.project);
      // With nothing live, a path that does not exist: every part starts empty.
      const live = dir ?? join(deps.repoRoot, input.project, 'current');
      const result: BuildRepositoriesResult = { staging, base };
      const deb = input.repositories.deb;
      if (deb) {
        const packages = await filesOf(deps.artifacts, input, 'deb');
        if (!packages.length) await carryOver(live, staging, 'deb');
        else result.deb = await buildDebRepository({
          project: input.project,
          channel: input.channel,
          config: { ...deb, signingKey: resolveKey(deb.signingKey, env, 'repositories.deb.signingKey') },
          packages,
          liveDir: existsSync(join(live, 'deb')) ? join(live, 'deb') : null,
          outDir: join(staging, 'deb'),
        });
      }
      const rpm = input.repositories.rpm;
      if (rpm) {
        const packages = await filesOf(deps.artifacts, input, 'rpm');
        if (!packages.length) await carryOver(live, staging, 'rpm');
        else result.rpm = await rpmRepository(input, rpm, packages, live, staging);
      }
      if (input.provenance) await stageProvenance(input, live, staging);
      // What other steps deploy into the tree (a container app's QA reports) stays as it is.
      for (const kept of KEPT_FROM_LIVE) await carryOver(live, staging, kept);
      return result;
    },
  };

  async function rpmRepository(input: BuildRepositoriesInput, rpm: NonNullable<BuildRepositoriesInput['repositories']['rpm']>, packages: string[], live: string, staging: string): Promise<RpmRepoResult> {
        const key = resolveKey(rpm.signingKey, env, 'repositories.rpm.signingKey');
        if (!key.keyFile) throw nonRetryable(FailureType.ConfigInvalid, 'repositories.rpm.signingKey needs a keyFile: the rpm repository is signed inside a container, which gets the key file mounted read-only');
        return buildRpmRepository(
          deps.docker,
          {
            project: input.project,
            channel: input.channel,
            config: { ...rpm, signingKey: key },
            packages,
            liveDir: existsSync(join(live, 'rpm')) ? join(live, 'rpm') : null,
            outDir: join(staging, 'rpm'),
            image: deps.rpmImage,
            jobId: input.stagingId.replace(/[^a-zA-Z0-9_.-]/g, '-'),
            ...releaseOf(Context.current()),
          },
          key.keyFile,
        );
  }

  /** The release's signed provenance beside its repositories, at a stable URL per version
   *  (provenance/<version>.intoto.json), with the key to check it; earlier versions' stay. */
  async function stageProvenance(input: BuildRepositoriesInput, live: string, staging: string): Promise<void> {
    const dir = join(staging, 'provenance');
    await rm(dir, { recursive: true, force: true });
    if (existsSync(join(live, 'provenance'))) await cp(join(live, 'provenance'), dir, { recursive: true, preserveTimestamps: true });
    await mkdir(dir, { recursive: true });
    await copyFile(deps.artifacts.recordPath({ project: input.project, version: input.version }, 'provenance'), join(dir, `${input.version}.intoto.json`));
    if (deps.provenancePublicKey) await writeFile(join(dir, 'tagship-provenance.pub.pem'), deps.provenancePublicKey);
  }
}
