// The typed failures of a release. Each is a non-retryable ApplicationFailure where a retry
// cannot help; the message says what was wrong and what to do. The `type` string is what the
// workflow, the CLI and the tests match on.
import { ApplicationFailure } from '@temporalio/common';

export const FailureType = {
  InvalidTag: 'InvalidTag',
  ConfigInvalid: 'ConfigInvalid',
  TestGateFailed: 'TestGateFailed',
  BuildFailed: 'BuildFailed',
  ArtifactMissing: 'ArtifactMissing',
  ChecksumMismatch: 'ChecksumMismatch',
  MachineLost: 'MachineLost',
  ImageMissing: 'ImageMissing',
  PublishConflict: 'PublishConflict',
  RepositoryFailed: 'RepositoryFailed',
  NothingToRollBack: 'NothingToRollBack',
  RepositoryMoved: 'RepositoryMoved',
  /** A build produced something that cannot be an artifact (a symlink, a bad name). */
  BadArtifact: 'BadArtifact',
  /** The repository has no such tag. */
  TagNotFound: 'TagNotFound',
  /** The tag names another commit than the hook (or the CLI) saw. */
  TagMoved: 'TagMoved',
  /** Signed tags are required and this one is unsigned or signed by a key not allowed. */
  TagSignatureInvalid: 'TagSignatureInvalid',
  /** The target's artifacts were stored before from other source; stored artifacts are never replaced. */
  ArtifactSealed: 'ArtifactSealed',
  /** A test report (JUnit, Cobertura) is missing, not a regular file, too large or not a report. */
  QaReportInvalid: 'QaReportInvalid',
  /** CI was asked for a commit that is not in the history of the ref it names. */
  CommitNotFound: 'CommitNotFound',
  /** An app image could not be built from the commit's Dockerfile (or not for its platform). */
  ImageBuildFailed: 'ImageBuildFailed',
  /** A CI gate (tests, coverage, scan, integration) failed; the QA record says which and why. */
  QaGateFailed: 'QaGateFailed',
  /** The vulnerability scanner could not scan (no database, a broken image). */
  ScanFailed: 'ScanFailed',
  /** A version tag already points at another image: version tags are never moved. */
  VersionTagConflict: 'VersionTagConflict',
  /** A container app's chart is missing, not a chart, or fails helm lint. */
  ChartInvalid: 'ChartInvalid',
  /** A Velocitas app's AppManifest is missing or not one (the release pushes nothing). */
  AppManifestInvalid: 'AppManifestInvalid',
  /** A container app's release found no usable QA record for its commit. */
  QaRecordRefused: 'QaRecordRefused',
  /** An activity or workflow input names something outside tagship's folders or rules. */
  InvalidInput: 'InvalidInput',
} as const;
export type FailureType = (typeof FailureType)[keyof typeof FailureType];

/** A command that ran and failed: what the failure details carry, for the CLI and the UI. */
export interface CommandFailureDetails {
  command: string;
  exitCode: number;
  outputTail: string;
  target?: string;
  step?: string;
}

export function nonRetryable(type: FailureType, message: string, details?: unknown): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true, details: details === undefined ? [] : [details] });
}

/** How much of a command's output a failure message carries: enough to see the error. */
export const OUTPUT_TAIL_LINES = 30;

export function tailLines(text: string, lines = OUTPUT_TAIL_LINES): string {
  const all = text.replace(/\s+$/, '').split('\n');
  return all.slice(-lines).join('\n');
}

export function commandFailure(type: FailureType, what: string, d: CommandFailureDetails): ApplicationFailure {
  return nonRetryable(
    type,
    `${what} failed: \`${d.command}\` exited with code ${d.exitCode}\n--- last lines of output ---\n${d.outputTail}`,
    d,
  );
}
