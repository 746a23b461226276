// Which machines the reaper deletes: those whose release is closed (its own cleanup did not
// run: terminated, worker lost for good) or that outlived the maximum lifetime. Pure; the time
// comes from the workflow.
import type { MachineInfo } from '../ports/machines.ts';
import { MachineLabel } from './names.ts';

export type ReleaseState = 'running' | 'closed' | 'unknown';

export interface ReapDecision {
  machine: string;
  reason: string;
}

export function selectMachinesToReap(input: {
  machines: MachineInfo[];
  releases: Record<string, ReleaseState>;
  nowMs: number;
  maxLifetimeMinutes: number;
}): ReapDecision[] {
  const out: ReapDecision[] = [];
  for (const m of input.machines) {
    const release = m.labels[MachineLabel.release];
    const ageMinutes = (input.nowMs - Date.parse(m.createdAt)) / 60_000;
    if (release && input.releases[release] === 'closed') {
      out.push({ machine: m.name, reason: `release ${release} is closed` });
    } else if (ageMinutes > input.maxLifetimeMinutes) {
      out.push({ machine: m.name, reason: `older than ${input.maxLifetimeMinutes} minutes (${Math.floor(ageMinutes)} minutes)` });
    }
  }
  return out;
}

/** The shortest maximum lifetime a reaper run takes: under it, the reaper would delete machines
 *  in the middle of ordinary builds (a target's default timeout is an hour). */
export const MIN_LIFETIME_MINUTES = 60;

/** Why a reaper input cannot be run, or null. */
export function reaperInputProblem(input: { maxLifetimeMinutes?: unknown }): string | null {
  const m = input.maxLifetimeMinutes;
  if (m === undefined) return null;
  if (typeof m !== 'number' || !Number.isInteger(m) || m < MIN_LIFETIME_MINUTES) {
    return `maxLifetimeMinutes: ${JSON.stringify(m)} is not allowed; give whole minutes, at least ${MIN_LIFETIME_MINUTES}, or leave it out for the default (360)`;
  }
  return null;
}
