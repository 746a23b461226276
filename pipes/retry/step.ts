// A retry (`tagship release retry`) first asks the store what earlier runs of this release
// finished — intact targets, the gate's record, each publish pipe's record — and the later
// pipes keep what still stands (core/resume.ts). A first run never asks, so its history is
// what it always was. Workflow code.
import { proxyActivities } from '@temporalio/workflow';
import { Profiles } from '../../workflows/profiles.ts';
import type { createResumeActivities } from '../../activities/resume.ts';
import { planOf, type Pipe } from '../pipe.ts';

const { inspectPriorWork } = proxyActivities<ReturnType<typeof createResumeActivities>>({ ...Profiles.storeScan, summary: 'find what earlier runs of this release finished' });

export const retry: Pipe = {
  name: 'retry',
  applies: (r) => r.plan !== undefined && r.input.resume !== undefined,
  run: async (r) => {
    const plan = planOf(r);
    const publishers = r.pipeline.filter((p) => p.irreversible && p.applies(r)).map((p) => p.name);
    r.prior = await inspectPriorWork({ project: plan.project, version: plan.version, targets: plan.targets.map((t) => t.name), publishers });
  },
};
