// Wires real dependencies into the activity factories. Only workers build real dependencies;
// tests call this with their own state folder, or the factories with other real parts.
import Docker from 'dockerode';
import { join } from 'node:path';
import { DockerMachines } from '../providers/docker/machines.ts';
import { FsArtifactStore } from '../providers/artifacts-fs/store.ts';
import { createSourceActivities } from '../activities/source.ts';
import { createMachineActivities } from '../activities/machines.ts';
import { createBuildActivities } from '../activities/build.ts';

export interface OrchestratorDeps {
  stateDir: string;
  docker?: Docker;
}

export function createOrchestratorActivities(deps: OrchestratorDeps) {
  const machines = new DockerMachines({ docker: deps.docker ?? new Docker() });
  const artifacts = new FsArtifactStore(join(deps.stateDir, 'artifacts'));
  return {
    ...createSourceActivities({ stateDir: deps.stateDir }),
    ...createMachineActivities({ provider: machines }),
    ...createBuildActivities({ provider: machines, shell: machines, artifacts }),
  };
}
