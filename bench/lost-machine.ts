// A build machine that dies (issue 22, item 3): what it costs a release. One-target releases on
// the docker provider (real machine containers, the real agent in each): one undisturbed, one
// whose machine is killed the moment its container exists — before its agent can poll — and one
// whose machine is killed two seconds into its build. Time lost = wall − the undisturbed wall.
import { performance } from 'node:perf_hooks';
import { MachineLabel } from '../core/names.ts';
import { withWorker } from '../test/helpers/temporal.ts';
import { docker, makeProject } from '../test/helpers/projects.ts';
import { startRelease } from '../client/release.ts';
import { sleep, untilStage } from '../chaos/release-run.ts';
import { recordGoal } from './goals.ts';

type Kill = 'none' | 'before its agent polls' | 'mid-build';

export async function lostMachineFigures(): Promise<void> {
  const project = `lost-${Date.now().toString(36)}`;
  const dir = makeProject(`project: ${project}\ntestGate: { command: "true" }\ntargets:\n  - { name: t, arch: amd64, os: generic, build: ["sleep 4 && mkdir -p out && echo x > out/x"], artifacts: [out/x] }\n`);
  await withWorker(async ({ client, taskQueue }) => {
    let n = 0;
    const release = async (kill: Kill): Promise<{ wallS: number; ok: boolean; killed: boolean }> => {
      const t0 = performance.now();
      const { handle } = await startRelease(client, { project, tag: `v1.0.${n++}`, projectDir: dir, taskQueue });
      let killed = false;
      if (kill !== 'none') {
        if (kill === 'mid-build') {
          await untilStage(handle, (s) => s === 'building');
          await sleep(2_000);
        }
        // The machine's container, as soon as it exists (polled every 50 ms).
        for (let i = 0; i < 1200 && !killed; i++) {
          const [victim] = await docker.listContainers({ filters: { label: [`${MachineLabel.release}=${handle.workflowId}`, `${MachineLabel.role}=build`] } });
          if (victim) killed = await docker.getContainer(victim.Id).kill().then(() => true, () => false);
          else await sleep(50);
        }
      }
      const ok = await handle.result().then(() => true, () => false);
      return { wallS: (performance.now() - t0) / 1000, ok, killed };
    };
    await release('none'); // warm-up: images and caches
    const base = await release('none');
    console.log(`\na machine lost (docker machines, one target, 4 s build): undisturbed ${base.wallS.toFixed(1)} s`);
    for (const kill of ['before its agent polls', 'mid-build'] as const) {
      const r = await release(kill);
      const lost = r.wallS - base.wallS;
      console.log(`  killed ${kill}: ${r.ok ? 'completed' : 'FAILED'} in ${r.wallS.toFixed(1)} s — ${lost.toFixed(1)} s lost${r.killed ? '' : ' (no machine was found to kill)'}`);
      recordGoal(`a machine lost ${kill}: time lost`, r.ok && r.killed ? `${lost.toFixed(1)} s` : r.ok ? 'not killed' : 'release FAILED', '≤ 30 s', r.ok && r.killed && lost <= 30);
    }
  });
}
