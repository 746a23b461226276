// The release's artifacts as later steps use them (publish, repositories): each file is hashed
// again and compared with the sha256 the workflow recorded when it was built (the map travels
// in the activity's input, i.e. comes from the workflow's history), so nothing put in the
// store afterwards — a replaced file, a rewritten manifest — is published or signed. Each
// comes with the kind and facts recorded when it was taken: steps pick files by kind.
import { FailureType, nonRetryable } from '../core/failures.ts';
import { kindOf, type ArtifactFacts, type ArtifactKind, type KindHints } from '../core/artifact-kinds.ts';
import type { ArtifactStore } from '../ports/artifacts.ts';
import { sha256OrNull } from '../providers/files/sha256.ts';

/** An artifact as the workflow's history recorded it at build time. */
export interface RecordedFile {
  sha256: string;
  kind: ArtifactKind;
  facts: ArtifactFacts;
}

/** target → artifact name → what it was built as (a bare sha256 in inputs scheduled before
 *  kinds were recorded). */
export type RecordedArtifacts = Record<string, Record<string, RecordedFile | string>>;

export interface VerifiedArtifact {
  target: string;
  name: string;
  path: string;
  sha256: string;
  kind: ArtifactKind;
  facts: ArtifactFacts;
}

/** `hints` infer the kinds of files recorded without one (a release running across the upgrade). */
export async function verifiedArtifacts(store: ArtifactStore, release: { project: string; version: string; targets: string[]; expected?: RecordedArtifacts }, hints: KindHints = {}): Promise<VerifiedArtifact[]> {
  const out: VerifiedArtifact[] = [];
  for (const target of release.targets) {
    const key = { project: release.project, version: release.version, target };
    // Inputs from before the map was passed (a release running across the upgrade) fall back
    // to the manifest, still checked file by file.
    const recorded: Record<string, RecordedFile | string> = release.expected?.[target] ?? Object.fromEntries(((await store.readManifest(key))?.artifacts ?? []).map((a) => [a.name, { sha256: a.sha256, ...kindOf(a, hints) }]));
    for (const [name, entry] of Object.entries(recorded).sort(([a], [b]) => a.localeCompare(b))) {
      const { sha256, kind, facts } = typeof entry === 'string' ? { sha256: entry, ...kindOf({ name }, hints) } : entry;
      // The bytes later steps will read are the ones hashed: this host's file of the artifact.
      const path = await store.localPath(key, name).catch(() => null);
      const actual = path === null ? null : await sha256OrNull(path);
      if (actual !== sha256) {
        throw nonRetryable(
          FailureType.ChecksumMismatch,
          `artifact ${name} of target ${target} ${actual === null ? 'is missing from the store' : `now has sha256 ${actual}`}, but was built with sha256 ${sha256}; it was changed after the build and is not used. Release the version again (a new tag) after finding out what changed it`,
        );
      }
      out.push({ target, name, path: path!, sha256, kind, facts });
    }
  }
  return out;
}
