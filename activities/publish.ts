// The publish step's activities: finds the release's crates and Python dists in the artifact
// store and publishes them to the registries the worker's environment names.
import type { ArtifactStore } from '../ports/artifacts.ts';
import { FailureType, nonRetryable } from '../core/failures.ts';
import { resolveRegistry } from './registries.ts';
import { publishCrates, type PublishOutcome } from './publish-crates.ts';
import { isDistOf, publishPython } from './publish-python.ts';

export interface PublishInput {
  project: string;
  version: string;
  targets: string[];
  /** A release of some targets only: what it did not build is not published (no error). */
  partial: boolean;
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

async function releaseFiles(store: ArtifactStore, input: PublishInput): Promise<{ name: string; path: string }[]> {
  const out: { name: string; path: string }[] = [];
  for (const target of input.targets) {
    const key = { project: input.project, version: input.version, target };
    const manifest = await store.readManifest(key);
    for (const a of manifest?.artifacts ?? []) out.push({ name: a.name, path: store.pathOf(key, a.name) });
  }
  return out;
}

export function createPublishActivities(deps: { artifacts: ArtifactStore; env?: Record<string, string | undefined> }) {
  const env = deps.env ?? process.env;
  return {
    async publishCrates(input: PublishCratesInput): Promise<PublishResult> {
      const registry = resolveRegistry(input.registry, 'publish.crates.registry', env);
      const files = await releaseFiles(deps.artifacts, input);
      if (input.partial && !files.some((f) => f.name.endsWith('.crate'))) return {};
      const crates = input.order.map((name) => {
        const file = files.find((f) => f.name === `${name}-${input.version}.crate`);
        if (!file) throw nonRetryable(FailureType.ArtifactMissing, `publish.crates.order names ${name}, but no target produced ${name}-${input.version}.crate`);
        return { name, path: file.path };
      });
      return publishCrates(registry, input.version, crates);
    },

    async publishPython(input: PublishPythonInput): Promise<PublishResult> {
      const registry = resolveRegistry(input.repository, 'publish.python.repository', env);
      const dists = (await releaseFiles(deps.artifacts, input)).filter((f) => isDistOf(f.name, input.package));
      if (!dists.length && input.partial) return {};
      if (!dists.length) throw nonRetryable(FailureType.ArtifactMissing, `publish.python.package is ${input.package}, but no target produced its wheel or sdist`);
      // Wheels first: an index that has the wheel serves most installs even if the sdist lags.
      dists.sort((a, b) => Number(b.name.endsWith('.whl')) - Number(a.name.endsWith('.whl')) || a.name.localeCompare(b.name));
      return publishPython(registry, input.package, input.version, dists.map((d) => d.path));
    },
  };
}
