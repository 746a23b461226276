// The reaper: the second line of defence against leaked machines. Deletes every tagship
// machine whose release is closed (its own cleanup could not run: terminated, or its worker
// lost for good) or that is older than the maximum lifetime, and reports what it deleted.
import { countReaped } from './metrics.ts';
import { proxyActivities } from '@temporalio/workflow';
import type { createMachineActivities } from '../activities/machines.ts';
import { reaperInputProblem, selectMachinesToReap, type ReapDecision } from '../core/reaper.ts';
import { FailureType, nonRetryable } from '../core/failures.ts';
import { MachineLabel } from '../core/names.ts';
import { Profiles } from './profiles.ts';
import { workflowNow } from './clock.ts';

type MachineActivities = ReturnType<typeof createMachineActivities>;

export interface ReaperInput {
  /** Machines older than this are deleted whatever their release's state. Default 6 hours. */
  maxLifetimeMinutes?: number;
  /** Report what would be deleted, delete nothing. */
  dryRun?: boolean;
}

export interface ReaperResult {
  examined: number;
  deleted: ReapDecision[];
  failed: ReapDecision[];
  dryRun: boolean;
}

const { listManagedMachines, releaseStates } = proxyActivities<MachineActivities>({ ...Profiles.inventory, summary: 'inventory' });
const { deleteMachine } = proxyActivities<MachineActivities>({ ...Profiles.machineDelete, summary: 'reap machine' });

export async function reaper(input: ReaperInput = {}): Promise<ReaperResult> {
  const problem = reaperInputProblem(input);
  if (problem) throw nonRetryable(FailureType.InvalidInput, problem);
  const machines = await listManagedMachines();
  const releaseIds = [...new Set(machines.map((m) => m.labels[MachineLabel.release]).filter((r): r is string => !!r))];
  const releases = releaseIds.length ? await releaseStates({ releaseIds }) : {};
  const decisions = selectMachinesToReap({ machines, releases, nowMs: workflowNow(), maxLifetimeMinutes: input.maxLifetimeMinutes ?? 360 });
  const result: ReaperResult = { examined: machines.length, deleted: [], failed: [], dryRun: input.dryRun ?? false };
  if (result.dryRun) return { ...result, deleted: decisions };
  const outcomes = await Promise.allSettled(decisions.map((d) => deleteMachine({ name: d.machine })));
  outcomes.forEach((o, i) => (o.status === 'fulfilled' ? result.deleted : result.failed).push(decisions[i]!));
  countReaped(result.deleted.length, result.failed.length);
  return result;
}
