// Assembles a release's tree in a staging folder: the signed deb/ and rpm/ repositories from the
// artifacts of those kinds, the provenance, and the folders other pipes add (the release files
// and their checksums); deploy.ts then makes it live. The signing key is named in tagship.yml
// by a path on the worker, or `env:NAME` for a path in the worker's environment — never the key.
import { Context } from '@temporalio/activity';
import { existsSync } from 'node:fs';
import { copyFile, cp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Channel } from '../../core/tag.ts';
import type { TagshipConfig } from '../../core/config/schema.ts';
import { FailureType, nonRetryable } from '../../core/failures.ts';
import { storeNameProblem } from '../../core/store-names.ts';
import type { ArtifactStore } from '../../ports/artifacts.ts';
import { buildDebRepository, type DebRepoResult } from './activities/deb.ts';
import { resolveKey } from '../../activities/signing.ts';
import { buildRpmRepository, type RpmRepoResult } from './activities/rpm.ts';
import type Docker from 'dockerode';
import { invalidInput, requireName, requireTreeId } from '../../activities/inputs.ts';
import type { RepositoryHost } from '../../ports/repositories.ts';
import { verifiedArtifacts, type RecordedArtifacts, type VerifiedArtifact } from '../../activities/verified-artifacts.ts';
import type { TreePart } from '../pipe.ts';

export interface BuildRepositoriesInput {
  project: string;
  version: string;
  channel: Channel;
  /** The deb/rpm repositories to build (none: only the tree's other parts). */
  repositories?: TagshipConfig['repositories'];
  targets: { name: string; os: string }[];
  /** Deterministic per release run: a retry rebuilds the same folder. */
  stagingId: string;
  /** The sha256 of every artifact, as the workflow recorded them at build time. */
  expected?: RecordedArtifacts;
  /** Deploy the release's signed provenance with the repositories. */
  provenance?: boolean;
  /** Folders other pipes add to the tree (e.g. releases/<version>/ with SHA256SUMS). */
  tree?: TreePart[];
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
  /** Where the live tree is read from, and the staged one handed to for the deploy. */
  repositories: RepositoryHost;
  artifacts: ArtifactStore;
  docker: Docker;
  /** The image the rpm repository is built in. */
  rpmImage: string;
  env?: Record<string, string | undefined>;
  /** Published beside each release's provenance, to check it with. */
  provenancePublicKey?: string;
}

/** The release's packages of one kind, every file checked against what was recorded at build time. */
function packagesOf(files: VerifiedArtifact[], kind: 'deb' | 'rpm'): string[] {
  return files.filter((f) => f.kind === kind).map((f) => f.path);
}

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
      const { base, dir } = await deps.repositories.live(input.project);
      // With nothing live, a path that does not exist: every part starts empty.
      const live = dir ?? join(staging, '.nothing-live');
      const result: BuildRepositoriesResult = { staging, base };
      const files = await verifiedArtifacts(deps.artifacts, { project: input.project, version: input.version, targets: input.targets.map((t) => t.name), ...(input.expected ? { expected: input.expected } : {}) });
      const deb = input.repositories?.deb;
      if (deb) {
        const packages = packagesOf(files, 'deb');
        if (!packages.length) await carryOver(live, staging, 'deb');
        else result.deb = await buildDebRepository({
          project: input.project,
          channel: input.channel,
          config: { ...deb, signingKey: resolveKey(deb.signingKey, env, 'repositories.deb.signingKey', input.project) },
          packages,
          liveDir: existsSync(join(live, 'deb')) ? join(live, 'deb') : null,
          outDir: join(staging, 'deb'),
        });
      }
      const rpm = input.repositories?.rpm;
      if (rpm) {
        const packages = packagesOf(files, 'rpm');
        if (!packages.length) await carryOver(live, staging, 'rpm');
        else result.rpm = await rpmRepository(input, rpm, packages, live, staging);
      }
      if (input.provenance) await stageProvenance(input, live, staging);
      // Whatever else the live tree holds (container apps' QA reports, earlier versions' release
      // files) stays as it is; then the folders this release adds.
      const rebuilt = new Set([...(result.deb ? ['deb'] : []), ...(result.rpm ? ['rpm'] : []), ...(input.provenance ? ['provenance'] : [])]);
      for (const top of existsSync(live) ? await readdir(live) : []) if (!rebuilt.has(top) && !top.startsWith('.')) await carryOver(live, staging, top);
      for (const part of input.tree ?? []) await stagePart(input, files, part, staging);
      await deps.repositories.stage(input.project, input.stagingId, staging);
      return result;
    },
  };

  async function rpmRepository(input: BuildRepositoriesInput, rpm: NonNullable<NonNullable<BuildRepositoriesInput['repositories']>['rpm']>, packages: string[], live: string, staging: string): Promise<RpmRepoResult> {
        const key = resolveKey(rpm.signingKey, env, 'repositories.rpm.signingKey', input.project);
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
    const provenance = await deps.artifacts.localRecordPath({ project: input.project, version: input.version }, 'provenance');
    if (!provenance) throw new Error(`the provenance of ${input.project} ${input.version} is missing from the artifact store`);
    await copyFile(provenance, join(dir, `${input.version}.intoto.json`));
    if (deps.provenancePublicKey) await writeFile(join(dir, 'tagship-provenance.pub.pem'), deps.provenancePublicKey);
  }

  /** A folder another pipe adds (`<top>/<name>`), written whole from the verified artifacts and
   *  the release's records (the live tree's other `<top>` folders were carried). */
  async function stagePart(input: BuildRepositoriesInput, files: VerifiedArtifact[], part: TreePart, staging: string): Promise<void> {
    const [top, name, ...deeper] = part.folder.split('/');
    if (!top || !name || deeper.length || top === 'deb' || top === 'rpm') throw invalidInput('tree', `part ${JSON.stringify(part.folder)} must be <folder>/<name> beside the repositories`);
    // Every name becomes a path or a record's name: checked before anything is touched, and a
    // bad one is an input error, not something a retry could change.
    const bad = [storeNameProblem('record', top), storeNameProblem('version', name), ...part.files.flatMap((f) => [storeNameProblem('artifact', f.name), 'record' in f ? storeNameProblem('record', f.record) : null])].find(Boolean);
    if (bad) throw invalidInput('tree', `part ${JSON.stringify(part.folder)}: ${bad}`);
    const dir = join(staging, top, name);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const records = new Map<string, Record<string, string>>();
    for (const f of part.files) {
      if ('artifact' in f) {
        const file = files.find((v) => v.target === f.artifact.target && v.name === f.artifact.name);
        if (!file) throw nonRetryable(FailureType.ArtifactMissing, `${f.artifact.name} of target ${f.artifact.target} is not among the release's recorded artifacts`);
        await copyFile(file.path, join(dir, f.name));
      } else {
        if (!records.has(f.record)) records.set(f.record, (await deps.artifacts.readRecord<Record<string, string>>({ project: input.project, version: input.version }, f.record)) ?? {});
        const text = records.get(f.record)![f.field];
        if (typeof text !== 'string') throw nonRetryable(FailureType.ArtifactMissing, `the ${f.record} record of ${input.project} ${input.version} has no ${f.field}; run the release again`);
        await writeFile(join(dir, f.name), text);
      }
    }
  }
}
