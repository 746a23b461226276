// What earlier runs of a release left in the artifact store, for a retry: each planned
// target's manifest with every file re-hashed, the test gate's record and the publish records.
// Facts only; core/resume.ts decides what still stands.
import type { ArtifactStore, TargetManifest } from '../ports/artifacts.ts';
import { publishRecordName, type GateRecord, type PriorWork, type PublishRecord } from '../core/resume.ts';

export interface InspectPriorWorkInput {
  project: string;
  version: string;
  targets: string[];
  /** The publish pipes this release runs, whose records a retry reads (absent in inputs
   *  scheduled before publishers were pipes: the two publishers there were then). */
  publishers?: string[];
}

const LEGACY_PUBLISHERS = ['crates', 'python'];

export function createResumeActivities(deps: { artifacts: ArtifactStore }) {
  const store = deps.artifacts;
  return {
    async inspectPriorWork(input: InspectPriorWorkInput): Promise<PriorWork> {
      const release = { project: input.project, version: input.version };
      const intactTargets: Record<string, TargetManifest> = {};
      for (const target of input.targets) {
        const key = { ...release, target };
        const manifest = await store.readManifest(key);
        if (!manifest) continue;
        // A file changed or gone since the build means building again, not trusting the manifest.
        const hashes = await Promise.all(manifest.artifacts.map((a) => store.hash(key, a.name).catch(() => null)));
        if (hashes.every((h, i) => h === manifest.artifacts[i]!.sha256)) intactTargets[target] = manifest;
      }
      return {
        intactTargets,
        gate: await store.readRecord<GateRecord>(release, 'test-gate'),
        published: Object.fromEntries(await Promise.all((input.publishers ?? LEGACY_PUBLISHERS).map(async (p) => [p, await store.readRecord<PublishRecord>(release, publishRecordName(p))] as const))),
      };
    },
  };
}
