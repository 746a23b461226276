// Telling a lost machine from a failed build: a machine whose agent stops heartbeating, never
// enrols, or that the provider reports lost, is replaced; a build that failed or ran out of
// time is final.
import { TimeoutFailure } from '@temporalio/workflow';
import { rootApplicationFailure } from './explain.ts';
import { causeChain } from '../core/causes.ts';

export function isMachineLoss(err: unknown): boolean {
  for (const e of causeChain(err)) {
    if (e instanceof TimeoutFailure && (e.timeoutType === 'HEARTBEAT' || e.timeoutType === 'SCHEDULE_TO_START')) return true;
  }
  return rootApplicationFailure(err)?.type === 'MachineLost';
}
