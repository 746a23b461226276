// The release pipeline's contract. A release is one ordered list of pipes (pipes/index.ts) over
// one shared run: each pipe says when it applies (from the plan and the loaded config, never by
// reading anything again), which artifact kinds it consumes and produces, whether it is
// irreversible, and runs — through its own activities — filling in its part of the result.
// Packages and container apps are the same list; a pipe that does not apply issues nothing.
// Workflow code: deterministic, side effects only through activities.
import type { ArtifactKind, KindHints } from '../core/artifact-kinds.ts';
import type { TagshipConfig } from '../core/config/schema.ts';
import type { ReleasePlan } from '../core/plan.ts';
import type { PriorWork } from '../core/resume.ts';
import type { SourceRef } from '../core/source.ts';
import type { ParsedTag } from '../core/tag.ts';
import type { ReleaseInput, ReleaseProgress, ReleaseResult, ReleaseStage, ReleasedSource, TargetResult } from '../workflows/types.ts';
import type { EarlyTargets } from './provisioning/step.ts';

/** A file a pipe adds to the deployed tree: an artifact of the release, or text a pipe kept in
 *  one of the release's records (`record` names it, `field` the text in it). */
export type TreeFile = { name: string; artifact: { target: string; name: string } } | { name: string; record: string; field: string };

/** A folder of the deployed tree (relative to the project's tree) and what goes in it. */
export interface TreePart {
  folder: string;
  files: TreeFile[];
}

/** One run of the release as the pipes see it: what was loaded and planned, and what each pipe
 *  leaves for the later ones and for the result. */
export interface ReleaseRun {
  input: ReleaseInput;
  tag: ParsedTag;
  config: TagshipConfig;
  source: SourceRef;
  released: ReleasedSource;
  /** Present when the config releases packages (targets and a test gate). */
  plan?: ReleasePlan;
  progress: ReleaseProgress;
  enter: (stage: ReleaseStage, details: string) => void;
  /** What earlier runs of this release finished (retries only). */
  prior?: PriorWork;
  /** Steps a retry did not run again, for the result. */
  kept: string[];
  /** Every target's result, once built. */
  targets: TargetResult[];
  /** What the deploy puts in the tree besides the repositories. */
  tree: TreePart[];
  /** Values a pipe hands to a later one (by the producing pipe's name). */
  handoff: Record<string, unknown>;
  /** The list being walked (a retry asks which publishers apply). */
  pipeline: readonly Pipe[];
  /** Targets whose machines were started while the test gate runs (pipes/provisioning/step.ts). */
  early?: EarlyTargets;
  result: Partial<ReleaseResult>;
}

export interface Pipe {
  /** Unique; names the pipe in results, records and what a retry kept. */
  name: string;
  /** Whether it runs in this release. Must not call patched() unless it would otherwise run. */
  applies(r: ReleaseRun): boolean;
  consumes?: readonly ArtifactKind[];
  produces?: readonly ArtifactKind[];
  /** Publishes somewhere nothing can be taken back: it runs only after every target built and
   *  every artifact was verified, and a retry asks its record whether it is already done. */
  irreversible?: boolean;
  /** In a dry run, instead of run: say what it would do, touching nothing outside tagship (a
   *  publisher lists the files it would send). An irreversible pipe without one is skipped. */
  preview?(r: ReleaseRun): Promise<void>;
  /** What it tells kind inference about the project's files (the Python publisher: its
   *  package's `.tar.gz` is an sdist, not an archive). */
  kindHints?(config: TagshipConfig): KindHints;
  run(r: ReleaseRun): Promise<void>;
}

/** The pipes' kind hints together, for the plan. */
export function kindHintsOf(pipes: readonly Pipe[], config: TagshipConfig): KindHints {
  const distributions = pipes.flatMap((p) => p.kindHints?.(config).pythonDistributions ?? []);
  return distributions.length ? { pythonDistributions: distributions } : {};
}

/** Walks the list in order. A dry run previews the pipes that can, and skips the other
 *  irreversible ones; a nightly runs no irreversible pipe at all (it publishes nothing). */
export async function runPipeline(pipes: readonly Pipe[], r: ReleaseRun): Promise<void> {
  // A dry run always says it was one, even when nothing would have been published.
  if (r.input.dryRun) dryRunOf(r);
  for (const pipe of pipes) {
    if ((r.input.nightly && pipe.irreversible) || !pipe.applies(r)) continue;
    if (!r.input.dryRun) await pipe.run(r);
    else if (pipe.preview) await pipe.preview(r);
    else if (pipe.irreversible) dryRunOf(r).skipped.push(pipe.name);
    else await pipe.run(r);
  }
}

/** The dry run's account in the result, made on first use. */
export function dryRunOf(r: ReleaseRun): NonNullable<ReleaseResult['dryRun']> {
  return (r.result.dryRun ??= { wouldPublish: {}, skipped: [] });
}

/** The plan of a package release, for the pipes that run only with one. */
export function planOf(r: ReleaseRun): ReleasePlan {
  if (!r.plan) throw new Error('this step needs a package release plan');
  return r.plan;
}

/** Enters a stage unless the release is already in it (several publishers are one stage). */
export function enterOnce(r: ReleaseRun, stage: ReleaseStage, details: string): void {
  if (r.progress.stage !== stage) r.enter(stage, details);
}

export type { TagshipConfig };
