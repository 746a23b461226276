// Build environments: before the test gate, every Dockerfile the plan names (machine.image or
// testGate.image `{ dockerfile }`) is built once per arch — or found, when an earlier release
// built the same content — and the plan's gate and targets are pointed at it. Workflow code.
import { proxyActivities } from '@temporalio/workflow';
import { Profiles } from '../../workflows/profiles.ts';
import { environmentId, plannedEnvironments } from '../../core/plan.ts';
import type { createEnvironmentActivities } from './activities.ts';
import { planOf, type Pipe } from '../pipe.ts';

export const environments: Pipe = {
  name: 'environments',
  applies: (r) => r.plan !== undefined && plannedEnvironments(r.plan).length > 0,
  run: async (r) => {
    const plan = planOf(r);
    const wanted = plannedEnvironments(plan);
    r.enter('environments', wanted.map((e) => `${'steps' in e ? 'tagship.yml steps' : e.dockerfile} (${e.arch})`).join(', '));
    const { buildEnvironment } = proxyActivities<ReturnType<typeof createEnvironmentActivities>>({ ...Profiles.imageBuild, summary: 'build environment' });
    const built = await Promise.all(
      wanted.map((e) => buildEnvironment({ project: plan.project, environment: 'steps' in e ? { steps: e.steps, arch: e.arch } : { dockerfile: e.dockerfile, context: e.context, arch: e.arch }, source: r.source, ...(r.released.commit ? { commit: r.released.commit } : {}) })),
    );
    const byId = new Map(wanted.map((e, i) => [environmentId(e), built[i]!]));
    r.result.environments = Object.fromEntries([...byId].map(([id, b]) => [id, { image: b.image, imageId: b.imageId, reused: b.reused }]));
    // The gate runs in the environment itself; a target's machine stays tagship's, and its
    // builds run inside the environment's root filesystem.
    const gate = plan.testGate.environment;
    if (gate) {
      const b = byId.get(environmentId(gate))!;
      plan.testGate = { ...plan.testGate, image: b.image, environment: { ...gate, image: b.image, env: b.env } };
    }
    plan.targets = plan.targets.map((t) => {
      const e = t.machine.environment;
      if (!e) return t;
      const b = byId.get(environmentId(e))!;
      return { ...t, machine: { ...t.machine, environment: { ...e, image: b.image, env: b.env } } };
    });
  },
};
