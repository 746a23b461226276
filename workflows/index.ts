// The workflows the orchestrator worker registers.
export { release, progressQuery } from './release.ts';
export { buildTarget } from './build-target.ts';
export { reaper } from './reaper.ts';
export { deployRepositoryWorkflow, rollbackRepositoryWorkflow } from './deploy.ts';
export { purgeArtifacts } from './purge.ts';
export { ci, ciProgressQuery } from './ci.ts';
export { nightly } from './nightly.ts';
