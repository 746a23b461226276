// Many releases at once on one orchestrator worker, on simulated machines (no containers): how
// many complete, release latency p50/p99, the worker process's peak RSS, and how long the
// histories grow (events per release workflow and per target child) — the figures that say
// whether one worker carries a busy day.
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DEFAULT_STATE_DIR } from '../providers/paths.ts';
import { makeProject } from '../test/helpers/projects.ts';
import { startRelease } from '../client/release.ts';
import { withSimulatedWorker } from './simulated.ts';

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? 0;

export async function concurrentReleases(count: number, opts: { provisionMs?: number; buildSeconds?: number } = {}): Promise<void> {
  const name = `many-${Date.now().toString(36)}`;
  const dir = makeProject(`project: ${name}\ntestGate: { command: "true" }\ntargets:\n  - { name: t, arch: amd64, os: generic, build: ["sleep ${opts.buildSeconds ?? 2} && mkdir -p out && echo x > out/x"], artifacts: [out/x] }\n`);
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 250);
  try {
    await withSimulatedWorker(
      async ({ client, taskQueue }) => {
        const t0 = performance.now();
        const outcomes = await Promise.all(
          Array.from({ length: count }, async (_, i) => {
            const started = performance.now();
            const { handle } = await startRelease(client, { project: name, tag: `v1.0.${i}`, projectDir: dir, taskQueue });
            const ok = await handle.result().then(() => true, () => false);
            return { ok, ms: performance.now() - started, id: handle.workflowId };
          }),
        );
        const wall = performance.now() - t0;
        const done = outcomes.filter((o) => o.ok);
        const sample = outcomes.slice(0, 10);
        const events = await Promise.all(sample.map(async (o) => Number((await client.workflow.getHandle(o.id).describe()).raw.workflowExecutionInfo?.historyLength ?? 0)));
        const childEvents = await Promise.all(sample.map(async (o) => Number((await client.workflow.getHandle(`${o.id}/target/t`).describe()).raw.workflowExecutionInfo?.historyLength ?? 0)));
        const lat = done.map((o) => o.ms);
        console.log(`\n${count} concurrent releases on one worker (simulated machines: ${(opts.provisionMs ?? 1000) / 1000} s to provision, ${opts.buildSeconds ?? 2} s builds, 1 target each):`);
        console.log(`  completed ${done.length}/${count} in ${(wall / 1000).toFixed(1)} s; release latency p50 ${(quantile(lat, 0.5) / 1000).toFixed(1)} s, p99 ${(quantile(lat, 0.99) / 1000).toFixed(1)} s`);
        console.log(`  history events: release workflow ${Math.min(...events)}–${Math.max(...events)}, target child ${Math.min(...childEvents)}–${Math.max(...childEvents)}`);
        console.log(`  peak RSS of the worker process ${(peakRss / 2 ** 20).toFixed(0)} MiB (it also hosts the ${count} simulated machines' agents)`);
      },
      { workRoot: join(DEFAULT_STATE_DIR, 'bench', 'many-machines'), provisionMs: () => opts.provisionMs ?? 1000 },
    );
  } finally {
    clearInterval(sampler);
  }
}
