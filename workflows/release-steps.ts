// What a release does once every target is built, as a list of steps: each says whether it
// applies to this release and runs. Adding a step (an image push, release documentation) or a
// registry to publish to is one entry here; the release workflow walks the list in order.
// Workflow code: deterministic, side effects only through activities.
import { patched, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { createRepositoryActivities } from '../activities/repos.ts';
import type { createPublishActivities } from '../activities/publish.ts';
import type { createProvenanceActivities, WriteProvenanceInput } from '../activities/provenance.ts';
import type { TagshipConfig } from '../core/config/schema.ts';
import type { ReleasePlan } from '../core/plan.ts';
import type { PublishOutcome } from '../core/publish-files.ts';
import { crateFileNames, isDistOf } from '../core/publish-files.ts';
import { filesOf, publishStillDone, type PriorWork, type PublishRecord } from '../core/resume.ts';
import { shortHash } from '../core/names.ts';
import type { TargetManifest } from '../ports/artifacts.ts';
import type { RecordedArtifacts } from '../activities/verified-artifacts.ts';
import { workflowNowIso } from './clock.ts';
import { buildThenDeploy } from './deploy.ts';
import { Profiles } from './profiles.ts';
import type { ReleaseInput, ReleaseResult, ReleaseStage, ReleasedSource, TargetResult } from './types.ts';

type RepositoryActivities = ReturnType<typeof createRepositoryActivities>;
type PublishActivities = ReturnType<typeof createPublishActivities>;
type ProvenanceActivities = ReturnType<typeof createProvenanceActivities>;

const { publishCrates, publishPython } = proxyActivities<PublishActivities>({ ...Profiles.publish, summary: 'publish to the registry' });
const { buildRepositories } = proxyActivities<RepositoryActivities>({ ...Profiles.repositories, summary: 'build and sign the package repositories' });
const { writeProvenance } = proxyActivities<ProvenanceActivities>({ ...Profiles.provenance, summary: 'sign the provenance of the artifacts' });

/** What the steps after the builds share, and what they fill in. */
export interface Built {
  input: ReleaseInput;
  config: TagshipConfig;
  plan: ReleasePlan;
  released: ReleasedSource;
  targets: TargetResult[];
  /** What earlier runs finished (retries only). */
  prior: PriorWork | undefined;
  /** Names of the steps a retry did not run again, for the result. */
  kept: string[];
  enter: (stage: ReleaseStage, details: string) => void;
  result: Pick<ReleaseResult, 'published' | 'repositories' | 'provenance'>;
}

export interface ReleaseStep {
  name: string;
  applies(b: Built): boolean;
  run(b: Built): Promise<void>;
}

/** A registry a release publishes to; each is idempotent, and a retry skips one whose earlier
 *  outcome still stands (the same registry, exactly the same files). */
interface Publisher {
  /** The key in the result's `published`, and the name a retry reports as kept. */
  key: 'crates' | 'python';
  label: string;
  applies(config: TagshipConfig): boolean;
  registry(config: TagshipConfig): string;
  /** Which stored files this publisher sends. */
  picks(config: TagshipConfig, version: string): (name: string) => boolean;
  prior(p: PriorWork): PublishRecord | null;
  run(b: Built, base: PublishBase): Promise<Record<string, PublishOutcome>>;
}

type PublishBase = { project: string; version: string; targets: string[]; partial: boolean; expected: RecordedArtifacts };

const PUBLISHERS: Publisher[] = [
  {
    key: 'crates',
    label: 'crates',
    applies: (c) => !!c.publish?.crates,
    registry: (c) => c.publish!.crates!.registry,
    picks: (c, version) => {
      const names = crateFileNames(c.publish!.crates!.order, version);
      return (n) => names.includes(n);
    },
    prior: (p) => p.published.crates,
    run: (b, base) => publishCrates({ ...base, registry: b.config.publish!.crates!.registry, order: b.config.publish!.crates!.order }),
  },
  {
    key: 'python',
    label: 'Python package',
    applies: (c) => !!c.publish?.python,
    registry: (c) => c.publish!.python!.repository,
    picks: (c) => (n) => isDistOf(n, c.publish!.python!.package),
    prior: (p) => p.published.python,
    run: (b, base) => publishPython({ ...base, repository: b.config.publish!.python!.repository, package: b.config.publish!.python!.package }),
  },
];

export const AFTER_BUILD: ReleaseStep[] = [
  {
    // Signed provenance of what was built, before anything is published (patched in: releases
    // that started before it replay without it).
    name: 'provenance',
    applies: () => patched('provenance'),
    run: async (b) => {
      b.result.provenance = await writeProvenance(provenanceInput(b.plan, b.released, b.targets));
    },
  },
  {
    // Publish — the irreversible pivot — only now that every target succeeded and every
    // artifact was verified, registry by registry in the list's order (crates in dependency
    // order, then the Python package). A re-run after a half-finished publish uploads nothing twice.
    name: 'publish',
    applies: (b) => PUBLISHERS.some((p) => p.applies(b.config)),
    run: async (b) => {
      const publishers = PUBLISHERS.filter((p) => p.applies(b.config));
      b.enter('publishing', publishers.map((p) => p.label).join(' and '));
      const base: PublishBase = { project: b.plan.project, version: b.plan.version, targets: b.plan.targets.map((t) => t.name), partial: b.input.targets !== undefined, expected: recordedArtifacts(b.targets) };
      const manifests: TargetManifest[] = b.targets.map((t) => t.manifest);
      const published: NonNullable<ReleaseResult['published']> = {};
      b.result.published = published;
      for (const p of publishers) {
        const done = b.prior && publishStillDone(p.prior(b.prior), p.registry(b.config), filesOf(manifests, p.picks(b.config, b.plan.version)));
        if (done) b.kept.push(p.label);
        published[p.key] = done || (await p.run(b, base));
      }
    },
  },
  {
    // Signed repositories, then their atomic deploy, one deploy per repository at a time.
    name: 'repositories',
    applies: (b) => !!(b.config.repositories && (b.config.repositories.deb || b.config.repositories.rpm)),
    run: async (b) => {
      const { workflowId, runId } = workflowInfo();
      const { built, deployed } = await buildThenDeploy(
        b.plan.project,
        () =>
          buildRepositories({
            project: b.plan.project,
            version: b.plan.version,
            channel: b.plan.channel,
            repositories: b.config.repositories!,
            targets: b.plan.targets.map((t) => ({ name: t.name, os: t.os })),
            stagingId: `${b.plan.version}-${shortHash(`${workflowId}/${runId}`)}`,
            expected: recordedArtifacts(b.targets),
            ...(b.result.provenance ? { provenance: true } : {}),
          }),
        {
          building: (again) => b.enter('repositories', again ? 'another release deployed first: indexing and signing again on its tree' : 'indexing and signing'),
          deploying: () => b.enter('deploying', 'copying beside the live tree, then switching'),
        },
      );
      b.result.repositories = { live: deployed.live, ...(built.deb ? { debSuite: built.deb.suite } : {}), ...(built.rpm ? { rpmSuite: built.rpm.suite } : {}) };
    },
  },
];

/** What every artifact's sha256 was when it was built: later steps use a file only if it
 *  still hashes to this (activities/verified-artifacts.ts). */
export function recordedArtifacts(targets: TargetResult[]): RecordedArtifacts {
  return Object.fromEntries(targets.map((t) => [t.target, Object.fromEntries(t.manifest.artifacts.map((a) => [a.name, a.sha256]))]));
}

function provenanceInput(plan: ReleasePlan, source: ReleasedSource, targets: TargetResult[]): WriteProvenanceInput {
  const info = workflowInfo();
  const recorded = recordedArtifacts(targets);
  return {
    project: plan.project,
    tag: plan.tag,
    version: plan.version,
    builderId: `urn:tagship:orchestrator:${info.taskQueue}`,
    invocationId: `${info.workflowId}/${info.runId}`,
    startedOn: info.startTime.toISOString(),
    finishedOn: workflowNowIso(),
    source,
    testGate: { command: plan.testGate.command, image: plan.testGate.image },
    targets: plan.targets.map((t) => ({ name: t.name, arch: t.arch, os: t.os, machine: t.machine, commands: t.build, artifacts: recorded[t.name] ?? {} })),
  };
}
