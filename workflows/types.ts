// Inputs, results and progress of the release workflows: the contract with clients and the UI.
import type { TargetManifest } from '../ports/artifacts.ts';
import type { Channel } from '../core/tag.ts';
import type { PlannedTarget } from '../core/plan.ts';
import type { SourceRef } from '../core/source.ts';
import type { PublishOutcome } from '../core/publish-outcome.ts';

export interface ReleaseInput {
  project: string;
  tag: string;
  /** The commit the hook (or the CLI's check) saw the tag name. The release fetches the tag
   *  from the project's repository and fails before its test gate if it names another. */
  commit?: string;
  /** Release a working tree on the orchestrator's host instead of the repository (`--from-dir`,
   *  local experiments only): the release is marked unreproducible. */
  projectDir?: string;
  /** Build only these targets; all targets when absent. */
  targets?: string[];
  /** A retry (`tagship release retry`): keep what earlier runs of this release finished and
   *  the artifact store still holds (see core/resume.ts). */
  resume?: { previousRunId: string };
  /** A nightly (`tagship release nightly`): the branch head `commit`, versioned
   *  <next>-nightly.<yyyymmddhhmmss>.g<sha7> (the `tag` field carries it, with a v); its channel
   *  is `nightly`; nothing is published (no crate, no Python package, no version tag). */
  nightly?: { branch: string };
  /** A rehearsal (`release start --dry-run`): everything is built, checked and signed, the
   *  repositories are staged; nothing is published or deployed (pipes/pipe.ts). */
  dryRun?: boolean;
}

export interface TargetResult {
  target: string;
  /** The machine that built it (the last one, when earlier ones died). */
  machine: string;
  manifest: TargetManifest;
  /** From the first create call to the last confirmed delete, by the workflow's clock. */
  machineSeconds: number;
  /** Machines used: more than one when a machine died mid-build. */
  machineAttempts: number;
  /** machineSeconds × the size's hourly price, when tagship.yml prices the size. */
  estimatedCost?: number;
  /** Built by an earlier run of this release and kept by a retry (no machine this run; its
   *  machineSeconds and estimatedCost are that run's, so the result counts every run). */
  reused?: boolean;
  /** A project with lock files (Cargo.lock, hash-pinned Python requirements): files the
   *  project's dependency caches gave the build, and new ones it kept for the next release (and
   *  why not, when it could not). */
  dependencyCache?: { restored: number; stored: number; problem?: string };
}

export interface ReleaseResult {
  project: string;
  tag: string;
  version: string;
  channel: Channel;
  targets: TargetResult[];
  machineSeconds: number;
  /** Sum of the targets' estimates, in tagship.yml's cost currency. */
  estimatedCost?: { amount: number; currency: string };
  /** Present when the project publishes: by publish pipe (crates, python, …), what each sent —
   *  per package or file — published or already-published. */
  published?: Record<string, Record<string, PublishOutcome>>;
  /** Present when the project declares repositories: what was deployed. */
  repositories?: { live: string; debSuite?: string; rpmSuite?: string };
  /** Present on a retry: the run it followed and the steps it kept from earlier runs. */
  resumed?: { previousRunId: string; kept: string[] };
  /** What was released: the commit the tag named, where it came from, the tarball's sha256. */
  source?: ReleasedSource;
  /** The release's SHA256SUMS (served under releases/<version>/ with the files it lists). */
  checksums?: { file: string; sha256: string; files: number; signedBy?: string };
  /** The signed in-toto/SLSA provenance of the artifacts (a DSSE envelope in the store). */
  provenance?: { path: string; sha256: string; keyid: string; subjects: number };
  /** A container app's release: the version tag written by digest (issue 13). */
  app?: AppReleased;
  /** A Velocitas app's deployment files, deployed with the QA report: the app's name in its
   *  AppManifest, the desired state's file name, and every file (a signed envelope among them). */
  velocitas?: { appName: string; desiredState: string; files: string[] };
  /** The test gate's dependency caches, when the project has lock files: files put in place
   *  before its tests, and new ones it kept for later releases. */
  gateCache?: { restored: number; stored: number; problem?: string };
  /** Build environments from the commit's Dockerfiles, by `<arch>:<context>:<dockerfile>`:
   *  the image each release step ran in, and whether an earlier release had built it. */
  environments?: Record<string, { image: string; imageId: string; reused: boolean }>;
  /** A dry run's account: what each publishing pipe would have sent, where the repositories
   *  were staged (not deployed), and the pipes it did not run. */
  dryRun?: { wouldPublish: Record<string, string[]>; staged?: string; skipped: string[] };
}

export interface AppReleased {
  /** <registry>/<image>:<version> */
  reference: string;
  /** The multi-arch index it points at: the QA record's. */
  digest: string;
  platforms: Record<string, string>;
  versionTag: 'created' | 'unchanged';
  latest: 'moved' | 'kept';
  latestReason: string;
  /** The QA record the release shipped on. */
  qa: { commit: string; run: { workflowId: string; runId: string }; expiresAt: string };
  /** The QA report, live beside the repositories at <repo server>/<project>/<path>. */
  report: { path: string; live: string };
  /** The Helm chart, pinned to `digest`: oci://<registry>/charts/<name>, this version. */
  chart?: { reference: string; version: string; digest?: string; outcome: 'pushed' | 'unchanged' };
}

export interface ReleasedSource {
  /** Absent for a working tree. */
  commit?: string;
  tagObject?: string;
  repository?: string;
  sha256: string;
  configDigest?: string;
  /** The allowed key that signed the tag, when the project requires signed tags. */
  signedBy?: string;
  /** False for a working-tree release (`--from-dir`): no commit ties it to its content. */
  reproducible: boolean;
}

export type ReleaseStage = 'validating' | 'loading' | 'qa-check' | 'environments' | 'test-gate' | 'building' | 'publishing' | 'repositories' | 'deploying' | 'tagging' | 'done' | 'failed' | 'cancelled';
export type TargetStage = 'pending' | 'creating-machine' | 'enrolling' | 'loading-environment' | 'awaiting-gate' | 'building' | 'uploading' | 'deleting-machine' | 'done' | 'failed' | 'cancelled';

export interface ReleaseProgress {
  stage: ReleaseStage;
  targets: Record<string, TargetStage>;
}

export interface BuildTargetInput {
  project: string;
  version: string;
  releaseId: string;
  target: PlannedTarget;
  source: SourceRef;
  env: Record<string, string>;
  /** The released commit, written into the manifest. */
  commit?: string;
  /** Written into the manifest, so the purge keeps this release as long as its project asked. */
  retentionDays?: number;
  /** Started while the test gate runs: the machine is made ready, the build waits for the
   *  gatePassed signal. */
  holdForGate?: boolean;
}

/** A target provisioned during the gate, cancelled because the gate failed; its details hold
 *  { machineSeconds } the machine cost meanwhile. */
export const GATE_NOT_PASSED = 'GateNotPassed';

export interface TargetProgress {
  stage: TargetStage;
  attempt: number;
  machine: string | null;
}
