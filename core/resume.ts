// What a retried release may keep from its earlier runs. Pure decisions over what the artifact
// store holds (found and re-hashed by an activity): a target is kept only when it was built
// from the same source and every file still hashes to its manifest; the test gate only when
// it passed on the same source with the same command and image; a publish only when it went to
// the same registry with exactly the files this run would publish.
import type { ArtifactEntry, TargetManifest } from './artifacts.ts';
import type { PublishOutcome } from './publish-outcome.ts';

export interface GateRecord {
  sourceSha256: string;
  command: string;
  image: string;
}

export interface PublishRecord {
  registry: string;
  /** File name → sha256 of every file the publish step sent (or found already there). */
  files: Record<string, string>;
  outcomes: Record<string, PublishOutcome>;
}

export interface PriorWork {
  /** Planned targets whose stored manifest exists and whose files all re-hashed correctly. */
  intactTargets: Record<string, TargetManifest>;
  gate: GateRecord | null;
  /** By publish pipe name (absent or null: nothing recorded). */
  published: Record<string, PublishRecord | null>;
  /** What building each intact target cost in the run that built it (absent when unknown). */
  targetCosts?: Record<string, { machineSeconds: number; estimatedCost?: number }>;
}

/** The store record a publish pipe leaves (`published-crates`, `published-python`, …). */
export function publishRecordName(pipe: string): string {
  return `published-${pipe}`;
}

export function gateStillPasses(gate: GateRecord | null, current: GateRecord): boolean {
  return gate !== null && gate.sourceSha256 === current.sourceSha256 && gate.command === current.command && gate.image === current.image;
}

/** The planned targets a retry does not build again, by name. */
export function reusableTargets(prior: PriorWork, sourceSha256: string, planned: string[]): Record<string, TargetManifest> {
  const out: Record<string, TargetManifest> = {};
  for (const name of planned) {
    const m = prior.intactTargets[name];
    if (m && m.sourceSha256 === sourceSha256) out[name] = m;
  }
  return out;
}

/** The earlier outcome of a publish step when it still stands: the same registry, and exactly
 *  the files this run would send, with the same sha256. Null when the step must run (it is
 *  idempotent, so running it again is safe, just not free). */
export function publishStillDone(record: PublishRecord | null, registry: string, wanted: Record<string, string>): Record<string, PublishOutcome> | null {
  if (!record || record.registry !== registry || Object.keys(record.outcomes).length === 0) return null;
  const names = Object.keys(wanted);
  if (names.length !== Object.keys(record.files).length) return null;
  return names.every((n) => record.files[n] === wanted[n]) ? record.outcomes : null;
}

/** File name → sha256 over the manifests, restricted to the entries `pick` accepts. */
export function filesOf(manifests: TargetManifest[], pick: (entry: ArtifactEntry) => boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of manifests) for (const a of m.artifacts) if (pick(a)) out[a.name] = a.sha256;
  return out;
}
