// DigitalOcean tags for tagship's machine labels. DO tags allow letters, digits, ":", "-", "_"
// (at most 255 characters), so labels are encoded: "." becomes "_", which is reversible for
// tagship's ids (release ids hold [A-Za-z0-9:.-] only; tags and project names never hold "_").
// Anything else is replaced by a hash, so the tag still identifies it.
import { MachineLabel, shortHash } from './names.ts';

const PREFIX = { release: 'tagship-release:', target: 'tagship-target:', machine: 'tagship-machine:', deadline: 'tagship-deadline:' } as const;
export const MANAGED_TAG = 'tagship';

export function encodeTagValue(value: string): string {
  const encoded = value.replace(/\./g, '_');
  return /^[A-Za-z0-9:_-]{1,200}$/.test(encoded) ? encoded : `h_${shortHash(value)}`;
}

export function decodeTagValue(tag: string): string {
  return tag.replace(/_/g, '.');
}

export function machineTags(labels: Record<string, string>, machine: string): string[] {
  const release = labels[MachineLabel.release];
  const target = labels[MachineLabel.target];
  const deadline = labels[MachineLabel.deadline];
  return [
    MANAGED_TAG,
    `${PREFIX.machine}${encodeTagValue(machine)}`,
    ...(release ? [`${PREFIX.release}${encodeTagValue(release)}`] : []),
    ...(target ? [`${PREFIX.target}${encodeTagValue(target)}`] : []),
    ...(deadline && /^[0-9]{1,12}$/.test(deadline) ? [`${PREFIX.deadline}${deadline}`] : []),
  ];
}

export function machineTag(machine: string): string {
  return `${PREFIX.machine}${encodeTagValue(machine)}`;
}

/** The labels a droplet's tags stand for. */
export function labelsFromTags(tags: string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const t of tags) {
    if (t === MANAGED_TAG) labels[MachineLabel.managed] = 'true';
    else if (t.startsWith(PREFIX.release)) labels[MachineLabel.release] = decodeTagValue(t.slice(PREFIX.release.length));
    else if (t.startsWith(PREFIX.target)) labels[MachineLabel.target] = decodeTagValue(t.slice(PREFIX.target.length));
    else if (t.startsWith(PREFIX.deadline)) labels[MachineLabel.deadline] = t.slice(PREFIX.deadline.length);
  }
  return labels;
}
