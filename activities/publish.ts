// The publish step's activities: finds the release's crates and Python dists in the artifact
// store and publishes them to the registries the worker's environment names.
import { Context } from '@temporalio/activity';
import type { ArtifactStore, RecordName } from '../ports/artifacts.ts';
import { FailureType, nonRetryable } from '../core/failures.ts';
import { crateFileNames, isDistOf, type PublishOutcome } from '../core/publish-files.ts';
import type { PublishRecord } from '../core/resume.ts';
import { resolveRegistry } from './registries.ts';
import { publishCrates } from './publish-crates.ts';
import { publishPython } from './publish-python.ts';
import { verifiedArtifacts, type RecordedArtifacts, type VerifiedArtifact } from './verified-artifacts.ts';

export interface PublishInput {
  project: string;
  version: string;
  targets: string[];
  /** A release of some targets only: what it did not build is not published (no error). */
  partial: boolean;
  /** The sha256 of every artifact, as the workflow recorded them at build time. */
  expected?: RecordedArtifacts;
}

export interface PublishCratesInput extends PublishInput {
  registry: string;
  order: string[];
}

export interface PublishPythonInput extends PublishInput {
  repository: string;
  package: string;
}

export type PublishResult = Record<string, PublishOutcome>;

type ReleaseFile = VerifiedArtifact;

/** Every artifact of the release, each checked against the sha256 recorded at build time. */
function releaseFiles(store: ArtifactStore, input: PublishInput): Promise<ReleaseFile[]> {
  return verifiedArtifacts(store, input);
}

/** Leaves what was published for a retry (core/resume.ts decides whether it still stands). */
async function record(store: ArtifactStore, input: PublishInput, name: RecordName, registry: string, files: ReleaseFile[], outcomes: PublishResult): Promise<PublishResult> {
  if (Object.keys(outcomes).length === 0) return outcomes;
  Context.current().log.info('published', { registry, outcomes });
  const value: PublishRecord = { registry, files: Object.fromEntries(files.map((f) => [f.name, f.sha256])), outcomes };
  await store.writeRecord({ project: input.project, version: input.version }, name, value);
  return outcomes;
}

export function createPublishActivities(deps: { artifacts: ArtifactStore; env?: Record<string, string | undefined> }) {
  const env = deps.env ?? process.env;
  return {
    async publishCrates(input: PublishCratesInput): Promise<PublishResult> {
      const registry = resolveRegistry(input.registry, 'publish.crates.registry', env);
      const files = await releaseFiles(deps.artifacts, input);
      if (input.partial && !files.some((f) => f.name.endsWith('.crate'))) return {};
      const fileNames = crateFileNames(input.order, input.version);
      const picked = input.order.map((name, i) => {
        const file = files.find((f) => f.name === fileNames[i]);
        if (!file) throw nonRetryable(FailureType.ArtifactMissing, `publish.crates.order names ${name}, but no target produced ${fileNames[i]}`);
        return { crate: name, file };
      });
      const outcomes = await publishCrates(registry, input.version, picked.map((p) => ({ name: p.crate, path: p.file.path })));
      return record(deps.artifacts, input, 'published-crates', input.registry, picked.map((p) => p.file), outcomes);
    },

    async publishPython(input: PublishPythonInput): Promise<PublishResult> {
      const registry = resolveRegistry(input.repository, 'publish.python.repository', env);
      const dists = (await releaseFiles(deps.artifacts, input)).filter((f) => isDistOf(f.name, input.package));
      if (!dists.length && input.partial) return {};
      if (!dists.length) throw nonRetryable(FailureType.ArtifactMissing, `publish.python.package is ${input.package}, but no target produced its wheel or sdist`);
      // Wheels first: an index that has the wheel serves most installs even if the sdist lags.
      dists.sort((a, b) => Number(b.name.endsWith('.whl')) - Number(a.name.endsWith('.whl')) || a.name.localeCompare(b.name));
      const outcomes = await publishPython(registry, input.package, input.version, dists.map((d) => d.path));
      return record(deps.artifacts, input, 'published-python', input.repository, dists, outcomes);
    },
  };
}
