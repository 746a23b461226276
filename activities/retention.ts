// The artifact purge's side effects: list what the store holds, remove a set. The decision
// (what is expired) is core/retention.ts, made in the workflow with the workflow's clock.
import type { ArtifactKey, ArtifactStore } from '../ports/artifacts.ts';
import type { StoredSet } from '../core/retention.ts';

export function createRetentionActivities(deps: { artifacts: ArtifactStore }) {
  return {
    async listArtifactSets(): Promise<StoredSet[]> {
      return (await deps.artifacts.listManifests()).map((m) => ({
        project: m.project,
        version: m.version,
        target: m.target,
        // The newest file decides: a set is as old as its last artifact.
        createdAt: m.artifacts.map((a) => a.createdAt).sort().at(-1) ?? '',
        ...(m.retentionDays ? { retentionDays: m.retentionDays } : {}),
      }));
    },

    async deleteArtifactSet(key: ArtifactKey): Promise<void> {
      await deps.artifacts.remove(key);
    },
  };
}
