// What every publish pipe's activity shares: the release's files, each checked against the
// sha256 (and kind) the workflow recorded at build time, and the record a retry reads to tell
// whether an earlier publish still stands (core/resume.ts).
import { Context } from '@temporalio/activity';
import type { ArtifactStore } from '../ports/artifacts.ts';
import type { PublishOutcome } from '../core/publish-outcome.ts';
import type { KindHints } from '../core/artifact-kinds.ts';
import { publishRecordName, type PublishRecord } from '../core/resume.ts';
import { verifiedArtifacts, type RecordedArtifacts, type VerifiedArtifact } from './verified-artifacts.ts';

/** What every publish activity is given. */
export interface PublishInput {
  project: string;
  version: string;
  targets: string[];
  /** A release of some targets only: what it did not build is not published (no error). */
  partial: boolean;
  /** Every artifact's sha256 and kind, as the workflow recorded them at build time. */
  expected?: RecordedArtifacts;
}

export type PublishResult = Record<string, PublishOutcome>;

/** Every artifact of the release, each checked against what was recorded at build time. */
export function releaseFiles(store: ArtifactStore, input: PublishInput, hints: KindHints = {}): Promise<VerifiedArtifact[]> {
  return verifiedArtifacts(store, input, hints);
}

/** Leaves what was published for a retry, under the publishing pipe's name. */
export async function recordPublished(store: ArtifactStore, input: PublishInput, pipe: string, registry: string, files: VerifiedArtifact[], outcomes: PublishResult): Promise<PublishResult> {
  if (Object.keys(outcomes).length === 0) return outcomes;
  Context.current().log.info('published', { registry, outcomes });
  const value: PublishRecord = { registry, files: Object.fromEntries(files.map((f) => [f.name, f.sha256])), outcomes };
  await store.writeRecord({ project: input.project, version: input.version }, publishRecordName(pipe), value);
  return outcomes;
}
