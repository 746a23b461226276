// The Python pipe's activity: the release's wheels and sdist of the package (kinds wheel and
// sdist whose recorded distribution is the package) uploaded to a PyPI-style index.
import type { ArtifactStore } from '../../ports/artifacts.ts';
import { FailureType, nonRetryable } from '../../core/failures.ts';
import { resolveRegistry } from '../../activities/registries.ts';
import { recordPublished, type PublishInput, type PublishResult } from '../../activities/publish-record.ts';
import { verifiedArtifacts } from '../../activities/verified-artifacts.ts';
import { isDistOf } from './picks.ts';
import { publishPython } from './activities/index-api.ts';

export interface PublishPythonInput extends PublishInput {
  repository: string;
  package: string;
}

export function createPythonActivities(deps: { artifacts: ArtifactStore; env?: Record<string, string | undefined> }) {
  const env = deps.env ?? process.env;
  return {
    async publishPython(input: PublishPythonInput): Promise<PublishResult> {
      const registry = resolveRegistry(input.repository, 'publish.python.repository', env);
      const files = await verifiedArtifacts(deps.artifacts, input, { pythonDistributions: [input.package] });
      const dists = files.filter((f) => isDistOf(f, input.package));
      if (!dists.length && input.partial) return {};
      if (!dists.length) throw nonRetryable(FailureType.ArtifactMissing, `publish.python.package is ${input.package}, but no target produced its wheel or sdist`);
      // Wheels first: an index that has the wheel serves most installs even if the sdist lags.
      dists.sort((a, b) => Number(b.kind === 'wheel') - Number(a.kind === 'wheel') || a.name.localeCompare(b.name));
      const outcomes = await publishPython(registry, input.package, input.version, dists.map((d) => ({ path: d.path, kind: d.kind })));
      return recordPublished(deps.artifacts, input, 'python', input.repository, dists, outcomes);
    },
  };
}
