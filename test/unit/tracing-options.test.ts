// Tracing joins the worker's interceptors; it must never replace the liveness heartbeats (when it
// did, every activity with a heartbeat timeout timed out mid-work).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tracingOptions, WORKFLOW_TRACING_MODULE } from '../../providers/temporal/tracing.ts';
import { LIVENESS_OPTIONS, livenessHeartbeats } from '../../activities/heartbeat.ts';

test('the tracing interceptors come after the liveness heartbeats, which stay', () => {
  const bundled = tracingOptions(undefined, true, LIVENESS_OPTIONS.interceptors).interceptors!;
  assert.equal(bundled.activity?.[0], livenessHeartbeats);
  assert.equal(bundled.activity?.length, 2);
  assert.equal(bundled.workflowModules, undefined, 'a prebuilt bundle carries the workflow module');
  const own = tracingOptions(undefined, false, { ...LIVENESS_OPTIONS.interceptors, workflowModules: ['/x/other.js'] }).interceptors!;
  assert.deepEqual(own.workflowModules, ['/x/other.js', WORKFLOW_TRACING_MODULE]);
  assert.equal(own.activity?.[0], livenessHeartbeats);
});
