// The signed deb and rpm repositories and whatever other pipes add to the tree (the release
// files and their checksums), built on the live tree, then deployed atomically — one deploy per
// repository at a time; another release deploying first means building again on its tree.
// Workflow code.
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import { shortHash } from '../../core/names.ts';
import { Profiles } from '../../workflows/profiles.ts';
import { buildThenDeploy } from '../../workflows/deploy.ts';
import type { createRepositoryActivities } from './activities.ts';
import { dryRunOf, planOf, type Pipe, type ReleaseRun } from '../pipe.ts';
import { recordedArtifacts } from '../artifacts.ts';

const { buildRepositories } = proxyActivities<ReturnType<typeof createRepositoryActivities>>({ ...Profiles.repositories, summary: 'build and sign the package repositories' });

export const repositories: Pipe = {
  name: 'repositories',
  consumes: ['deb', 'rpm'],
  applies: (r) => r.plan !== undefined && (!!(r.config.repositories && (r.config.repositories.deb || r.config.repositories.rpm)) || r.tree.length > 0),
  run: async (r) => {
    const plan = planOf(r);
    const { built, deployed } = await buildThenDeploy(
      plan.project,
      () => buildRepositories(buildInput(r)),
      {
        building: (again) => r.enter('repositories', again ? 'another release deployed first: indexing and signing again on its tree' : 'indexing and signing'),
        deploying: () => r.enter('deploying', 'copying beside the live tree, then switching'),
      },
    );
    r.result.repositories = { live: deployed.live, ...(built.deb ? { debSuite: built.deb.suite } : {}), ...(built.rpm ? { rpmSuite: built.rpm.suite } : {}) };
  },
  // A dry run builds and signs the whole tree where a deploy would take it from, and stops there.
  preview: async (r) => {
    r.enter('repositories', 'indexing and signing into a staging tree (dry run: not deployed)');
    dryRunOf(r).staged = (await buildRepositories(buildInput(r))).staging;
  },
};

function buildInput(r: ReleaseRun): Parameters<typeof buildRepositories>[0] {
  const plan = planOf(r);
  const { workflowId, runId } = workflowInfo();
  return {
    project: plan.project,
    version: plan.version,
    channel: plan.channel,
    ...(r.config.repositories ? { repositories: r.config.repositories } : {}),
    targets: plan.targets.map((t) => ({ name: t.name, os: t.os })),
    stagingId: `${plan.version}-${shortHash(`${workflowId}/${runId}`)}`,
    expected: recordedArtifacts(r.targets, plan.kindHints ?? {}),
    ...(r.result.provenance ? { provenance: true } : {}),
    ...(r.tree.length ? { tree: r.tree } : {}),
  };
}
