// The pure rules of container-app releases: where `latest` goes, which images retention keeps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { latestDecision } from '../../core/qa/version-tags.ts';
import { imageRetention, type CommitImages, type RegistryImage } from '../../core/image-retention.ts';

test('latest moves only to the highest stable version; hotfixes and prereleases leave it', () => {
  const commitTag = 'a'.repeat(40);
  assert.equal(latestDecision([], '1.0.0').move, true);
  assert.equal(latestDecision(['1.0.0', 'latest', commitTag, `${commitTag}-amd64`], '1.1.0').move, true);
  const hotfix = latestDecision(['1.0.0', '1.1.0', 'latest'], '1.0.1');
  assert.deepEqual([hotfix.move, hotfix.highest], [false, '1.1.0']);
  assert.match(hotfix.reason, /1\.1\.0 is higher than 1\.0\.1/);
  const rc = latestDecision(['1.1.0'], '2.0.0-rc.1');
  assert.deepEqual([rc.move, rc.highest], [false, '1.1.0']);
  assert.match(rc.reason, /prerelease/);
  // Semver, not string order: 1.10.0 is above 1.9.0.
  assert.equal(latestDecision(['1.9.0'], '1.10.0').move, true);
  assert.equal(latestDecision(['1.10.0'], '1.9.1').move, false);
  // The same version again (a re-run): it is still the highest, so latest stays on it.
  assert.equal(latestDecision(['1.2.0', 'latest'], '1.2.0').move, true);
});

const d = (n: number) => `sha256:${String(n).padStart(64, '0')}`;
const day = 86_400_000;

test('retention keeps version-tagged images with their children, the newest N per branch and unexpired records; deletes the rest, indexes first', () => {
  const now = Date.parse('2026-06-01T00:00:00Z');
  const iso = (daysAgo: number) => new Date(now - daysAgo * day).toISOString();
  // Commit n: index d(n*10), platforms d(n*10+1), d(n*10+2).
  const img = (n: number, extra: string[] = []): RegistryImage[] => [
    { digest: d(n * 10), tags: [String(n).repeat(40), ...extra], children: [d(n * 10 + 1), d(n * 10 + 2)] },
    { digest: d(n * 10 + 1), tags: [`${String(n).repeat(40)}-amd64`], children: [] },
    { digest: d(n * 10 + 2), tags: [`${String(n).repeat(40)}-arm64`], children: [] },
  ];
  const rec = (n: number, ref: string, daysAgo: number, expired: boolean): CommitImages => ({ commit: String(n).repeat(40), ref, finishedAt: iso(daysAgo), expiresAt: new Date(now + (expired ? -day : day)).toISOString(), index: d(n * 10), platforms: [d(n * 10 + 1), d(n * 10 + 2)] });
  const images = [...img(1, ['1.0.0']), ...img(2), ...img(3), ...img(4), ...img(5), ...img(6)];
  const records = [rec(1, 'refs/heads/main', 200, true), rec(2, 'refs/heads/main', 150, true), rec(3, 'refs/heads/main', 120, true), rec(4, 'refs/heads/main', 100, true), rec(5, 'refs/heads/release/1.0', 300, true), rec(6, 'refs/pull/7/head', 1, false)];
  const v = imageRetention(images, records, { keepPerBranch: 2, nowMs: now });
  // main keeps 4 and 3 (newest two); 1 by its version tag; 2 goes. release/1.0 keeps 5; the PR's 6 is within retention.
  assert.deepEqual(v.delete.map((x) => x.digest), [d(20), d(21), d(22)]);
  assert.equal(v.keep.length, images.length - 3);
  assert.match(v.keep.find((k) => k.digest === d(12))!.reason, /platform image of an index kept \(tagged 1\.0\.0\)/);
  // Without records, only version tags keep anything.
  const orphans = imageRetention(images, [], { keepPerBranch: 2, nowMs: now });
  assert.deepEqual(orphans.keep.map((k) => k.digest).sort(), [d(10), d(11), d(12)]);
  assert.equal(orphans.delete[0]!.digest.endsWith('0'), true, 'an index is deleted before its platform manifests');
});
