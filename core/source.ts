// What the source step hands the workflows: the packed source of the released commit and the
// config read from it. The contract between activities/source.ts and the workflows. Pure types.
import type { TagshipConfig } from './config/schema.ts';

export interface SourceRef {
  /** A tar file on the orchestrator's host. */
  path: string;
  sha256: string;
}

export interface LoadProjectResult {
  config: TagshipConfig;
  source: SourceRef;
  /** sha256 of tagship.yml as read. */
  configDigest?: string;
  /** The released commit (absent for a working tree). */
  commit?: string;
  /** The annotated tag's object id, when the tag is annotated. */
  tagObject?: string;
  /** Where it was fetched from (the projects file's URL, which never holds credentials). */
  repository?: string;
  /** The allowed key that signed the tag, when the project requires signed tags. */
  signedBy?: string;
  /** False for a working tree: nothing ties its content to a commit. */
  reproducible?: boolean;
  /** The commit's time (seconds since the epoch): every build and gate gets it as
   *  SOURCE_DATE_EPOCH, the reproducible-builds convention (absent for a working tree). */
  sourceDateEpoch?: number;
  /** Which outcomes the worker posts to its notification webhook (absent: none). */
  notify?: 'failure' | 'all';
  /** The worker's default for testGate.provisionDuringGate (its machines' kind decides). */
  provisionDuringGate?: boolean;
}
