// Commands on machines: the test gate, the build, and copying artifacts out with their sha256
// checked at both ends. These run from the orchestrator through the machine shell port.
import { MachineLabel } from '../core/names.ts';
import { commandFailure, FailureType, nonRetryable } from '../core/failures.ts';
import { ChecksumMismatchError, type ArtifactEntry, type ArtifactKey, type ArtifactStore, type TargetManifest } from '../ports/artifacts.ts';
import type { MachineProvider, MachineShell } from '../ports/machines.ts';
import type { SourceRef } from './source.ts';
import { asFailure } from './machines.ts';
import { withHeartbeat } from './heartbeat.ts';
import { OutputTail } from '../core/output-tail.ts';

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
}

export interface CommandResult {
  command: string;
  exitCode: number;
  outputTail: string;
}

export interface RunBuildInput {
  machine: string;
  target: string;
  commands: string[];
  env: Record<string, string>;
  source: SourceRef;
}

export interface CollectArtifactsInput {
  machine: string;
  key: ArtifactKey;
  globs: string[];
  /** From the workflow's clock. */
  createdAt: string;
}

export interface BuildDeps {
  provider: MachineProvider;
  shell: MachineShell;
  artifacts: ArtifactStore;
}

interface Progress {
  step: number;
  of: number;
  command: string;
  tail: string;
}

/** Runs commands one by one in SOURCE_DIR, heartbeating the current one's output tail. */
async function runCommands(shell: MachineShell, machine: string, commands: string[], env: Record<string, string>, source: SourceRef): Promise<CommandResult> {
  return withHeartbeat(async (hb) => {
    // Start from a clean tree: a retried attempt must not build on a half-finished one.
    const clean = await shell.exec(machine, { command: `rm -rf ${SOURCE_DIR}`, env: {}, workdir: '/', signal: hb.signal });
    if (clean.exitCode !== 0) throw new Error(`could not clean ${SOURCE_DIR} on ${machine}: ${clean.outputTail}`);
    await shell.putTar(machine, source.path, SOURCE_DIR);
    let last: CommandResult = { command: '', exitCode: 0, outputTail: '' };
    for (const [i, command] of commands.entries()) {
      const tail = new OutputTail(2048);
      const progress: Progress = { step: i + 1, of: commands.length, command, tail: '' };
      hb.update(progress);
      const result = await shell.exec(machine, {
        command,
        env,
        workdir: SOURCE_DIR,
        signal: hb.signal,
        onOutput: (chunk) => {
          tail.push(chunk);
          hb.update({ ...progress, tail: tail.tail(10) });
        },
      });
      last = { command, ...result };
      if (result.exitCode !== 0) return last;
    }
    return last;
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
        return result;
      } catch (err) {
        throw asFailure(err);
      } finally {
        await deps.provider.delete(input.machine);
      }
    },

    async runBuild(input: RunBuildInput): Promise<CommandResult> {
      let result: CommandResult;
      try {
        result = await runCommands(deps.shell, input.machine, input.commands, input.env, input.source);
      } catch (err) {
        throw asFailure(err);
      }
      if (result.exitCode !== 0) {
        throw commandFailure(FailureType.BuildFailed, `The build of ${input.target}`, { ...result, target: input.target, step: 'build' });
      }
      return result;
    },

    /** Finds the artifacts by glob, hashes them on the machine, copies them out, re-hashes. */
    async collectArtifacts(input: CollectArtifactsInput): Promise<TargetManifest> {
      // Globs are validated by the config schema (no quotes, spaces or metacharacters
      // beyond * ? [ ]), so they are safe to expand unquoted here.
      const listing = input.globs.map((g) => `for f in ${g}; do [ -f "$f" ] && sha256sum "$f"; done; echo "--glob-end--"`).join('; ');
      let output = ''; // the whole listing, not just its tail: a target may have many artifacts
      const found = await deps.shell.exec(input.machine, { command: listing, env: {}, workdir: SOURCE_DIR, onOutput: (c) => (output += c) });
      if (found.exitCode !== 0 && !output.includes('--glob-end--')) {
        throw new Error(`listing artifacts on ${input.machine} failed: ${found.outputTail}`);
      }
      const sections = output.split('--glob-end--').slice(0, input.globs.length);
      const files = new Map<string, { path: string; sha256: string }>();
      sections.forEach((section, i) => {
        const lines = section.split('\n').map((l) => l.trim()).filter(Boolean);
        if (lines.length === 0) {
          throw nonRetryable(FailureType.ArtifactMissing, `target ${input.key.target}: artifact glob "${input.globs[i]}" matched no file after the build; check the build commands and the artifacts list in tagship.yml`);
        }
        for (const line of lines) {
          const [sha256, path] = line.split(/\s+/, 2) as [string, string];
          const name = path.split('/').pop()!;
          const prior = files.get(name);
          if (prior && prior.path !== path) {
            throw nonRetryable(FailureType.ArtifactMissing, `target ${input.key.target}: two artifacts are both named ${name} (${prior.path}, ${path}); artifact names must be unique per target`);
          }
          files.set(name, { path, sha256 });
        }
      });

      const artifacts: ArtifactEntry[] = [];
      for (const [name, f] of files) {
        const content = await deps.shell.readFile(input.machine, `${SOURCE_DIR}/${f.path}`);
        try {
          artifacts.push(await deps.artifacts.put(input.key, name, content, f.sha256, input.createdAt));
        } catch (err) {
          if (err instanceof ChecksumMismatchError) throw nonRetryable(FailureType.ChecksumMismatch, `target ${input.key.target}: ${err.message}`);
          throw err;
        }
      }
      artifacts.sort((a, b) => a.name.localeCompare(b.name));
      const manifest: TargetManifest = { ...input.key, artifacts };
      await deps.artifacts.writeManifest(manifest);
      return manifest;
    },
  };
}
