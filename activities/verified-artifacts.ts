// The release's artifacts as later steps use them (publish, repositories): each file is hashed
// again and compared with the sha256 the workflow recorded when it was built (the map travels
// in the activity's input, i.e. comes from the workflow's history), so nothing put in the
// store afterwards — a replaced file, a rewritten manifest — is published or signed.
import { FailureType, nonRetryable } from '../core/failures.ts';
import type { ArtifactStore } from '../ports/artifacts.ts';

/** target → artifact name → sha256, as the workflow's history holds them. */
export type RecordedArtifacts = Record<string, Record<string, string>>;

export interface VerifiedArtifact {
  target: string;
  name: string;
  path: string;
  sha256: string;
}

export async function verifiedArtifacts(store: ArtifactStore, release: { project: string; version: string; targets: string[]; expected?: RecordedArtifacts }): Promise<VerifiedArtifact[]> {
  const out: VerifiedArtifact[] = [];
  for (const target of release.targets) {
    const key = { project: release.project, version: release.version, target };
    // Inputs from before the map was passed (a release running across the upgrade) fall back
    // to the manifest, still checked file by file.
    const recorded = release.expected?.[target] ?? Object.fromEntries(((await store.readManifest(key))?.artifacts ?? []).map((a) => [a.name, a.sha256]));
    for (const [name, sha256] of Object.entries(recorded).sort(([a], [b]) => a.localeCompare(b))) {
      const path = store.pathOf(key, name);
      const actual = await store.hash(key, name).catch(() => null);
      if (actual !== sha256) {
        throw nonRetryable(
          FailureType.ChecksumMismatch,
          `artifact ${name} of target ${target} ${actual === null ? 'is missing from the store' : `now has sha256 ${actual}`}, but was built with sha256 ${sha256}; it was changed after the build and is not used. Release the version again (a new tag) after finding out what changed it`,
        );
      }
      out.push({ target, name, path, sha256 });
    }
  }
  return out;
}
