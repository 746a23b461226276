// The release plan: what a release of this config at this tag will build, where. Pure, so the
// workflow replays it identically and the tests can check it without any machine.
import type { ParsedTag } from './tag.ts';
import type { EnvironmentConfig, MachineArch, TagshipConfig } from './config/schema.ts';
import { DEFAULT_RETENTION_DAYS } from './retention.ts';
import { DEFAULT_LIMITS, MIB } from './limits.ts';
import type { BuildKind, KindHints } from './artifact-kinds.ts';
import { shortHash } from './names.ts';

/** A glob of files a build leaves, and what they are when tagship.yml says. */
export interface ArtifactSpec {
  path: string;
  kind?: BuildKind;
}

/** A build environment from the commit's Dockerfile (or tagship.yml's steps); `image` and
 *  `env` are filled in once the environments pipe has built it (pipes/environments). */
export type PlannedEnvironment = EnvironmentConfig & {
  arch: MachineArch;
  /** tagship-env/<project>:<content key> */
  image?: string;
  /** The image's ENV, which its builds see. */
  env?: string[];
};

export interface PlannedTarget {
  name: string;
  arch: string;
  os: string;
  /** `image` is the machine's; with an environment, the builds run inside that instead. */
  machine: { arch: MachineArch; size: string; image: string; environment?: PlannedEnvironment };
  build: string[];
  artifacts: ArtifactSpec[];
  /** What inferring a plain glob's kinds needs to know about the project. */
  kindHints?: KindHints;
  timeoutMinutes: number;
  /** Outbound network for the build; absent = none at all. */
  network?: boolean;
  /** What its artifacts may weigh and number (tagship.yml's limits). */
  limits: { bytes: number; files: number };
  /** From tagship.yml's cost table, when it prices this machine size. */
  hourlyPrice?: number;
}

export interface ReleasePlan {
  project: string;
  tag: string;
  version: string;
  channel: ParsedTag['channel'];
  /** With an environment, `image` becomes the environment's once it is built. */
  testGate: { command: string; image: string; timeoutMinutes: number; environment?: PlannedEnvironment; network?: boolean; provisionDuringGate?: boolean };
  targets: PlannedTarget[];
  /** Environment every build and test command sees. No secrets: this goes into history. */
  env: Record<string, string>;
  currency?: string;
  /** Days the artifacts are kept (tagship.yml's retention.days), recorded in each manifest. */
  retentionDays: number;
  /** What all the release's artifacts together may weigh, in bytes. */
  releaseBytes: number;
  /** What inferring plain globs' kinds needs to know (core/artifact-kinds.ts). */
  kindHints?: KindHints;
}

export function defaultImage(arch: MachineArch): string {
  return `tagship/machine:bookworm-${arch}`;
}

/** Why `config` has no packages to release (a container app alone), or null. */
export function packageReleaseProblem(config: TagshipConfig): string | null {
  return config.targets.length && config.testGate ? null : `tagship.yml of ${config.project} declares no targets and test gate, so there are no packages to release; a container app's commits go through CI (\`tagship ci run <commit> -p ${config.project}\`)`;
}

/** Plans a package release; `config` must pass packageReleaseProblem. */
/** `hints`: what the release's pipes tell kind inference about the project (pipes/index.ts);
 *  `sourceDateEpoch`: the released commit's time, for reproducible builds;
 *  `provisionDuringGate`: the worker's default, when tagship.yml does not say. */
