import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectExpired, selectStaleSources } from '../../core/retention.ts';

const now = Date.parse('2026-06-01T00:00:00Z');
const set = (project: string, version: string, daysAgo: number) => ({ project, version, target: 't', createdAt: new Date(now - daysAgo * 86_400_000).toISOString() });

test('sets at or past their retention are expired; younger ones are kept', () => {
  const out = selectExpired([set('a', '1.0.0', 91), set('a', '1.1.0', 90), set('a', '1.2.0', 89), set('a', '2.0.0', 0)], now, { defaultDays: 90 });
  assert.deepEqual(out.map((s) => [s.version, s.ageDays]), [['1.0.0', 91], ['1.1.0', 90]]);
});

test('a project can keep its artifacts shorter or longer than the default', () => {
  const sets = [set('short', '1.0.0', 10), set('long', '1.0.0', 200), set('default', '1.0.0', 100)];
  const out = selectExpired(sets, now, { defaultDays: 90, perProject: { short: 7, long: 365 } });
  assert.deepEqual(out.map((s) => `${s.project}:${s.keepDays}`).sort(), ['default:90', 'short:7']);
});

test('a set with an unreadable date is never deleted', () => {
  assert.deepEqual(selectExpired([{ project: 'a', version: '1', target: 't', createdAt: 'garbage' }], now, { defaultDays: 1 }), []);
});

test("a release's own retention (tagship.yml when released) beats the default; the operator's override beats both", () => {
  const sets = [{ ...set('p', '1.0.0', 40), retentionDays: 30 }, { ...set('p', '0.9.0', 100), retentionDays: 365 }, set('p', '0.8.0', 95)];
  assert.deepEqual(selectExpired(sets, now, { defaultDays: 90 }).map((s) => `${s.version}:${s.keepDays}`), ['0.8.0:90', '1.0.0:30']);
  assert.deepEqual(selectExpired(sets, now, { defaultDays: 90, perProject: { p: 99 } }).map((s) => `${s.version}:${s.keepDays}`), ['0.9.0:99']);
});

test('source tarballs not packed for the given days are stale; recently packed ones and unreadable dates stay', () => {
  const src = (sha: string, daysAgo: number) => ({ sha256: sha.repeat(64), size: 10, modifiedAt: new Date(now - daysAgo * 86_400_000).toISOString() });
  const out = selectStaleSources([src('a', 3), src('b', 2), src('c', 1.9), { sha256: 'd'.repeat(64), size: 1, modifiedAt: 'never' }], now, 2);
  assert.deepEqual(out.map((s) => s.sha256[0]), ['a', 'b']);
});
