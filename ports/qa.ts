// Where QA records live (issue 12): one per project and commit, with the files it refers to
// (each platform image's SBOM). Kept for the app's QA retention; the daily purge removes
// expired ones. A release (issue 13) reads the record of exactly its commit.

export interface QaFile {
  name: string;
  sha256: string;
  size: number;
}

export interface QaStore {
  /** Stores a file of a commit's record (written aside, then renamed into place). */
  putFile(project: string, commit: string, name: string, content: Buffer): Promise<QaFile>;
  /** Replaces the commit's record whole: a signed envelope (providers/signing/qa-records.ts),
   *  which the store keeps as it is and does not vouch for. */
  writeRecord(project: string, commit: string, envelope: unknown): Promise<void>;
  readRecord(project: string, commit: string): Promise<unknown>;
  /** A file of this host holding a record's file (the store's own, or a copy of it). */
  localPath(project: string, commit: string, name: string): Promise<string>;
  /** Where a commit's record is kept, for messages. */
  describe(project: string, commit: string): string;
  /** Every record as stored, for the purge. */
  list(): Promise<{ project: string; commit: string; envelope: unknown }[]>;
  /** Removes a commit's record and its files; absent is fine. */
  remove(project: string, commit: string): Promise<void>;
}
