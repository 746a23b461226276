// The artifact purge's side effects: list what the store holds, remove a set. The decision
// (what is expired) is core/retention.ts, made in the workflow with the workflow's clock.
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ArtifactKey, ArtifactStore } from '../ports/artifacts.ts';
import type { StoredSet, StoredSource } from '../core/retention.ts';

const SOURCE_FILE = /^([0-9a-f]{64})\.tar$/;

export function createRetentionActivities(deps: { artifacts: ArtifactStore; sourcesDir: string }) {
  return {
    /** This host's packed sources and those shared through the store, each as recently as
     *  any release used it. */
    async listSources(): Promise<StoredSource[]> {
      const out = new Map<string, StoredSource>();
      const add = (s: StoredSource) => {
        const had = out.get(s.sha256);
        out.set(s.sha256, had ? { ...had, modifiedAt: had.modifiedAt > s.modifiedAt ? had.modifiedAt : s.modifiedAt, size: Math.max(had.size, s.size) } : s);
      };
      for (const name of await readdir(deps.sourcesDir).catch(() => [] as string[])) {
        const m = SOURCE_FILE.exec(name);
        const st = m ? await stat(join(deps.sourcesDir, name)).catch(() => null) : null;
        if (m && st) add({ sha256: m[1]!, modifiedAt: st.mtime.toISOString(), size: st.size });
      }
      for (const s of (await deps.artifacts.listSharedSources?.()) ?? []) add(s);
      return [...out.values()];
    },

    async deleteSource(sha256: string): Promise<void> {
      if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`not a source sha256: ${sha256}`);
      await rm(join(deps.sourcesDir, `${sha256}.tar`), { force: true });
      await deps.artifacts.removeSharedSource?.(sha256);
    },

    /** Removes ledger claims past their expiry — enrolments whose secret expired, hook deliveries
     *  older than any forge redelivers (one small object each would otherwise stay for ever);
     *  how many. A dry run counts them. */
    async pruneExpiredClaims({ now, dryRun }: { now: number; dryRun: boolean }): Promise<number> {
      let n = 0;
      for (const ledger of ['enrolments', 'deliveries'] as const) n += await deps.artifacts.pruneClaims(ledger, now, { count: dryRun });
      return n;
    },

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
