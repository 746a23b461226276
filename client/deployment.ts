// Worker versioning for operators (Temporal Worker Deployments): which build of tagship's worker
// takes new releases, and which older builds still run releases pinned to them. A release runs
// to its end on the build it started on, so an upgrade never replays a running release on new
// code; an old build may be stopped once it is drained (no open release pinned to it).
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';

const { temporal } = proto;

export interface DeploymentVersion {
  buildId: string;
  /** current: takes new releases; draining: releases still pinned to it; drained: none left. */
  state: 'current' | 'ramping' | 'draining' | 'drained' | 'inactive';
}

/** Makes `buildId` the deployment's current build: new releases start on it. Its worker must be
 *  polling already (the server refuses a build no worker polls for). Returns the build it replaced. */
export async function promoteBuild(client: Client, namespace: string, deploymentName: string, buildId: string): Promise<{ previous: string | null }> {
  const res = await client.workflowService.setWorkerDeploymentCurrentVersion({ namespace, deploymentName, buildId, identity: 'tagship-cli' });
  return { previous: res.previousDeploymentVersion?.buildId || null };
}

/** The deployment's builds and what each is doing. */
export async function deploymentVersions(client: Client, namespace: string, deploymentName: string): Promise<DeploymentVersion[]> {
  const res = await client.workflowService.describeWorkerDeployment({ namespace, deploymentName });
  const info = res.workerDeploymentInfo;
  const current = info?.routingConfig?.currentDeploymentVersion?.buildId;
  const ramping = info?.routingConfig?.rampingDeploymentVersion?.buildId;
  const { VersionDrainageStatus: D } = temporal.api.enums.v1;
  return (info?.versionSummaries ?? []).map((v) => {
    const buildId = v.deploymentVersion?.buildId ?? '';
    const drainage = v.drainageInfo?.status ?? v.drainageStatus;
    const state: DeploymentVersion['state'] = buildId === current ? 'current' : buildId === ramping ? 'ramping' : drainage === D.VERSION_DRAINAGE_STATUS_DRAINING ? 'draining' : drainage === D.VERSION_DRAINAGE_STATUS_DRAINED ? 'drained' : 'inactive';
    return { buildId, state };
  });
}
