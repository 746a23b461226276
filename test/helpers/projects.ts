// Small projects written on the fly, each test stating its own scenario in its tagship.yml.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import Docker from 'dockerode';
import { MachineLabel } from '../../core/names.ts';

export function makeProject(tagshipYml: string, files: Record<string, string | Uint8Array> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'tagship-project-'));
  writeFileSync(join(dir, 'tagship.yml'), tagshipYml);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

export const docker = new Docker();

/** Every container tagship made for this release, whatever its state. */
export async function containersOf(releaseId: string): Promise<string[]> {
  const list = await docker.listContainers({ all: true, filters: { label: [`${MachineLabel.release}=${releaseId}`] } });
  return list.map((c) => c.Names[0] ?? c.Id);
}
