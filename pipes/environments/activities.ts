// Build environments from the tagged commit's Dockerfiles (tagship.yml `image: { dockerfile }`):
// built by the engine's builder from the commit's source (never from the host), under the
// Dockerfile policy, with the egress bridge (and proxy) for RUN lines only; tagged
// tagship-env/<project>:<arch>-<key>, where the key is the content digest of the Dockerfile,
// its context and the images it starts from — so an unchanged environment is built once and
// reused by every later release, and a changed file or a rebuilt base makes a new one.
import { createHash } from 'node:crypto';
import type Docker from 'dockerode';
import { FailureType, nonRetryable } from '../../core/failures.ts';
import { OutputTail } from '../../core/output-tail.ts';
import { MACHINE_ARCHES } from '../../core/config/arches.ts';
import { ENV_REPOSITORY, TAGSHIP_BASES, dockerfileBases, platformArgs } from '../../core/dockerfile-policy.ts';
import { MachineLabel } from '../../core/names.ts';
import type { SourceRef } from '../../core/source.ts';
import { stepsDockerfile, type PlannedEnvironment } from '../../core/plan.ts';
import type { EnvironmentConfig } from '../../core/config/schema.ts';
import { BuildContextError, MAX_DOCKERFILE_BYTES, buildContext, contextDigest, dockerfileOnlyContext } from '../../providers/docker/build-context.ts';
import { fileInTar } from '../../providers/sources/file-in-tar.ts';
import { ensureEgressNetwork } from '../../providers/docker/machines.ts';
import { buildImage } from '../../providers/docker/progress.ts';
import { invalidInput, requireInside, requireName } from '../../activities/inputs.ts';
import { withHeartbeat } from '../../activities/heartbeat.ts';

export interface EnvironmentInput {
  project: string;
  /** A Dockerfile and context in the commit, or tagship.yml's steps. */
  environment: EnvironmentConfig & { arch: PlannedEnvironment['arch'] };
  source: SourceRef;
  commit?: string;
}

export interface BuiltEnvironment {
  /** tagship-env/<project>:<arch>-<key> */
  image: string;
  /** The engine's image id (sha256:…), recorded in the provenance. */
  imageId: string;
  /** The content key the tag carries. */
  key: string;
  /** The image's ENV, which its builds see. */
  env: string[];
  /** Built by an earlier release (same Dockerfile, context and bases). */
  reused: boolean;
}

export interface EnvironmentDeps {
  docker: Docker;
  /** Where packed sources live: the only place a source path may point. */
  sourcesDir: string;
  /** Variables RUN lines get for the egress proxy (HTTP_PROXY and the like), when one runs. */
  proxyEnv?: () => Promise<Record<string, string>>;
}

/** Labels every environment image carries, for the image purge. */
export const ENV_LABEL = 'tagship.environment';

const PATH = /^[A-Za-z0-9_.\-/]+$/;

function checkInput(i: EnvironmentInput): void {
  requireName('project', 'project', i.project);
  const e = i.environment;
  if (!(MACHINE_ARCHES as readonly string[]).includes(e.arch)) throw invalidInput('environment.arch', `${JSON.stringify(e.arch)} is not one of ${MACHINE_ARCHES.join(', ')}`);
  if ('steps' in e) {
    if (!Array.isArray(e.steps) || !e.steps.every((l) => typeof l === 'string' && !l.includes('\n') && !/^\s*from\s/i.test(l))) throw invalidInput('environment.steps', 'must be single Dockerfile lines, none a FROM');
    return;
  }
  for (const [field, p] of [['environment.dockerfile', e.dockerfile], ['environment.context', e.context]] as const) {
    if (typeof p !== 'string' || !PATH.test(p) || p.startsWith('/') || p.split('/').includes('..')) throw invalidInput(field, `${JSON.stringify(p)} is not a path inside the project`);
  }
}

export function createEnvironmentActivities(deps: EnvironmentDeps) {
  const { docker } = deps;
  const imageIdOf = (ref: string) => docker.getImage(ref).inspect().then((i) => i.Id, () => null);

  return {
    /** Builds (or finds) the environment of one Dockerfile for one arch. */
    async buildEnvironment(input: EnvironmentInput): Promise<BuiltEnvironment> {
      checkInput(input);
      const sourceTar = await requireInside('source.path', deps.sourcesDir, input.source.path);
      const e = input.environment;
      const { arch } = e;
      const dockerfile = 'steps' in e ? 'tagship.yml steps' : e.dockerfile;
      const platform = `linux/${arch}`;
      const buildargs = platformArgs(arch);
      const policy = { ...TAGSHIP_BASES, buildArgs: buildargs };
      const refused = (err: unknown) => {
        throw err instanceof BuildContextError ? nonRetryable(FailureType.ImageBuildFailed, `the environment ${dockerfile}: ${err.message}`) : err;
      };

      // The key: the context's content, the Dockerfile's place, and the ids of its bases (a
      // base the bootstrap rebuilt makes a new environment).
      const contextOf = () => ('steps' in e ? Promise.resolve().then(() => dockerfileOnlyContext(stepsDockerfile(e.steps), policy)) : buildContext(sourceTar, e.context, e.dockerfile, policy)).catch(refused);
      const files = await contextDigest((await contextOf()).stream);
      const text = 'steps' in e ? stepsDockerfile(e.steps) : (await fileInTar(sourceTar, e.dockerfile.replace(/^\.\//, ''), MAX_DOCKERFILE_BYTES))!.toString('utf8');
      const bases = await Promise.all(dockerfileBases(text, buildargs).map(async (ref) => [ref, await imageIdOf(ref)] as const));
      const missing = bases.filter(([, id]) => id === null).map(([ref]) => ref);
      if (missing.length) throw nonRetryable(FailureType.ImageMissing, `the environment ${dockerfile} starts from ${missing.join(', ')}, which this host does not have; tagship's base images are made by \`npm run bootstrap\``);
      const key = createHash('sha256').update(JSON.stringify({ v: 1, arch, dockerfile, context: 'steps' in e ? '' : e.context, files, bases })).digest('hex').slice(0, 40);
      const image = `${ENV_REPOSITORY}/${input.project}:${arch}-${key}`;

      const found = await docker.getImage(image).inspect().catch(() => null);
      if (found) return { image, imageId: found.Id, key, env: found.Config.Env ?? [], reused: true };

      return withHeartbeat(async (hb) => {
        const tail = new OutputTail();
        const ctx = await contextOf();
        // RUN lines install the toolchain: the egress bridge, never the host's network.
        const options = { t: image, platform, networkmode: await ensureEgressNetwork(docker), buildargs: { ...buildargs, ...(await deps.proxyEnv?.()) }, labels: { [MachineLabel.managed]: 'true', [ENV_LABEL]: input.project, ...(input.commit ? { 'org.opencontainers.image.revision': input.commit } : {}) } };
        await buildImage(docker, ctx, options, tail, hb, `the ${arch} environment did not build from ${dockerfile}`);
        const built = await docker.getImage(image).inspect();
        if (built.Architecture !== arch) throw nonRetryable(FailureType.ImageBuildFailed, `the environment built from ${dockerfile} for ${arch} is a ${built.Architecture} image; start it from tagship/machine:bookworm-\${TARGETARCH} (with ARG TARGETARCH before FROM)`);
        return { image, imageId: built.Id, key, env: built.Config.Env ?? [], reused: false };
      });
    },
  };
}
