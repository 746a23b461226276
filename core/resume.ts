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
  /** Every planned target's stored manifest, intact or not: its artifacts' names (absent in
   *  inspections from before it was recorded). */
  recordedTargets?: Record<string, string[]>;
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

/** Why the retry may not build a target again, or null: a release that has published a file
 *  never rebuilds the target that made it (a rebuild could make other bytes under a name
 *  already out there); it reuses exactly what it published, or stops. */
export function rebuildProblem(prior: PriorWork, reuse: Record<string, unknown>, planned: string[]): string | null {
  const published = new Map<string, string>();
  for (const [pipe, record] of Object.entries(prior.published)) {
    if (record && Object.keys(record.outcomes).length) for (const name of Object.keys(record.files)) published.set(name, pipe);
  }
  for (const target of planned) {
    if (reuse[target]) continue;
    const out = (prior.recordedTargets?.[target] ?? []).filter((n) => published.has(n));
    if (out.length) {
      return `target ${target} would be built again, but this release already published its ${out.map((n) => `${n} (${published.get(n)})`).join(', ')}, and the stored copy no longer matches what was built; a published file is never rebuilt — restore the release's stored artifacts, or release a new version`;
    }
  }
  return null;
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
