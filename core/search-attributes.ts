// Custom search attributes: how operators find releases in the Web UI and the CLI.
// The dev server registers them at start (scripts/lib/temporal-server.ts).
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const SA = {
  project: defineSearchAttributeKey('TagshipProject', SearchAttributeType.KEYWORD),
  version: defineSearchAttributeKey('TagshipVersion', SearchAttributeType.KEYWORD),
  channel: defineSearchAttributeKey('TagshipChannel', SearchAttributeType.KEYWORD),
  stage: defineSearchAttributeKey('TagshipStage', SearchAttributeType.KEYWORD),
  machineSeconds: defineSearchAttributeKey('TagshipMachineSeconds', SearchAttributeType.DOUBLE),
  /** The released commit (full id), so the Web UI finds a release by the commit it shipped. */
  commit: defineSearchAttributeKey('TagshipCommit', SearchAttributeType.KEYWORD),
} as const;

export const ALL_SEARCH_ATTRIBUTES = Object.values(SA);
