// What earlier runs of a release left in the artifact store, for a retry: each planned
// target's manifest with every file re-hashed, the test gate's record and the publish records.
// Facts only; core/resume.ts decides what still stands.
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
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

/** What building each kept target cost, from the result of the target workflow that built it
 *  (child ids are the same in every run of a release, so the last completed one is it). */
async function costsOf(client: Client | undefined, releaseId: string | undefined, targets: string[]): Promise<PriorWork['targetCosts']> {
  if (!client || !releaseId) return {};
  const out: NonNullable<PriorWork['targetCosts']> = {};
  for (const target of targets) {
    const handle = client.workflow.getHandle(`${releaseId}/target/${target}`);
    const done = await handle.describe().then((d) => d.status.name === 'COMPLETED', () => false);
    if (!done) continue;
    // A target workflow's result (workflows/types.ts TargetResult): only its cost is read.
    const r = (await handle.result().catch(() => null)) as { machineSeconds: number; estimatedCost?: number } | null;
    if (r) out[target] = { machineSeconds: r.machineSeconds, ...(r.estimatedCost !== undefined ? { estimatedCost: r.estimatedCost } : {}) };
  }
  return out;
}

export function createResumeActivities(deps: { artifacts: ArtifactStore; client?: Client }) {
  const store = deps.artifacts;
  return {
    async inspectPriorWork(input: InspectPriorWorkInput): Promise<PriorWork> {
      const release = { project: input.project, version: input.version };
      const intactTargets: Record<string, TargetManifest> = {};
      const recordedTargets: Record<string, string[]> = {};
      for (const target of input.targets) {
        const key = { ...release, target };
        const manifest = await store.readManifest(key);
        if (!manifest) continue;
        recordedTargets[target] = manifest.artifacts.map((a) => a.name);
        // A file changed or gone since the build means building again, not trusting the manifest.
        const hashes = await Promise.all(manifest.artifacts.map((a) => store.hash(key, a.name).catch(() => null)));
        if (hashes.every((h, i) => h === manifest.artifacts[i]!.sha256)) intactTargets[target] = manifest;
      }
      const releaseId = Context.current().info.workflowExecution?.workflowId;
      return {
        intactTargets,
        recordedTargets,
        targetCosts: await costsOf(deps.client, releaseId, Object.keys(intactTargets)),
        gate: await store.readRecord<GateRecord>(release, 'test-gate'),
        published: Object.fromEntries(await Promise.all((input.publishers ?? LEGACY_PUBLISHERS).map(async (p) => [p, await store.readRecord<PublishRecord>(release, publishRecordName(p))] as const))),
      };
    },
  };
}
