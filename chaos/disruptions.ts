// What a chaos run does to releases: SIGKILL the orchestrator (at a moment, or on entering a
// stage) and start it again after a random pause; kill the Temporal server and restart it on
// the same database; kill a build machine. Each resolves with what it did, for the record.
import { MachineLabel } from '../core/names.ts';
import type { ReleaseProgress } from '../workflows/types.ts';
import { docker } from '../test/helpers/projects.ts';
import { sleep, untilStage, type Disruption, type Handle } from './release-run.ts';
import type { World } from './world.ts';

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function stageOf(h: Handle): Promise<string> {
  return (await h.query<ReleaseProgress>('progress').catch(() => null))?.stage ?? '?';
}

async function killAndRestart(world: World, h: Handle, downMs: number, env?: Record<string, string>): Promise<string> {
  const stage = await stageOf(h);
  await world.killOrchestrator();
  await sleep(downMs);
  await world.startOrchestrator(env);
  return `${stage}, restarted after ${secs(downMs)}`;
}

/** SIGKILL of the orchestrator `atMs` into the release. */
export function killAt(world: World, atMs: number, downMs: number, env?: Record<string, string>): Disruption {
  return async (h, startedAt) => {
    await sleep(Math.max(0, startedAt + atMs - Date.now()));
    if ((await h.describe()).status.name !== 'RUNNING') return `SIGKILL at ${secs(atMs)} (after the release ended: none)`;
    return `SIGKILL at ${secs(atMs)} in ${await killAndRestart(world, h, downMs, env)}`;
  };
}

/** SIGKILL of the orchestrator as soon as the release enters `stage`. */
export function killOnStage(world: World, stage: ReleaseProgress['stage'], downMs: number, env?: Record<string, string>): Disruption {
  return async (h, startedAt) => {
    if (!(await untilStage(h, (s) => s === stage))) return `SIGKILL on ${stage} (never reached)`;
    return `SIGKILL on entering ${stage} at ${secs(Date.now() - startedAt)}, ${await killAndRestart(world, h, downMs, env)}`;
  };
}

/** The Temporal server SIGKILLed `atMs` into the release, restarted on its database after `downMs`. */
export function serverKillAt(world: World, atMs: number, downMs: number): Disruption {
  return async (h, startedAt) => {
    await sleep(Math.max(0, startedAt + atMs - Date.now()));
    const stage = await stageOf(h);
    await world.restartTemporal(downMs);
    return `server SIGKILL at ${secs(atMs)} in ${stage}, down ${secs(downMs)}`;
  };
}

/** One of the release's build machines killed (docker kill) `afterMs` into its build. */
export function machineKill(afterMs: number, rng: () => number): Disruption {
  return async (h) => {
    if (!(await untilStage(h, (s) => s === 'building'))) return 'machine kill (never building)';
    await sleep(afterMs);
    const running = await docker.listContainers({ filters: { label: [`${MachineLabel.release}=${h.workflowId}`, `${MachineLabel.role}=build`] } });
    const victim = running[Math.floor(rng() * running.length)];
    if (!victim) return `machine kill ${secs(afterMs)} into building (no machine running)`;
    await docker.getContainer(victim.Id).kill().catch(() => undefined);
    return `killed ${victim.Labels[MachineLabel.target]} machine ${secs(afterMs)} into building`;
  };
}
