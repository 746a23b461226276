// Signed provenance of what was built, before anything is published: which commit, config,
// machines and commands produced which digests (and the checksums file, when the release has
// one). Patched in: releases that started before it replay without it. Workflow code.
import { patched, proxyActivities, workflowInfo } from '@temporalio/workflow';
import { Profiles } from '../../workflows/profiles.ts';
import type { ReleasePlan } from '../../core/plan.ts';
import { workflowNowIso } from '../../workflows/clock.ts';
import type { createProvenanceActivities, WriteProvenanceInput } from './activities.ts';
import { planOf, type Pipe, type ReleaseRun } from '../pipe.ts';
import { digestsOf } from '../artifacts.ts';
import { CHECKSUMS_HANDOFF, type ChecksumsHandoff } from '../checksums/handoff.ts';

const { writeProvenance } = proxyActivities<ReturnType<typeof createProvenanceActivities>>({ ...Profiles.provenance, summary: 'sign the provenance of the artifacts' });

export const provenance: Pipe = {
  name: 'provenance',
  produces: ['provenance'],
  applies: (r) => r.plan !== undefined && patched('provenance'),
  run: async (r) => {
    r.result.provenance = await writeProvenance(provenanceInput(r));
  },
};

/** The machine as the provenance tells it: an environment by its image, not its ENV. */
function machineOf(m: ReleasePlan['targets'][number]['machine']): WriteProvenanceInput['targets'][number]['machine'] {
  if (!m.environment) return m;
  const environment = { ...m.environment };
  delete environment.env;
  return { ...m, environment };
}

function provenanceInput(r: ReleaseRun): WriteProvenanceInput {
  const plan = planOf(r);
  const info = workflowInfo();
  const recorded = digestsOf(r.targets);
  const sums = r.handoff[CHECKSUMS_HANDOFF] as ChecksumsHandoff | undefined;
  return {
    project: plan.project,
    tag: plan.tag,
    version: plan.version,
    builderId: `urn:tagship:orchestrator:${info.taskQueue}`,
    invocationId: `${info.workflowId}/${info.runId}`,
    startedOn: info.startTime.toISOString(),
    finishedOn: workflowNowIso(),
    source: r.released,
    testGate: { command: plan.testGate.command, image: plan.testGate.image },
    targets: plan.targets.map((t) => ({ name: t.name, arch: t.arch, os: t.os, machine: machineOf(t.machine), commands: t.build, artifacts: recorded[t.name] ?? {} })),
    ...(r.result.environments ? { environments: Object.entries(r.result.environments).map(([name, e]) => ({ name, image: e.image, imageId: e.imageId })) } : {}),
    ...(sums ? { files: [{ name: sums.file, sha256: sums.sha256 }] } : {}),
  };
}
