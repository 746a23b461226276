// Machine lifecycle activities over the provider port. Both are idempotent by machine name:
// create finds what an earlier attempt made, delete of a machine already gone succeeds.
import { ApplicationFailure } from '@temporalio/common';
import { ProviderError, type DeleteOutcome, type MachineInfo, type MachineProvider, type MachineSpec } from '../ports/machines.ts';

export interface CreateMachineInput {
  spec: MachineSpec;
}

export interface DeleteMachineInput {
  name: string;
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

export function createMachineActivities(deps: { provider: MachineProvider }) {
  return {
    async createMachine({ spec }: CreateMachineInput): Promise<MachineInfo> {
      try {
        return await deps.provider.create(spec);
      } catch (err) {
        throw asFailure(err);
      }
    },

    async deleteMachine({ name }: DeleteMachineInput): Promise<DeleteMachineResult> {
      try {
        return { name, outcome: await deps.provider.delete(name) };
      } catch (err) {
        throw asFailure(err);
      }
    },
  };
}
