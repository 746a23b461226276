// A scheduled nightly (`tagship schedules apply`, a project's `nightly:` in the projects file):
// resolves the branch head and its version now, then starts that nightly's release — the same
// release workflow `tagship release nightly` starts — and leaves it running on its own.
// Workflow code: deterministic, side effects only through activities.
import { ParentClosePolicy, WorkflowIdReusePolicy, proxyActivities, startChild } from '@temporalio/workflow';
import type { createSourceActivities } from '../activities/source.ts';
import { releaseWorkflowId } from '../core/names.ts';
import { SA } from '../core/search-attributes.ts';
import { Profiles } from './profiles.ts';
import { release } from './release.ts';

const { resolveNightly } = proxyActivities<ReturnType<typeof createSourceActivities>>({ ...Profiles.storeScan, summary: 'find the branch head and its nightly version' });

export interface NightlyInput {
  project: string;
  branch: string;
}

export async function nightly(input: NightlyInput): Promise<{ workflowId: string; version: string; commit: string }> {
  const { commit, version } = await resolveNightly(input);
  const tag = `v${version}`;
  const workflowId = releaseWorkflowId(input.project, tag);
  await startChild(release, {
    workflowId,
    args: [{ project: input.project, tag, commit, nightly: { branch: input.branch } }],
    parentClosePolicy: ParentClosePolicy.ABANDON,
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    staticSummary: `release ${input.project} ${tag} (nightly of ${input.branch})`,
    typedSearchAttributes: [
      { key: SA.project, value: input.project },
      { key: SA.version, value: version },
      { key: SA.channel, value: 'nightly' },
      { key: SA.stage, value: 'validating' },
      { key: SA.commit, value: commit },
    ],
  });
  return { workflowId, version, commit };
}
