// Every activity profile notices a dead worker or machine within seconds: anything that may run
// longer than the liveness bound has a heartbeat timeout within it, so a crash mid-step is
// retried (or the machine replaced) instead of waiting out a start-to-close timeout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { msToNumber } from '@temporalio/common';
import type { ActivityOptions } from '@temporalio/workflow';
import { Profiles, agentBuild, longCommand } from '../../workflows/profiles.ts';

const BOUND_MS = 20_000;

test('every profile tells a dead worker or machine within 20 s', () => {
  const all: Record<string, ActivityOptions> = { ...Profiles, longCommand: longCommand(60), agentBuild: agentBuild(60) };
  const slow = Object.entries(all).filter(([, o]) => {
    const close = msToNumber(o.startToCloseTimeout ?? 0);
    const beat = o.heartbeatTimeout === undefined ? Infinity : msToNumber(o.heartbeatTimeout);
    return Math.min(close, beat) > BOUND_MS;
  });
  assert.deepEqual(slow.map(([name]) => name), []);
});

test('the agent\'s hello times out by heartbeat, which the workflow reads as a lost machine', () => {
  assert.ok(Profiles.agentEnrolment.heartbeatTimeout, 'agentEnrolment has a heartbeat timeout');
  assert.ok(msToNumber(Profiles.agentEnrolment.heartbeatTimeout) < msToNumber(Profiles.agentEnrolment.startToCloseTimeout));
});

test('work left on an enrolled agent\'s queue is a lost machine within a minute, not a hang', () => {
  for (const [name, o] of [['agentBuild', agentBuild(60)], ['agentUpload', Profiles.agentUpload]] as const) {
    assert.ok(o.scheduleToStartTimeout !== undefined && msToNumber(o.scheduleToStartTimeout) <= 60_000, `${name} has a schedule-to-start bound`);
  }
});
