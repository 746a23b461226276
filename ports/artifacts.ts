// The artifact store port: where build outputs land, by project/version/target, each with its
// sha256. Later stages (publish, repositories, retention) read the manifests, never the machines.

import type { ArtifactEntry, ArtifactKey, ReleaseKey, TargetManifest } from '../core/artifacts.ts';

export type { ArtifactEntry, ArtifactKey, ReleaseKey, TargetManifest } from '../core/artifacts.ts';

/** What a release step left behind for a retry or a later step to find (`test-gate`,
 *  `published-<pipe>`, `provenance`, `checksums`): a store name (core/store-names.ts). */
export type RecordName = string;

/** What a commit did: stored the set; found the same set stored; kept the set stored earlier
 *  from the same source (a rebuild's bytes differ, the first build stands); or replaced a stored
 *  set whose files no longer hash to its manifest. */
export type CommitOutcome = 'stored' | 'unchanged' | 'kept' | 'repaired';

/** A presigned upload: PUT the bytes to `url` with `headers` (their Content-Length and digest
 *  are part of the signature), before `expiresAt`. */
export interface DirectUpload {
  url: string;
  headers: Record<string, string>;
  expiresAt: string;
}

/** Ledgers every host shares through the store: droplets' one-time enrolment secrets, and the
 *  forge deliveries the hook servers acted on. */
export type Ledger = 'enrolments' | 'deliveries';
/** What a ledger entry's id may be (an enrolment nonce, a digest of a delivery id). */
export const CLAIM_ID = /^[A-Za-z0-9_-]{8,64}$/;

export interface ArtifactStore {
  /** Stages a file of an upload session (the uploading machine); its sha256 must be
   *  `expectedSha256`. Nothing staged is an artifact until its manifest is committed. */
  put(key: ArtifactKey, name: string, content: NodeJS.ReadableStream, expectedSha256: string, createdAt: string, upload: string): Promise<ArtifactEntry>;
  /** Makes an upload session's files the target's artifacts, write-once: a target's stored set
   *  is never replaced by other bytes (ArtifactSealedError), except one found corrupt. Returns
   *  the manifest that stands. */
  commit(manifest: TargetManifest, upload: string): Promise<{ manifest: TargetManifest; outcome: CommitOutcome }>;
  readManifest(key: ArtifactKey): Promise<TargetManifest | null>;
  /** A file on this host holding a stored artifact's bytes — the store's own file, or a copy
   *  fetched into this host's cache — for publishers and signers, which want files; null when
   *  the artifact is missing. Callers hash what they read (verified-artifacts.ts). */
  localPath(key: ArtifactKey, name: string): Promise<string | null>;
  /** The sha256 of a stored artifact as it is now; null when it is missing. */
  hash(key: ArtifactKey, name: string): Promise<string | null>;
  /** Every stored manifest, for retention. */
  listManifests(): Promise<TargetManifest[]>;
  /** Removes a target's artifacts and manifest; absent is fine. With the last target of a
   *  version, that version's records go too. */
  remove(key: ArtifactKey): Promise<void>;
  /** Step records of a release, replaced whole (written to a temporary name, then renamed). */
  writeRecord(key: ReleaseKey, name: RecordName, value: unknown): Promise<void>;
  readRecord<T>(key: ReleaseKey, name: RecordName): Promise<T | null>;
  /** A file on this host holding a step record's bytes as stored; null when there is none. */
  localRecordPath(key: ReleaseKey, name: RecordName): Promise<string | null>;
  /** Where a step record lives, for people: a path, or an s3:// address. */
  recordLocation(key: ReleaseKey, name: RecordName): string;
  /** Shares a packed source (named by its sha256) with every host that uses the store, so a
   *  step on another host finds it; nothing to do for a store only this host has. */
  shareSource(sha256: string, file: string): Promise<void>;
  /** A short-lived URL (and the headers to send with it) through which a machine stages exactly
   *  these bytes — this name, size and sha256, in this upload session — straight into the
   *  store, which checks them; absent for a store that takes uploads only through put(). */
  directUpload?(key: ArtifactKey, name: string, sha256: string, size: number, upload: string): Promise<DirectUpload>;
  /** Records `id` in the named ledger once, for every host that uses the store: true for the
   *  first claim, false ever after (a conditional write; the enrolment secrets droplets use). */
  claimOnce(ledger: Ledger, id: string, expiresAt: number): Promise<boolean>;
  /** Whether `id` was claimed in the ledger (and not pruned). */
  claimed(ledger: Ledger, id: string): Promise<boolean>;
  /** Removes the ledger's claims whose expiry is before `before` (what they guarded has expired
   *  too: an expired enrolment secret is refused before any claim); how many. `count` only
   *  counts them (a dry run). */
  pruneClaims(ledger: Ledger, before: number, opts?: { count?: boolean }): Promise<number>;
  /** The packed sources shared through the store, for the purge: when each was last shared
   *  (packed by a release on any host) and its size. Absent for a store only this host has. */
  listSharedSources?(): Promise<{ sha256: string; modifiedAt: string; size: number }[]>;
  /** Removes a shared packed source; absent is fine. */
  removeSharedSource?(sha256: string): Promise<void>;
  /** A short-lived URL a machine can GET a shared packed source from, straight from the store;
   *  null when the store has none (or, absent, cannot presign). */
  directSource?(sha256: string): Promise<string | null>;
  /** Writes a shared packed source to `dest` (verified against its sha256; an existing file is
   *  replaced whole); false when the store has none. */
  fetchSource(sha256: string, dest: string): Promise<boolean>;
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

/** A target's artifacts were stored before, from another source, and are intact: never replaced. */
export class ArtifactSealedError extends Error {
  constructor(readonly key: ArtifactKey, readonly differing: string[]) {
    super(`${key.project} ${key.version} ${key.target} already has stored artifacts built from another source (${differing.slice(0, 5).join(', ')} differ); stored artifacts are never replaced, so release the new source as a new version`);
    this.name = 'ArtifactSealedError';
  }
}

/** A manifest names a file its upload session does not hold with that sha256. */
export class UploadIncompleteError extends Error {
  constructor(readonly artifact: string, why: string) {
    super(`artifact ${artifact} ${why}; upload it again before its manifest`);
    this.name = 'UploadIncompleteError';
  }
}
