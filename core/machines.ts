// What tagship knows of a build machine, whichever provider made it. Pure types.

export type MachineState = 'creating' | 'running' | 'stopped';

export interface MachineInfo {
  id: string;
  name: string;
  state: MachineState;
  labels: Record<string, string>;
  /** ISO-8601. */
  createdAt: string;
}
