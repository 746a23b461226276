// A nightly's version: the next patch after the highest stable tag, ordered by time, with the commit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import semver from 'semver';
import { nightlyVersion } from '../../core/nightly.ts';
import { parseReleaseTag } from '../../core/tag.ts';
import { compareDebVersions } from '../../core/debversion.ts';

test('the next patch after the highest stable tag; prereleases and junk tags do not count', () => {
  const at = new Date('2026-12-06T03:15:00Z');
  assert.equal(nightlyVersion(['v1.2.0', 'v1.10.0', 'v1.11.0-rc.1', 'latest', 'v1.9.9'], at, '0123456789abcdef0123456789abcdef01234567'), '1.10.1-nightly.20261206031500.g0123456');
  assert.equal(nightlyVersion([], at, 'abcdef0'.padEnd(40, '0')), '0.1.0-nightly.20261206031500.gabcdef0');
  assert.equal(nightlyVersion(['2.24.0'], at, 'f'.repeat(40)), '2.24.1-nightly.20261206031500.gfffffff', 'bare tags count too');
});

test('a nightly is a valid release tag, sorts below its release and by time in semver and Debian', () => {
  const early = nightlyVersion(['v1.0.0'], new Date('2026-12-06T01:00:00Z'), 'f'.repeat(40));
  const late = nightlyVersion(['v1.0.0'], new Date('2026-12-06T02:00:00Z'), '0'.repeat(40));
  assert.ok(parseReleaseTag(`v${early}`).ok);
  assert.ok(semver.lt(early, late) && semver.lt(late, '1.0.1'));
  const deb = (v: string) => v.replace('-', '~');
  assert.ok(compareDebVersions(deb(early), deb(late)) < 0 && compareDebVersions(deb(late), '1.0.1') < 0);
});
