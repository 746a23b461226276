import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatTable, missedGoals, summarize, type ReleaseRecord } from '../../chaos/table.ts';

const base: ReleaseRecord = { suite: 'kill', tag: 'v1', disruption: 'x', outcome: 'completed', wallMs: 10_000, lostMs: 0, machinesLeft: 0, doublePublishes: 0, clientReads: 2, clientReadFailures: 0 };

test('a suite meets its goals only when nothing leaked, nothing was published twice, every read worked and every failure said why', () => {
  const rows = summarize([
    { ...base, lostMs: 4_000 },
    { ...base, tag: 'v2', lostMs: 20_000 },
    { ...base, tag: 'v3', outcome: 'failed', reason: 'BuildFailed: exit 2', clientReads: 0, lostMs: 1_000 },
  ]);
  assert.equal(rows.length, 1);
  assert.deepEqual({ ...rows[0], lostP50Ms: rows[0]!.lostP50Ms }, { suite: 'kill', releases: 3, completed: 2, failedWithReason: 1, failedSilently: 0, stuck: 0, machinesLeft: 0, doublePublishes: 0, clientReads: 4, clientReadFailures: 0, lostP50Ms: 4_000, lostMaxMs: 20_000 });
  assert.deepEqual(missedGoals(rows[0]!), []);
  assert.match(formatTable(rows), /\| kill \| 3 \| 2 \| 1 \| 0 \| 0 \| 0 of 4 \| 4\.0 s \/ 20\.0 s \| met \|/);
});

test('each broken goal is named', () => {
  const [row] = summarize(
    [
      { ...base, machinesLeft: 1 },
      { ...base, tag: 'v2', doublePublishes: 2 },
      { ...base, tag: 'v3', outcome: 'failed', reason: ' ' },
      { ...base, tag: 'v4', outcome: 'stuck' },
    ],
    { kill: { reads: 10, failures: 3 } },
  );
  assert.deepEqual(missedGoals(row!), ['1 machines left', '2 double publishes', '3 failed client reads', '1 failed without a reason', '1 neither completed nor failed']);
  assert.equal(row!.clientReads, 18);
});
