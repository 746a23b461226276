import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MACHINE_SLACK_MINUTES, machineDeadline, selectMachinesToReap } from '../../core/reaper.ts';
import type { MachineInfo } from '../../ports/machines.ts';

const now = Date.parse('2026-06-01T12:00:00Z');
const m = (name: string, release: string | undefined, minutesOld: number): MachineInfo => ({
  id: name,
  name,
  state: 'running',
  labels: release ? { tagship: 'true', 'tagship.release': release } : { tagship: 'true' },
  createdAt: new Date(now - minutesOld * 60_000).toISOString(),
});

test('machines of closed releases are reaped, those of running releases are spared', () => {
  const out = selectMachinesToReap({
    machines: [m('a', 'r-closed', 5), m('b', 'r-running', 5), m('c', 'r-unknown', 5)],
    releases: { 'r-closed': 'closed', 'r-running': 'running', 'r-unknown': 'unknown' },
    nowMs: now,
    maxLifetimeMinutes: 360,
  });
  assert.deepEqual(out, [{ machine: 'a', reason: 'release r-closed is closed' }]);
});

test('any machine past the maximum lifetime is reaped, even if its release still runs', () => {
  const out = selectMachinesToReap({
    machines: [m('old', 'r-running', 400), m('young', 'r-running', 359), m('orphan', undefined, 361)],
    releases: { 'r-running': 'running' },
    nowMs: now,
    maxLifetimeMinutes: 360,
  });
  assert.deepEqual(out.map((d) => d.machine), ['old', 'orphan']);
  assert.match(out[0]!.reason, /older than 360 minutes \(400 minutes\)/);
});

test('a machine\'s own deadline (its target\'s timeout plus slack) wins over the maximum lifetime, both ways', () => {
  const withDeadline = (name: string, minutesOld: number, timeoutMinutes: number): MachineInfo => {
    const created = now - minutesOld * 60_000;
    return { ...m(name, 'r-running', minutesOld), labels: { tagship: 'true', 'tagship.release': 'r-running', 'tagship.deadline': machineDeadline(created, timeoutMinutes) } };
  };
  const out = selectMachinesToReap({
    // A 24-hour build 7 hours in; a 1-hour build stuck for 2 hours; a 1-hour build 80 minutes in.
    machines: [withDeadline('long', 7 * 60, 1440), withDeadline('stuck', 120, 60), withDeadline('slow', 80, 60)],
    releases: { 'r-running': 'running' },
    nowMs: now,
    maxLifetimeMinutes: 360,
  });
  assert.deepEqual(out.map((o) => o.machine), ['stuck']);
  assert.match(out[0]!.reason, new RegExp(`past its own deadline \\(its target's timeout plus ${MACHINE_SLACK_MINUTES} minutes\\) by (29|30) minutes`));
  // A closed release's machine goes whatever its deadline.
  assert.deepEqual(selectMachinesToReap({ machines: [withDeadline('long', 10, 1440)], releases: { 'r-running': 'closed' }, nowMs: now, maxLifetimeMinutes: 360 }).map((o) => o.machine), ['long']);
});
