// A registry publish as a pipe: irreversible, so it runs after every target built and every
// artifact was verified, and a retry skips it when its earlier outcome still stands (the same
// registry, exactly the same files: core/resume.ts). Each publisher (crates, python, …) lives
// in its own folder and says which recorded files it sends. Workflow code.
import type { ArtifactEntry } from '../core/artifacts.ts';
import type { ArtifactKind, KindHints } from '../core/artifact-kinds.ts';
import type { PublishOutcome } from '../core/publish-outcome.ts';
import { filesOf, publishStillDone } from '../core/resume.ts';
import type { PublishInput } from '../activities/publish-record.ts';
import { dryRunOf, enterOnce, planOf, type Pipe, type ReleaseRun, type TagshipConfig } from './pipe.ts';
import { recordedArtifacts } from './artifacts.ts';

export interface Publisher {
  name: string;
  /** How the stage and a retry's "kept" list name it. */
  label: string;
  consumes: readonly ArtifactKind[];
  applies(config: TagshipConfig): boolean;
  /** Where it publishes (a name the worker's environment resolves). */
  registry(config: TagshipConfig): string;
  /** Which recorded artifacts it sends. */
  picks(config: TagshipConfig, version: string): (a: ArtifactEntry) => boolean;
  send(r: ReleaseRun, base: PublishInput): Promise<Record<string, PublishOutcome>>;
  kindHints?(config: TagshipConfig): KindHints;
}

export function publisherPipe(p: Publisher): Pipe {
  return {
    name: p.name,
    consumes: p.consumes,
    irreversible: true,
    ...(p.kindHints ? { kindHints: (c: TagshipConfig) => p.kindHints!(c) } : {}),
    applies: (r) => r.plan !== undefined && p.applies(r.config),
    run: async (r) => {
      const plan = planOf(r);
      // Several publishers are one stage (the list's order is the publish order).
      enterOnce(r, 'publishing', p.label);
      const hints = plan.kindHints ?? {};
      const base: PublishInput = { project: plan.project, version: plan.version, targets: plan.targets.map((t) => t.name), partial: r.input.targets !== undefined, expected: recordedArtifacts(r.targets, hints) };
      const published = (r.result.published ??= {});
      const wanted = filesOf(r.targets.map((t) => t.manifest), p.picks(r.config, plan.version));
      const done = r.prior && publishStillDone(r.prior.published[p.name] ?? null, p.registry(r.config), wanted);
      if (done) r.kept.push(p.label);
      published[p.name] = done || (await p.send(r, base));
    },
    preview: (r) => {
      const files = filesOf(r.targets.map((t) => t.manifest), p.picks(r.config, planOf(r).version));
      dryRunOf(r).wouldPublish[p.name] = Object.keys(files).sort();
      return Promise.resolve();
    },
  };
}
