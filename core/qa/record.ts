// The QA record of one commit (issue 12): what its CI measured and decided, kept for the
// app's QA retention, and what a release of that commit demands of it (issue 13). Pure: the
// CI workflow assembles it from the steps' results; the release checks it with its own clock.

import type { AllowEntry, Finding } from './gates.ts';
import type { CoverageSummary, TestSummary } from './reports.ts';

export type GateName = 'lint' | 'tests' | 'coverage' | 'scan' | 'integration' | 'image';

/** The gates in the order CI runs them (summaries and reports list them so). */
export const GATE_ORDER: readonly GateName[] = ['lint', 'tests', 'coverage', 'image', 'scan', 'integration'];

export interface GateOutcome {
  passed: boolean;
  /** What was measured, or why it failed: the gate's own message. */
  message: string;
}

export interface QaRecord {
  project: string;
  commit: string;
  /** The branch or merge/pull request CI ran for. */
  ref: string;
  startedAt: string;
  finishedAt: string;
  /** ISO-8601; after it the record is purged and no longer releases anything. */
  expiresAt: string;
  /** The CI run, for the release documentation's link. */
  run: { workflowId: string; runId: string };
  /** image digests: each platform's manifest and the multi-arch index. */
  images?: { repository: string; index: string; platforms: Record<string, string> };
  gates: Partial<Record<GateName, GateOutcome>>;
  /** What each gate measured (absent for gates that did not run). */
  tests?: TestSummary;
  coverage?: CoverageSummary & { minimum: number; branchMinimum?: number };
  /** Per platform: the findings at or above the threshold, the allowlist's decisions, the SBOM. */
  scan?: Record<string, PlatformScan>;
  integration?: { exitCode: number; outputTail: string; /** The app's last lines. */ appLog?: string; /** The app had stopped, with this code. */ appExited?: number };
  lint?: { command: string; exitCode: number; outputTail: string };
  /** The image the tests (and lint) ran in, when the app defines it. */
  testImage?: { image: string; imageId: string };
  /** Integration services built from the commit, by service name: the image each ran. */
  serviceImages?: Record<string, { image: string; imageId: string }>;
  /** Where the commit came from, and the digest of its tagship.yml. */
  source?: { repository: string; configDigest: string; sourceSha256: string };
}

export interface PlatformScan {
  failOn: string;
  /** Every vulnerability the scanner reported, at any severity. */
  findings: number;
  failing: Finding[];
  allowed: { finding: Finding; entry: AllowEntry }[];
  sbom: { name: string; sha256: string; size: number; format: 'CycloneDX' };
  packages: number;
  databaseUpdatedAt: string;
}

const DAY_MS = 86_400_000;

/** When a record made at `finishedAt` expires, after `retentionDays`. */
export function qaExpiry(finishedAt: string, retentionDays: number): string {
  return new Date(Date.parse(finishedAt) + retentionDays * DAY_MS).toISOString();
}

/** Every gate the app's config asks for; the image gate always (a release needs its digests). */
export function requiredGates(app: { integration?: unknown; lint?: unknown }): GateName[] {
  return [...(app.lint ? (['lint'] as const) : []), 'tests', 'coverage', 'image', 'scan', ...(app.integration ? (['integration'] as const) : [])];
}

/** Why `record` cannot release `commit` at `nowMs`, or null when it can. Each reason names
 *  what is missing, expired or failed, and the fix. */
export function qaRecordProblem(record: QaRecord | null, expected: { project: string; commit: string; gates: GateName[] }, nowMs: number): string | null {
  const fix = `run \`tagship ci run ${expected.commit} -p ${expected.project}\` and release once it passes`;
  if (!record) return `commit ${expected.commit} has no QA record; ${fix}`;
  if (record.project !== expected.project || record.commit !== expected.commit) {
    return `the QA record found is for ${record.project} ${record.commit}, not ${expected.project} ${expected.commit}; ${fix}`;
  }
  if (Date.parse(record.expiresAt) <= nowMs) return `the QA record of ${expected.commit} expired on ${record.expiresAt}; ${fix}`;
  // A failed gate is the story; the gates after it never ran.
  const missing = expected.gates.filter((g) => !record.gates[g]);
  const failed = expected.gates.filter((g) => record.gates[g] && !record.gates[g].passed);
  if (failed.length) return `the QA record of ${expected.commit} shows failed gates: ${failed.map((g) => `${g} (${record.gates[g]!.message.split('\n')[0]})`).join('; ')}${missing.length ? ` (${missing.join(', ')} did not run)` : ''}; fix them on a new commit`;
  if (missing.length) return `the QA record of ${expected.commit} has no result for ${missing.join(', ')}; ${fix}`;
  if (!record.images) return `the QA record of ${expected.commit} holds no image digests; ${fix}`;
  return null;
}

/** The records whose retention has run out at `nowMs` (the daily purge removes them). */
export function expiredQaRecords<T extends Pick<QaRecord, 'expiresAt'>>(records: T[], nowMs: number): T[] {
  return records.filter((r) => !(Date.parse(r.expiresAt) > nowMs));
}

/** A stored record's text as the signature check wants it: parsed, or as it is when it is not
 *  JSON (the check then says so); null when there is none. Every QA store reads records so. */
export function envelopeOf(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
