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