export function planRelease(config: TagshipConfig, tag: ParsedTag, only?: readonly string[], opts: { hints?: KindHints; sourceDateEpoch?: number; provisionDuringGate?: boolean } = {}): ReleasePlan {
  const hints = opts.hints ?? {};
  const gate = config.testGate!;
  // Configs loaded before limits existed (in recorded histories) have no block.
  const limits = { ...DEFAULT_LIMITS, ...(config.limits as TagshipConfig['limits'] | undefined) };
  const hinted = Object.keys(hints).length > 0;
  const targets = config.targets
    .filter((t) => !only || only.includes(t.name))
    .map((t) => ({
      name: t.name,
      arch: t.arch,
      os: t.os,
      machine: machineOf(t.machine),
      build: t.build,
      // Configs loaded before kinds existed (in recorded histories) list plain globs.
      artifacts: (t.artifacts as (ArtifactSpec | string)[]).map((a) => (typeof a === 'string' ? { path: a } : a)),
      ...(hinted ? { kindHints: hints } : {}),
      timeoutMinutes: t.timeoutMinutes,
      ...(t.network ? { network: true } : {}),
      limits: { bytes: limits.targetMiB * MIB, files: limits.filesPerTarget },
      ...(config.cost?.hourly[t.machine.size] !== undefined ? { hourlyPrice: config.cost.hourly[t.machine.size] } : {}),
    }));
  return {
    project: config.project,
    tag: tag.tag,
    version: tag.version,
    channel: tag.channel,
    testGate: {
      command: gate.command,
      image: typeof gate.image === 'string' ? gate.image : defaultImage('amd64'),
      timeoutMinutes: gate.timeoutMinutes,
      ...(gate.image && typeof gate.image !== 'string' ? { environment: { ...gate.image, arch: 'amd64' as const } } : {}),
      ...(gate.network ? { network: true } : {}),
      ...((gate.provisionDuringGate ?? opts.provisionDuringGate) ? { provisionDuringGate: true } : {}),
    },
    targets,
    ...(config.cost ? { currency: config.cost.currency } : {}),
    // Configs loaded before retention.days existed (in recorded histories) have no block.
    retentionDays: (config.retention as TagshipConfig['retention'] | undefined)?.days ?? DEFAULT_RETENTION_DAYS,
    releaseBytes: limits.releaseMiB * MIB,
    ...(hinted ? { kindHints: hints } : {}),
    env: {
      TAGSHIP_PROJECT: config.project,
      TAGSHIP_TAG: tag.tag,
      TAGSHIP_VERSION: tag.version,
      TAGSHIP_CHANNEL: tag.channel,
      ...(opts.sourceDateEpoch !== undefined ? { SOURCE_DATE_EPOCH: String(opts.sourceDateEpoch) } : {}),
    },
  };
}

function machineOf(m: TagshipConfig['targets'][number]['machine']): PlannedTarget['machine'] {
  if (typeof m.image === 'string' || m.image === undefined) return { arch: m.arch, size: m.size, image: m.image ?? defaultImage(m.arch) };
  // The agent runs on tagship's machine image; the builds run inside the environment.
  return { arch: m.arch, size: m.size, image: defaultImage(m.arch), environment: { ...m.image, arch: m.arch } };
}

/** The environments a plan needs built, one per Dockerfile, context and arch. */
export function plannedEnvironments(plan: ReleasePlan): PlannedEnvironment[] {
  const all = [plan.testGate.environment, ...plan.targets.map((t) => t.machine.environment)].filter((e): e is PlannedEnvironment => e !== undefined);
  const seen = new Map<string, PlannedEnvironment>();
  for (const e of all) seen.set(environmentId(e), e);
  return [...seen.values()];
}

/** `<arch>:<context>:<dockerfile>`, or `<arch>:steps:<hash of the lines>`. */
export function environmentId(e: EnvironmentConfig & { arch: string }): string {
  return 'steps' in e ? `${e.arch}:steps:${shortHash(e.steps.join('\n'))}` : `${e.arch}:${e.context}:${e.dockerfile}`;
}

/** The Dockerfile tagship.yml's steps make: tagship's machine image for the arch, then them. */
export function stepsDockerfile(steps: readonly string[]): string {
  return ['ARG TARGETARCH=amd64', 'FROM tagship/machine:bookworm-${TARGETARCH}', ...steps, ''].join('\n');
}

/** Targets asked for by name that the config does not have: an input error, caught early. */
export function unknownTargets(config: TagshipConfig, only: readonly string[]): string[] {
  const known = new Set(config.targets.map((t) => t.name));
  return only.filter((n) => !known.has(n));
}

/** What is wrong with asking for `only` (and what tagship.yml declares instead), or null. */
export function unknownTargetsProblem(config: TagshipConfig, only: readonly string[]): string | null {
  const missing = unknownTargets(config, only);
  return missing.length ? `unknown target(s) ${missing.join(', ')}; tagship.yml declares ${config.targets.map((t) => t.name).join(', ')}` : null;
}
