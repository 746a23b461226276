// Machine lifecycle activities over the provider port. All are idempotent by machine name:
// create finds what an earlier attempt made, delete of a machine already gone succeeds.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import { ProviderError, type DeleteOutcome, type MachineInfo, type MachineProvider, type MachineSpec } from '../ports/machines.ts';
import type { ReleaseState } from '../core/reaper.ts';
import { withHeartbeat } from './heartbeat.ts';
import { invalidInput } from './inputs.ts';
import { FailureType, nonRetryable } from '../core/failures.ts';
import { ENV_ROOT } from '../core/build-env.ts';

export interface CreateMachineInput {
  spec: MachineSpec;
}

export interface MachineNameInput {
  name: string;
}

export interface LoadEnvironmentInput {
  name: string;
  /** tagship-env/<project>:<key>, built by the environments pipe. */
  image: string;
}

/** What the build needs to find the environment: nothing when the provider put the files on the
 *  machine; else the content address of its files, which the machine's agent fetches and
 *  unpacks itself (droplets). */
export interface LoadedEnvironment {
  rootfs?: { sha256: string };
}

export interface DeleteMachineResult {
  name: string;
  outcome: DeleteOutcome;
}

/** Provider errors become typed failures; non-retryable ones stop the retries at once. */
export function asFailure(err: unknown): unknown {
  if (err instanceof ProviderError) {
    return ApplicationFailure.create({ type: err.failureType, message: err.message, nonRetryable: !err.retryable });
  }
  return err;
}

export function createMachineActivities(deps: { provider: MachineProvider; client?: Client; exportEnvironment?: (image: string) => Promise<{ sha256: string; size: number }> }) {
  return {
    /** Heartbeats while the provider boots the machine (a droplet takes a minute or two), so a
     *  lost worker's create is retried in seconds — and the retry finds the same machine. */
    async createMachine({ spec }: CreateMachineInput): Promise<MachineInfo> {
      try {
        const info = await withHeartbeat(() => deps.provider.create(spec));
        // The SDK's activity logger adds the workflow (release or target), activity and attempt.
        Context.current().log.info('machine created', { machine: spec.name, provider: deps.provider.kind, arch: spec.arch, size: spec.size, image: spec.image });
        return info;
      } catch (err) {
        throw asFailure(err);
      }
    },

    async deleteMachine({ name }: MachineNameInput): Promise<DeleteMachineResult> {
      try {
        const outcome = await deps.provider.delete(name);
        Context.current().log.info('machine deleted', { machine: name, outcome });
        return { name, outcome };
      } catch (err) {
        throw asFailure(err);
      }
    },

    /** Looks at a machine whose agent has not enrolled yet: fails with MachineLost when the
     *  provider reports it stopped or gone (the workflow then moves to a fresh machine at once,
     *  rather than after the hello's whole wait to be picked up). */
    async checkEnrolling({ name }: MachineNameInput): Promise<void> {
      const info = await deps.provider.describe(name);
      if (info === null || info.state === 'stopped') {
        throw ApplicationFailure.create({ type: 'MachineLost', message: `machine ${name} ${info ? 'stopped' : 'disappeared'} before its agent enrolled`, nonRetryable: true });
      }
    },

    /** Puts a build environment's files on a machine (ENV_ROOT), before its build — or, for a
     *  provider that cannot (a droplet is elsewhere), makes them a file its agent fetches. */
    async loadEnvironment({ name, image }: LoadEnvironmentInput): Promise<LoadedEnvironment> {
      if (!/^[a-z0-9][a-z0-9._-]*$/.test(name)) throw invalidInput('name', `${JSON.stringify(name)} is not a machine name`);
      const load = deps.provider.loadEnvironment?.bind(deps.provider);
      const exported = deps.exportEnvironment;
      if (!load && !exported) throw nonRetryable(FailureType.ConfigInvalid, `the ${deps.provider.kind} provider cannot run build environments from Dockerfiles; name a machine image instead (machine.image), or build on the docker provider`);
      try {
        if (load) {
          await withHeartbeat(() => load(name, image, ENV_ROOT));
          Context.current().log.info('environment loaded', { machine: name, image });
          return {};
        }
        const files = await withHeartbeat(() => exported!(image));
        Context.current().log.info('environment exported for the machine to fetch', { machine: name, image, sha256: files.sha256, bytes: files.size });
        return { rootfs: { sha256: files.sha256 } };
      } catch (err) {
        throw asFailure(err);
      }
    },

    /** Fails (and is retried) while the provider still reports the machine. */
    async verifyMachineGone({ name }: MachineNameInput): Promise<void> {
      const info = await deps.provider.describe(name);
      if (info) throw ApplicationFailure.retryable(`machine ${name} is still present (${info.state}) after its delete`, 'MachineStillPresent');
    },

    /** Every machine tagship made, for the reaper. */
    async listManagedMachines(): Promise<MachineInfo[]> {
      return deps.provider.list({});
    },

    /** Whether each release workflow is still running; the reaper spares running ones. */
    async releaseStates({ releaseIds }: { releaseIds: string[] }): Promise<Record<string, ReleaseState>> {
      if (!deps.client) throw new Error('releaseStates needs a Temporal client in the worker');
      const out: Record<string, ReleaseState> = {};
      for (const id of releaseIds) {
        try {
          const d = await deps.client.workflow.getHandle(id).describe();
          out[id] = d.status.name === 'RUNNING' ? 'running' : 'closed';
        } catch {
          // A release the server does not know (deleted history, another namespace): unknown,
          // so only the age limit can reap its machines.
          out[id] = 'unknown';
        }
      }
      return out;
    },
  };
}

