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
}

export interface CommandResult {
  command: string;
  exitCode: number;
  outputTail: string;
}

export interface BuildDeps {
  provider: MachineProvider;
  shell: MachineShell;
  artifacts?: ArtifactStore;
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

export function createBuildActivities(deps: BuildDeps) {
  return {
    /** Runs the project's tests in a fresh container that lives only for this activity. */
    async runTestGate(input: TestGateInput): Promise<CommandResult> {
      try {
        // A container left by an earlier attempt of this step holds a half-run test: replace it.
        await deps.provider.delete(input.machine);
        await deps.provider.create({
          name: input.machine,
          arch: 'amd64',
          image: input.image,
          size: 'test-gate',
          labels: { [MachineLabel.release]: input.releaseId, [MachineLabel.role]: 'test-gate' },
        });
        const result = await runCommands(deps.shell, input.machine, [input.command], input.env, input.source);
        if (result.exitCode !== 0) throw commandFailure(FailureType.TestGateFailed, 'The test gate', { ...result, step: 'test gate' });
        if (input.release && deps.artifacts) {
          const passed: GateRecord = { sourceSha256: input.source.sha256, command: input.command, image: input.image };
          await deps.artifacts.writeRecord(input.release, 'test-gate', passed);
        }
        return result;
      } catch (err) {
        throw asFailure(err);
      } finally {
        await deps.provider.delete(input.machine);
      }
    },
  };
}
