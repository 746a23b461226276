// Deterministic names. Everything tagship creates is named from the release's identity, so a
// retried step finds what an earlier attempt made instead of making a second one.

/** FNV-1a, 32-bit, as 8 hex digits: short, stable, and usable inside workflows (no crypto). */
export function shortHash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/** One release per project and tag: a redelivered hook or a second `start` finds the same one.
 *  A dry run is its own workflow, beside the release it rehearses. */
export function releaseWorkflowId(project: string, tag: string, dryRun = false): string {
  return `release:${project}:${tag}${dryRun ? ':dry-run' : ''}`;
}

/** Lowercase letters, digits, "." and "-" only: safe for container names and droplet hostnames. */
export function nameSafe(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9.-]+/g, '-').replace(/^-+|-+$/g, '');
}

export interface MachineNameInput {
  project: string;
  version: string;
  target: string;
  /** The run that asks for the machine: a new run of the same release gets new machines. */
  workflowId: string;
  runId: string;
}

/** `tagship-<project>-<version>-<target>-<hash>`; the hash keeps runs of one release apart. */
export function machineName(m: MachineNameInput): string {
  return nameSafe(`tagship-${m.project}-${m.version}-${m.target}-${shortHash(`${m.workflowId}/${m.runId}`)}`);
}

/** Labels every tagship machine carries, so the reaper can find it from the outside. */
export const MachineLabel = {
  managed: 'tagship',
  release: 'tagship.release',
  run: 'tagship.run',
  target: 'tagship.target',
  role: 'tagship.role',
  /** When the machine's own work must be over (epoch minutes): its target's timeout plus slack. */
  deadline: 'tagship.deadline',
} as const;

/** The task queue a machine's build agent polls: one per machine, so work goes to that machine. */
export function agentTaskQueue(machine: string): string {
  return `tagship-agent-${machine}`;
}

/** The workflow id of a commit's CI: one per project and commit. */
export function ciWorkflowId(project: string, commit: string): string {
  return `ci-${project}-${commit}`;
}
