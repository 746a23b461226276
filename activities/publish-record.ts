// What every publish pipe's activity shares: its input (the release's files are checked against
// the sha256 and kind the workflow recorded, by verified-artifacts.ts) and the record a retry reads to tell
// whether an earlier publish still stands (core/resume.ts).
import { Context } from '@temporalio/activity';
import type { ArtifactStore } from '../ports/artifacts.ts';
import type { PublishOutcome } from '../core/publish-outcome.ts';
import { publishRecordName, type PublishRecord } from '../core/resume.ts';
import type { RecordedArtifacts, VerifiedArtifact } from './verified-artifacts.ts';

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

/** Leaves what was published for a retry, under the publishing pipe's name. */
export async function recordPublished(store: ArtifactStore, input: PublishInput, pipe: string, registry: string, files: VerifiedArtifact[], outcomes: PublishResult): Promise<PublishResult> {
  if (Object.keys(outcomes).length === 0) return outcomes;
  Context.current().log.info('published', { registry, outcomes });
  const value: PublishRecord = { registry, files: Object.fromEntries(files.map((f) => [f.name, f.sha256])), outcomes };
  await store.writeRecord({ project: input.project, version: input.version }, publishRecordName(pipe), value);
  return outcomes;
}
