// A container app's image for one platform (issue 12): built from the commit's Dockerfile by the
// Docker engine's builder, then pushed to the registry under the commit. The builder runs each
// RUN line in a container of its own with no network (or tagship's egress bridge when the app
// asks for network) and sees only the build context sent to it — no host mounts, no secrets.
// Base images are local, per platform: the builder is told TARGETARCH like BuildKit does, and
// the built image must say it is for the platform asked for.
import type Docker from 'dockerode';
import { FailureType, nonRetryable } from '../core/failures.ts';
import { OutputTail } from '../core/output-tail.ts';
import { MACHINE_ARCHES } from '../core/config/arches.ts';
import { imageName } from '../core/config/app.ts';
import { BuildContextError, buildContext } from '../providers/docker/build-context.ts';
import { TAGSHIP_BASES, platformArgs } from '../core/dockerfile-policy.ts';
import { ensureEgressNetwork } from '../providers/docker/machines.ts';
import { buildImage, follow } from '../providers/docker/progress.ts';
import type { OciRegistryClient, PlatformManifest } from '../providers/oci/registry.ts';
import type { SourceRef } from './source.ts';
import { invalidInput } from './inputs.ts';
import { withHeartbeat } from './heartbeat.ts';

const COMMIT = /^[0-9a-f]{40}$/;

export interface AppImageInput {
  project: string;
  commit: string;
  /** The repository name (app.image); the registry is the worker's. */
  image: string;
  dockerfile: string;
  context: string;
  arch: string;
  network: boolean;
  source: SourceRef;
  /** Where the source lives, for the org.opencontainers.image.source label. */
  repositoryUrl?: string;
  /** ISO-8601 from the workflow's clock: the created-at label. */
  createdAt: string;
}

export interface PlatformImage extends PlatformManifest {
  arch: string;
  /** <registry>/<image>:<commit>-<arch> */
  reference: string;
  /** Found in the registry from an earlier run of this commit's CI: not built again. */
  reused: boolean;
}

export interface ImageIndexInput {
  image: string;
  commit: string;
  platforms: PlatformImage[];
}

export interface ImageIndexResult {
  /** <registry>/<image> */
  repository: string;
  /** <registry>/<image>:<commit> */
  reference: string;
  digest: string;
  reused: boolean;
}

export interface AppImageDeps {
  docker: Docker;
  /** Absent when the worker has no registry setting: CI of container apps cannot run. */
  registry?: OciRegistryClient;
  /** Variables RUN lines get for the egress proxy, when the app asks for network. */
  proxyEnv?: () => Promise<Record<string, string>>;
}

/** Tags under the commit are written once: the platform images, then the index over them. */
export const platformTag = (commit: string, arch: string) => `${commit}-${arch}`;

function checkInput(i: { image: string; commit: string; arch?: string }): void {
  if (!imageName.safeParse(i.image).success) throw invalidInput('image', `${JSON.stringify(i.image)} is not an image repository name`);
  if (!COMMIT.test(i.commit)) throw invalidInput('commit', `${JSON.stringify(i.commit)} is not a 40-digit commit id`);
  if (i.arch !== undefined && !(MACHINE_ARCHES as readonly string[]).includes(i.arch)) throw invalidInput('arch', `${JSON.stringify(i.arch)} is not one of ${MACHINE_ARCHES.join(', ')}`);
}

