// Inputs, results and progress of the release workflow: the contract with clients and the UI.
import type { TargetManifest } from '../ports/artifacts.ts';
import type { Channel } from '../core/tag.ts';

export interface ReleaseInput {
  project: string;
  tag: string;
  /** The project's source tree on the orchestrator's host (embedded setup). */
  projectDir: string;
  /** Build only these targets; all targets when absent. */
  targets?: string[];
}

export interface TargetResult {
  target: string;
  machine: string;
  manifest: TargetManifest;
  /** From the create call to the confirmed delete, by the workflow's clock. */
  machineSeconds: number;
}

export interface ReleaseResult {
  project: string;
  tag: string;
  version: string;
  channel: Channel;
  targets: TargetResult[];
  machineSeconds: number;
}

export type ReleaseStage = 'validating' | 'loading' | 'test-gate' | 'building' | 'done' | 'failed';
export type TargetStage = 'pending' | 'creating-machine' | 'building' | 'collecting' | 'deleting-machine' | 'done' | 'failed';

export interface ReleaseProgress {
  stage: ReleaseStage;
  targets: Record<string, TargetStage>;
}
