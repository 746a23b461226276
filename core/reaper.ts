// Which machines the reaper deletes: those whose release is closed (its own cleanup did not
// run: terminated, worker lost for good), and those past their time. A machine's time is its
// own deadline when it carries one (its target's timeoutMinutes plus MACHINE_SLACK_MINUTES for
// creation and upload): that wins over the reaper's maximum lifetime, so a 24-hour build is
// not reaped at 6 hours, and a stuck 1-hour build is reaped at 1.5. Machines without a deadline
// (made before it existed) get the maximum lifetime. Pure; the time comes from the workflow.
import type { MachineInfo } from './machines.ts';
import { MachineLabel } from './names.ts';

export type ReleaseState = 'running' | 'closed' | 'unknown';

/** Time a machine may take beyond its target's build timeout: creation, enrolment, upload. */
export const MACHINE_SLACK_MINUTES = 30;

/** The deadline label of a machine created at `nowMs` for a build of `timeoutMinutes`. */
export function machineDeadline(nowMs: number, timeoutMinutes: number): string {
  return String(Math.ceil(nowMs / 60_000) + timeoutMinutes + MACHINE_SLACK_MINUTES);
}

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
    } else if (Number(m.labels[MachineLabel.deadline]) > 0) {
      const deadline = Number(m.labels[MachineLabel.deadline]);
      const over = input.nowMs / 60_000 - deadline;
      if (over > 0) out.push({ machine: m.name, reason: `past its own deadline (its target's timeout plus ${MACHINE_SLACK_MINUTES} minutes) by ${Math.floor(over)} minutes` });
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