export function createAppImageActivities(deps: AppImageDeps) {
  const { docker } = deps;
  const registryOf = (): OciRegistryClient => {
    if (!deps.registry) throw nonRetryable(FailureType.ConfigInvalid, 'this worker has no OCI registry for app images; set TAGSHIP_REGISTRY (host:port) and restart it');
    return deps.registry;
  };

  async function existing(registry: OciRegistryClient, image: string, tag: string): Promise<PlatformManifest | null> {
    const m = await registry.manifest(image, tag);
    return m ? { digest: m.digest, mediaType: m.mediaType, size: m.size, platform: { architecture: '', os: 'linux' } } : null;
  }

  return {
    /** Builds and pushes one platform's image; one the registry already holds for this commit
     *  (an earlier run, a retried attempt) is used as it is: a commit's image is built once. */
    async buildAppImage(input: AppImageInput): Promise<PlatformImage> {
      checkInput(input);
      const registry = registryOf();
      const tag = platformTag(input.commit, input.arch);
      const reference = `${registry.host}/${input.image}:${tag}`;
      const found = await existing(registry, input.image, tag);
      if (found) return { ...found, platform: { architecture: input.arch, os: 'linux' }, arch: input.arch, reference, reused: true };

      return withHeartbeat(async (hb) => {
        const tail = new OutputTail();
        const platform = `linux/${input.arch}`;
        const buildargs = platformArgs(input.arch);
        const context = await buildContext(input.source.path, input.context, input.dockerfile, { ...TAGSHIP_BASES, buildArgs: buildargs }).catch((err: unknown) => {
          throw err instanceof BuildContextError ? nonRetryable(FailureType.ImageBuildFailed, err.message) : err;
        });
        const labels = {
          'org.opencontainers.image.revision': input.commit,
          'org.opencontainers.image.created': input.createdAt,
          ...(input.repositoryUrl ? { 'org.opencontainers.image.source': input.repositoryUrl } : {}),
          'org.opencontainers.image.title': input.image,
        };
        const options = { t: reference, platform, networkmode: input.network ? await ensureEgressNetwork(docker) : 'none', buildargs: { ...buildargs, ...(input.network ? await deps.proxyEnv?.() : {}) }, labels };
        await buildImage(docker, context, options, tail, hb, `the ${input.arch} image of ${input.commit.slice(0, 12)} did not build from ${input.dockerfile}`);
        const built = await docker.getImage(reference).inspect();
        if (built.Architecture !== input.arch) {
          throw nonRetryable(FailureType.ImageBuildFailed, `the image built for ${input.arch} is a ${built.Architecture} image: its base image is for ${built.Architecture}. Pick the base by platform: \`FROM tagship/python:bookworm-\${TARGETARCH}\` (tagship declares TARGETARCH and the other platform arguments, as BuildKit does)`);
        }
        let digest: string | undefined;
        await follow(docker, await docker.getImage(reference).push({ authconfig: { serveraddress: registry.host } }), tail, hb, (aux) => {
          if (typeof aux.Digest === 'string') digest = aux.Digest;
        });
        const pushed = await registry.manifest(input.image, tag);
        if (!pushed || (digest && pushed.digest !== digest)) throw new Error(`the registry does not hold ${reference} as pushed (${digest ?? 'no digest'} / ${pushed?.digest ?? 'absent'})`);
        return { digest: pushed.digest, mediaType: pushed.mediaType, size: pushed.size, platform: { architecture: input.arch, os: 'linux' }, arch: input.arch, reference, reused: false };
      });
    },

    /** The multi-arch index under the commit, over the platform images. Written once: an index
     *  already there stands when it lists the same images, and is never replaced otherwise. */
    async pushImageIndex(input: ImageIndexInput): Promise<ImageIndexResult> {
      checkInput(input);
      const registry = registryOf();
      const repository = `${registry.host}/${input.image}`;
      const reference = `${repository}:${input.commit}`;
      const have = await registry.manifest(input.image, input.commit);
      if (have) {
        const listed = new Set((have.body.manifests ?? []).map((m) => m.digest));
        if (input.platforms.every((p) => listed.has(p.digest)) && listed.size === input.platforms.length) return { repository, reference, digest: have.digest, reused: true };
        throw nonRetryable(FailureType.ImageBuildFailed, `${reference} already names other images (${[...listed].join(', ')}); images under a commit are never replaced`);
      }
      const index = await registry.putIndex(input.image, input.commit, input.platforms.map((p) => ({ digest: p.digest, mediaType: p.mediaType, size: p.size, platform: p.platform })));
      return { repository, reference, digest: index.digest, reused: false };
    },
  };
}
