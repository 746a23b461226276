// The workflows the orchestrator worker registers.
export { release, progressQuery } from './release.ts';
