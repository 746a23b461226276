// The artifact store port: where build outputs land, by project/version/target, each with its
// sha256. Later stages (publish, repositories, retention) read the manifests, never the machines.

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
}

export interface TargetManifest extends ArtifactKey {
  artifacts: ArtifactEntry[];
}

export interface ArtifactStore {
  /** Store a file whose sha256 must be `expectedSha256`; idempotent for identical content. */
  put(key: ArtifactKey, name: string, content: NodeJS.ReadableStream, expectedSha256: string, createdAt: string): Promise<ArtifactEntry>;
  writeManifest(manifest: TargetManifest): Promise<void>;
  readManifest(key: ArtifactKey): Promise<TargetManifest | null>;
  /** Where a stored artifact can be read on this host. */
  pathOf(key: ArtifactKey, name: string): string;
  /** Every stored manifest, for retention. */
  listManifests(): Promise<TargetManifest[]>;
  /** Removes a target's artifacts and manifest; absent is fine. */
  remove(key: ArtifactKey): Promise<void>;
}

export class ChecksumMismatchError extends Error {
  constructor(
    readonly artifact: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`artifact ${artifact} arrived with sha256 ${actual}, but the build machine reported ${expected}; it was corrupted in transit and was not stored`);
    this.name = 'ChecksumMismatchError';
  }
}
