// tagship's schedules, applied idempotently (created when missing, updated when present):
//   tagship-purge-artifacts  daily at 03:00 UTC: artifacts past their retention (90 days default)
//   tagship-reaper           every 15 minutes: machines whose release is closed, or too old
//   tagship-nightly-<project> daily at the project's hour (UTC): a nightly of its branch
import { ScheduleAlreadyRunning, type Client, type ScheduleOptions } from '@temporalio/client';
import type { PurgeInput } from '../workflows/purge.ts';
import type { ReaperInput } from '../workflows/reaper.ts';
import type { Projects } from '../providers/projects/file.ts';
import { purgeInputProblem } from '../core/retention.ts';
import { reaperInputProblem } from '../core/reaper.ts';

export const SCHEDULE_IDS = { purge: 'tagship-purge-artifacts', reaper: 'tagship-reaper' } as const;

export interface ScheduleSettings {
  taskQueue: string;
  purge?: PurgeInput;
  reaper?: ReaperInput;
  /** The projects file's nightlies. */
  nightlies?: { project: string; branch: string; hour: number }[];
}

export class ScheduleSettingsError extends Error {}

export function scheduleOptions(s: ScheduleSettings): ScheduleOptions[] {
  // Refused here, before any schedule changes, as well as by the workflows themselves.
  const problem = purgeInputProblem(s.purge ?? {}) ?? reaperInputProblem(s.reaper ?? {});
  if (problem) throw new ScheduleSettingsError(`schedule settings: ${problem}`);
  return [
    {
      scheduleId: SCHEDULE_IDS.purge,
      spec: { calendars: [{ hour: 3, minute: 0 }] },
      action: { type: 'startWorkflow', workflowType: 'purgeArtifacts', taskQueue: s.taskQueue, args: [s.purge ?? {}], workflowId: 'tagship-purge-artifacts' },
      policies: { overlap: 'SKIP' },
      memo: { purpose: 'delete artifacts past their retention' },
    },
    {
      scheduleId: SCHEDULE_IDS.reaper,
      spec: { intervals: [{ every: '15 minutes' }] },
      action: { type: 'startWorkflow', workflowType: 'reaper', taskQueue: s.taskQueue, args: [s.reaper ?? {}], workflowId: 'tagship-reaper' },
      policies: { overlap: 'SKIP' },
      memo: { purpose: 'delete leaked build machines' },
    },
    ...(s.nightlies ?? []).map((n): ScheduleOptions => ({
      scheduleId: `tagship-nightly-${n.project}`,
      spec: { calendars: [{ hour: n.hour, minute: 0 }] },
      action: { type: 'startWorkflow', workflowType: 'nightly', taskQueue: s.taskQueue, args: [{ project: n.project, branch: n.branch }], workflowId: `tagship-nightly-${n.project}` },
      policies: { overlap: 'SKIP' },
      memo: { purpose: `a nightly of ${n.project}'s ${n.branch}` },
    })),
  ];
}

/** Creates or updates every schedule; running it again changes nothing. */
export async function applySchedules(client: Client, s: ScheduleSettings): Promise<{ id: string; outcome: 'created' | 'updated' }[]> {
  const out: { id: string; outcome: 'created' | 'updated' }[] = [];
  for (const opts of scheduleOptions(s)) {
    try {
      await client.schedule.create(opts);
      out.push({ id: opts.scheduleId, outcome: 'created' });
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
      await client.schedule.getHandle(opts.scheduleId).update((prev) => ({ ...prev, spec: opts.spec, action: opts.action, policies: { ...prev.policies, ...opts.policies } }));
      out.push({ id: opts.scheduleId, outcome: 'updated' });
    }
  }
  return out;
}

/** The nightlies the projects file asks for. */
export function nightliesOf(projects: Projects | undefined): NonNullable<ScheduleSettings['nightlies']> {
  return (projects?.names() ?? []).flatMap((project) => {
    const n = projects!.get(project)?.nightly;
    return n ? [{ project, branch: n.branch, hour: n.hour }] : [];
  });
}
