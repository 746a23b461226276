// The test gate: the project's tests in a fresh container on the orchestrator's host, driven
// through the machine shell port (builds run on their machines' agents: activities/agent.ts).
import { MachineLabel } from '../core/names.ts';
import { commandFailure, FailureType } from '../core/failures.ts';
import type { MachineProvider, MachineShell } from '../ports/machines.ts';
import type { ArtifactStore, ReleaseKey } from '../ports/artifacts.ts';
import type { GateRecord } from '../core/resume.ts';
import type { SourceRef } from './source.ts';
import { asFailure } from './machines.ts';
import { withHeartbeat } from './heartbeat.ts';
import { runCommandSteps, type RunCommand } from './command-steps.ts';
import { cacheTally, lockFilesOf } from './cache-offer.ts';
import type { CacheFamily } from '../core/dependency-cache.ts';
import { restoreForGate, saveFromGate } from './gate-cache.ts';
import type { DependencyCaches } from '../providers/gateway/dependency-caches.ts';

/** Where the project's source is unpacked on every machine. */
export const SOURCE_DIR = '/work/src';

export interface TestGateInput {
  /** The container's name; derived from the release run, so a retry replaces it. */
  machine: string;
  releaseId: string;
  image: string;
  command: string;
  env: Record<string, string>;
  source: SourceRef;
  /** Where to record a pass, so a retry of the release need not run the gate again. */
  release?: ReleaseKey;
  /** Outbound network for the tests (tagship.yml testGate.network): the egress bridge. */
  network?: boolean;
}

export interface CommandResult {
  command: string;
  exitCode: number;
  outputTail: string;
  /** A build of a project with lock files: files its dependency caches put in place, and new
   *  ones it kept for the next release. */
  cache?: { restored: number; stored: number; problem?: string };
}

export interface BuildDeps {
  provider: MachineProvider;
  shell: MachineShell;
  artifacts?: ArtifactStore;
  /** Projects' dependency caches: the gate of a project with a Cargo.lock uses its own. */
  caches?: DependencyCaches;
}

/** Runs commands one by one in SOURCE_DIR, heartbeating the current one's output tail. */
export async function runCommands(shell: MachineShell, machine: string, commands: string[], env: Record<string, string>, source: SourceRef): Promise<CommandResult> {
  return withHeartbeat(async (hb) => {
    // Start from a clean tree: a retried attempt must not build on a half-finished one.
    const clean = await shell.exec(machine, { command: `rm -rf ${SOURCE_DIR}`, env: {}, workdir: '/', signal: hb.signal });
    if (clean.exitCode !== 0) throw new Error(`could not clean ${SOURCE_DIR} on ${machine}: ${clean.outputTail}`);
    await shell.putTar(machine, source.path, SOURCE_DIR);
    const run: RunCommand = async (command, onOutput) => (await shell.exec(machine, { command, env, workdir: SOURCE_DIR, signal: hb.signal, onOutput })).exitCode;
    return runCommandSteps(commands, hb, run, { tailChars: 2048 });
  });
}

/** Runs `fn` in a fresh container of `image` that lives only for this call: one left by an
 *  earlier attempt (a half-run step) is replaced first, and it is deleted however `fn` ends. */
export async function inScratchContainer<T>(provider: MachineProvider, c: { machine: string; ownerId: string; image: string; role: string; network?: boolean }, fn: () => Promise<T>): Promise<T> {
  try {
    await provider.delete(c.machine);
    await provider.create({ name: c.machine, arch: 'amd64', image: c.image, size: c.role, labels: { [MachineLabel.release]: c.ownerId, [MachineLabel.role]: c.role }, ...(c.network ? { network: true } : {}) });
    return await fn();
  } catch (err) {
    throw asFailure(err);
  } finally {
    await provider.delete(c.machine);
  }
}

export function createBuildActivities(deps: BuildDeps) {
  return {
    /** Runs the project's tests in a fresh container that lives only for this activity. */
    runTestGate(input: TestGateInput): Promise<CommandResult> {
      return inScratchContainer(deps.provider, { machine: input.machine, ownerId: input.releaseId, image: input.image, role: 'test-gate', ...(input.network ? { network: true } : {}) }, async () => {
        // A project with lock files gets its dependency caches (a family per kind of lock file);
        // a cache never fails the gate.
        const locks = deps.caches && input.release ? await lockFilesOf(input.source.path) : new Map<CacheFamily, string[]>();
        const cache = deps.caches && input.release && locks.size ? { caches: deps.caches, project: input.release.project, shell: deps.shell, machine: input.machine, env: input.env } : null;
        const tally = cacheTally();
        let restored = 0;
        if (cache) for (const family of locks.keys()) restored += await restoreForGate(cache, family).catch(tally.noted(`${family.name} not restored`));
        const result = await runCommands(deps.shell, input.machine, [input.command], input.env, input.source);
        if (result.exitCode !== 0) throw commandFailure(FailureType.TestGateFailed, 'The test gate', { ...result, step: 'test gate' });
        if (cache) {
          let stored = 0;
          for (const [family, texts] of locks) stored += await saveFromGate(cache, family, texts).catch(tally.noted(`${family.name} not saved`));
          result.cache = tally.result(restored, stored);
        }
        if (input.release && deps.artifacts) {
          const passed: GateRecord = { sourceSha256: input.source.sha256, command: input.command, image: input.image };
          await deps.artifacts.writeRecord(input.release, 'test-gate', passed);
        }
        return result;
      });
    },
  };
}
