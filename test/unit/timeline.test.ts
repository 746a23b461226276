import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderTimelineSvg, timelineSpans, type TimelineEvent } from '../../core/timeline.ts';

const T = 1_700_000_000_000;
const ev = (id: number, s: number, kind: TimelineEvent['kind'], more: Partial<TimelineEvent> = {}): TimelineEvent => ({ id, time: T + s * 1000, kind, ...more });

test('each step spans its last attempt, with its wait to be picked up apart; a target\'s machine spans create to gone', () => {
  const spans = timelineSpans([
    { label: 'release', events: [ev(5, 0, 'scheduled', { activity: 'loadProject' }), ev(6, 0.1, 'started', { scheduledId: 5 }), ev(7, 1, 'completed', { scheduledId: 5 })] },
    {
      label: 'target a',
      machine: true,
      events: [
        ev(5, 1, 'scheduled', { activity: 'createMachine' }), ev(6, 1, 'started', { scheduledId: 5 }), ev(7, 3, 'completed', { scheduledId: 5 }),
        ev(8, 3, 'scheduled', { activity: 'agentBuild' }), ev(9, 5, 'started', { scheduledId: 8, attempt: 2 }), ev(10, 9, 'completed', { scheduledId: 8 }),
        ev(11, 9, 'scheduled', { activity: 'verifyMachineGone' }), ev(12, 9, 'started', { scheduledId: 11 }), ev(13, 10, 'failed', { scheduledId: 11 }),
      ],
    },
  ]);
  const of = (row: string) => spans.filter((s) => s.row === row).map((s) => ({ kind: s.kind, s: (s.start - T) / 1000, e: (s.end - T) / 1000, ...(s.note ? { note: s.note } : {}) }));
  assert.deepEqual(of('release: loadProject'), [{ kind: 'step', s: 0.1, e: 1 }]);
  assert.deepEqual(of('target a: agentBuild'), [{ kind: 'queued', s: 3, e: 5 }, { kind: 'step', s: 5, e: 9, note: '2 attempts' }]);
  assert.deepEqual(of('target a: verifyMachineGone'), [{ kind: 'failed', s: 9, e: 10 }]);
  assert.deepEqual(of('target a: machine'), [{ kind: 'machine', s: 1, e: 10 }]);
});

test('the picture escapes every name and draws rows in order of their first start', () => {
  const svg = renderTimelineSvg([{ row: 'b <script>', start: T + 2000, end: T + 3000, kind: 'step' }, { row: 'a', start: T, end: T + 1000, kind: 'machine' }], 'release:"x"');
  assert.ok(!svg.includes('<script>'));
  assert.ok(svg.includes('b &#60;script&#62;'));
  assert.ok(svg.indexOf('>a</text>') < svg.indexOf('>b &#60;script'), 'a starts first, so it is drawn first');
  assert.match(svg, /3\.0 s wall/);
});
