// The crates pipe's activity: the release's .crate files (kind crate, by the facts recorded for
// them) published in tagship.yml's dependency order through the registry's web API.
import type { ArtifactStore } from '../../ports/artifacts.ts';
import { FailureType, nonRetryable } from '../../core/failures.ts';
import { resolveRegistry } from '../../activities/registries.ts';
import { recordPublished, type PublishInput, type PublishResult } from '../../activities/publish-record.ts';
import { verifiedArtifacts } from '../../activities/verified-artifacts.ts';
import { isCrateOf } from './picks.ts';
import { publishCrates } from './activities/registry-api.ts';

export interface PublishCratesInput extends PublishInput {
  registry: string;
  order: string[];
}

export function createCratesActivities(deps: { artifacts: ArtifactStore; env?: Record<string, string | undefined> }) {
  const env = deps.env ?? process.env;
  return {
    async publishCrates(input: PublishCratesInput): Promise<PublishResult> {
      const registry = resolveRegistry(input.registry, 'publish.crates.registry', env);
      const crates = (await verifiedArtifacts(deps.artifacts, input)).filter((f) => isCrateOf(f, input.order, input.version));
      if (input.partial && !crates.length) return {};
      const picked = input.order.map((name) => {
        const file = crates.find((f) => f.facts.name === name);
        if (!file) throw nonRetryable(FailureType.ArtifactMissing, `publish.crates.order names ${name}, but no target produced ${name}-${input.version}.crate (a crate artifact of that name and version)`);
        return { crate: name, file };
      });
      const outcomes = await publishCrates(registry, input.version, picked.map((p) => ({ name: p.crate, path: p.file.path })));
      return recordPublished(deps.artifacts, input, 'crates', input.registry, picked.map((p) => p.file), outcomes);
    },
  };
}
