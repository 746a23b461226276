// The shape of a release's artifacts as the store keeps them: by project, version and target,
// each with its sha256 and kind. Pure types, shared by the store port and the decisions over them.
import type { ArtifactFacts, ArtifactKind } from './artifact-kinds.ts';

export interface ArtifactKey {
  project: string;
  version: string;
  target: string;
}

export interface ArtifactEntry {
  name: string;
  size: number;
  sha256: string;
  /** ISO-8601, from the workflow's clock, so a replayed or retried step writes the same value. */
  createdAt: string;
  /** Decided once, when the agent took the file (core/artifact-kinds.ts); absent in manifests
   *  written before kinds were recorded (kindOf infers it then). */
  kind?: ArtifactKind;
  /** What the file's name says for its kind: a deb's package/version/arch, a crate's name/version. */
  facts?: ArtifactFacts;
}

export interface TargetManifest extends ArtifactKey {
  artifacts: ArtifactEntry[];
  /** sha256 of the source tarball the target was built from: a retry reuses the target only
   *  for the same source. Absent in manifests written before retries existed. */
  sourceSha256?: string;
  /** The commit the source was packed from (absent for working-tree releases and older manifests). */
  commit?: string;
  /** How long its project keeps it (tagship.yml's retention.days when it was released). */
  retentionDays?: number;
}

/** One release's artifacts, all targets. */
export type ReleaseKey = Pick<ArtifactKey, 'project' | 'version'>;

