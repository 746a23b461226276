// One release of the example under one disruption, and everything checked after it: how it
// ended, machines left, uploads the registries counted twice, and real apt-get and dnf clients
// installing the released version from the repo server.
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { startRelease } from '../client/release.ts';
import { deepestCause } from '../core/causes.ts';
import { MachineLabel } from '../core/names.ts';
import type { release } from '../workflows/release.ts';
import type { ReleaseProgress } from '../workflows/types.ts';
import { aptScript, dnfScript, inContainer } from '../test/helpers/clients.ts';
import { docker } from '../test/helpers/projects.ts';
import type { DoEmulator } from '../embedded/do-emulator.ts';
import { fetchKeyring, type World } from './world.ts';
import type { ReleaseRecord } from './table.ts';

/** The example's amd64 targets: the deb one also makes the crates and the Python package. */
export const TARGETS = ['amd64-deb', 'amd64-rpm'];
const PROJECT = 'hello-veilid';
/** Past this a release counts as stuck. */
const STUCK_MS = 15 * 60_000;

export type Handle = WorkflowHandle<typeof release>;

/** What is done to a running release; resolves with a description once it is over. */
export type Disruption = (h: Handle, startedAt: number) => Promise<string>;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls the release's stage until `ready` (or the release ends: false). */
export async function untilStage(h: Handle, ready: (stage: ReleaseProgress['stage']) => boolean): Promise<boolean> {
  for (;;) {
    const p = await h.query<ReleaseProgress>('progress').catch(() => null);
    if (p && ready(p.stage)) return true;
    if (p && ['done', 'failed', 'cancelled'].includes(p.stage)) return false;
    const d = await h.describe().catch(() => null);
    if (d && d.status.name !== 'RUNNING') return false;
    await sleep(100);
  }
}

async function outcomeOf(h: Handle): Promise<Pick<ReleaseRecord, 'outcome' | 'reason'>> {
  const timer = sleep(STUCK_MS).then(() => 'stuck' as const);
  const result = await Promise.race([h.result().then(() => 'completed' as const, (err: unknown) => err), timer]);
  if (result === 'completed' || result === 'stuck') return { outcome: result };
  const cause = result instanceof WorkflowFailedError && result.cause ? deepestCause(result.cause) : (result as Error);
  const type = (cause as { type?: string }).type;
  return { outcome: 'failed', reason: `${type ? `${type}: ` : ''}${cause.message}`.slice(0, 300) };
}

/** Build machines of this release still present: containers, and droplets the emulator still holds. */
async function machinesLeft(h: Handle, version: string, emulator?: DoEmulator): Promise<number> {
  const containers = await docker.listContainers({ all: true, filters: { label: [`${MachineLabel.release}=${h.workflowId}`] } });
  const droplets = emulator ? [...emulator.droplets.values()].filter((d) => d.name.includes(`-${version.replace(/\./g, '-')}-`) || d.name.includes(`-${version}-`)) : [];
  return containers.length + droplets.length;
}

/** Uploads of this version that a registry received more than once. */
function doublePublishes(world: World, version: string): number {
  let extra = 0;
  for (const [key, n] of world.crates.uploadsOf) if (key.endsWith(`@${version}`) && n > 1) extra += n - 1;
  for (const [file, n] of world.pypi.uploads) if (file.includes(`-${version}`) && n > 1) extra += n - 1;
  return extra;
}

export function aptLine(world: World, suite = 'stable'): string {
  return `deb [signed-by=/usr/share/keyrings/tagship-test.gpg] ${world.repo.url}/${PROJECT}/deb ${suite} main`;
}

/** apt-get and dnf, each in a clean container, install exactly this version. */
async function clientReads(world: World, version: string): Promise<{ reads: number; failures: string[] }> {
  const failures: string[] = [];
  if (!(await fetchKeyring(world))) return { reads: 2, failures: ['the apt keyring is not served'] };
  const apt = await inContainer(aptScript(aptLine(world), `apt-get install -y hello-veilid-cli=${version} >/dev/null 2>&1\nhello-veilid-cli --version`), { mounts: { [world.keysDir]: '/keys' } });
  if (apt.code !== 0 || !apt.output.includes(`hello-veilid-cli ${version}`)) failures.push(`apt-get: ${apt.output.slice(-300)}`);
  const dnf = await inContainer(dnfScript(`${world.repo.url}/${PROJECT}/rpm/stable/${PROJECT}.repo`, `hello-veilid-cli-${version}`));
  if (dnf.code !== 0 || !dnf.output.includes(`hello-veilid-cli ${version}`)) failures.push(`dnf: ${dnf.output.slice(-300)}`);
  return { reads: 2, failures };
}

export interface RunOptions {
  suite: string;
  tag: string;
  taskQueue: string;
  disruption?: Disruption;
  /** The undisturbed release's wall time, to tell what the disruption cost. */
  baselineMs: number;
  emulator?: DoEmulator;
  /** Check with real clients afterwards (off while another loop reads). */
  read?: boolean;
}

export async function runRelease(world: World, o: RunOptions): Promise<ReleaseRecord> {
  const version = o.tag.replace(/^v/, '');
  const startedAt = Date.now();
  const { handle } = await startRelease(world.client, { project: PROJECT, tag: o.tag, projectDir: world.projectDir, taskQueue: o.taskQueue, targets: TARGETS });
  const disrupted = o.disruption ? o.disruption(handle, startedAt) : Promise.resolve('none');
  const ended = await outcomeOf(handle);
  const wallMs = Date.now() - startedAt;
  const disruption = await disrupted;
  const reads = ended.outcome === 'completed' && o.read !== false ? await clientReads(world, version) : { reads: 0, failures: [] };
  for (const f of reads.failures) console.log(`    client read failed: ${f}`);
  return {
    suite: o.suite,
    tag: o.tag,
    disruption,
    ...ended,
    wallMs,
    lostMs: Math.max(0, wallMs - o.baselineMs),
    machinesLeft: await machinesLeft(handle, version, o.emulator),
    doublePublishes: doublePublishes(world, version),
    clientReads: reads.reads,
    clientReadFailures: reads.failures.length,
  };
}
