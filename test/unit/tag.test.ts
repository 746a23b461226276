import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTag, parseReleaseTag, tagPrefixProblem, MAX_TAG_LENGTH } from '../../core/tag.ts';

const accepted: [string, string, number, number, number, string | null, 'stable' | 'prerelease'][] = [
  ['v1.4.0', '1.4.0', 1, 4, 0, null, 'stable'],
  ['v0.0.0', '0.0.0', 0, 0, 0, null, 'stable'],
  ['v10.20.30', '10.20.30', 10, 20, 30, null, 'stable'],
  ['v1.4.0-rc.1', '1.4.0-rc.1', 1, 4, 0, 'rc.1', 'prerelease'],
  ['v2.0.0-beta', '2.0.0-beta', 2, 0, 0, 'beta', 'prerelease'],
  ['v1.0.0-alpha.0.x-y', '1.0.0-alpha.0.x-y', 1, 0, 0, 'alpha.0.x-y', 'prerelease'],
  ['v1.0.0-0a', '1.0.0-0a', 1, 0, 0, '0a', 'prerelease'],
  ['v999999999.0.1', '999999999.0.1', 999999999, 0, 1, null, 'stable'],
];

for (const [tag, version, major, minor, patch, prerelease, channel] of accepted) {
  test(`accepts ${tag}`, () => {
    const r = parseTag(tag);
    assert.ok(r.ok, r.ok ? '' : r.reason);
    assert.deepEqual(r.value, { tag, version, major, minor, patch, prerelease, channel });
  });
}

// Each rejected tag with a fragment the reason must contain, so the user learns what is wrong.
const rejected: [string, unknown, RegExp][] = [
  ['missing v', '1.4.0', /must start with "v"/],
  ['capital V', 'V1.4.0', /lowercase "v"/],
  ['empty', '', /empty/],
  ['not a string', 42, /must be a string/],
  ['two parts', 'v1.4', /MAJOR\.MINOR\.PATCH/],
  ['four parts', 'v1.4.0.1', /MAJOR\.MINOR\.PATCH/],
  ['leading zero major', 'v01.4.0', /major version "01" has a leading zero/],
  ['leading zero minor', 'v1.04.0', /minor version "04" has a leading zero/],
  ['leading zero patch', 'v1.4.00', /patch version "00" has a leading zero/],
  ['leading zero prerelease number', 'v1.4.0-rc.01', /prerelease identifier "01" has a leading zero/],
  ['empty prerelease', 'v1.4.0-', /prerelease part after "-" is empty/],
  ['empty prerelease identifier', 'v1.4.0-rc..1', /"\.\."/],
  ['build metadata', 'v1.4.0+build.5', /build metadata/],
  ['too long', `v1.4.0-${'a'.repeat(MAX_TAG_LENGTH)}`, /more than 256/],
  ['leading space', ' v1.4.0', /whitespace/],
  ['trailing newline', 'v1.4.0\n', /whitespace/],
  ['inner tab', 'v1.4.0\t-rc', /whitespace/],
  ['semicolon command', 'v1.0.0;rm -rf /', /whitespace|metacharacter|path separator/],
  ['semicolon only', 'v1.0.0;id', /shell metacharacter ";"/],
  ['command substitution', 'v1.0.0$(id)', /shell metacharacter "\$"/],
  ['backticks', 'v1.0.0`id`', /shell metacharacter "`"/],
  ['single quote', "v1.0.0'", /shell metacharacter "'"/],
  ['double quote', 'v1.0.0"', /shell metacharacter """/],
  ['pipe', 'v1.0.0|cat', /shell metacharacter "\|"/],
  ['ampersand', 'v1.0.0&&id', /shell metacharacter "&"/],
  ['redirect', 'v1.0.0>x', /shell metacharacter ">"/],
  ['glob', 'v1.0.*', /shell metacharacter "\*"/],
  ['slash', 'v1.0.0/../../etc', /path separator "\/"/],
  ['backslash', 'v1.0.0\\x', /shell metacharacter "\\"/],
  ['dot dot', 'v1.0.0-..', /"\.\."/],
  ['arabic-indic digit', 'v\u0661.0.0', /non-ASCII character U\+0661/],
  ['fullwidth digit', 'v\uFF11.0.0', /non-ASCII character U\+FF11/],
  ['cyrillic v', '\u0432' + '1.0.0', /non-ASCII character U\+0432/],
  ['zero-width space', 'v1.0.0\u200B', /non-ASCII character U\+200B/],
  ['NUL byte', 'v1.0.0\u0000', /whitespace or a control character/],
  ['letters in core', 'v1.x.0', /MAJOR\.MINOR\.PATCH/],
  ['negative', 'v-1.0.0', /MAJOR\.MINOR\.PATCH/],
  ['oversized number', 'v1234567890123456.0.0', /too large/],
];

for (const [name, tag, reason] of rejected) {
  test(`rejects ${name}: ${JSON.stringify(tag)}`, () => {
    const r = parseTag(tag);
    assert.equal(r.ok, false, `expected ${JSON.stringify(tag)} to be rejected`);
    if (!r.ok) {
      assert.match(r.reason, reason);
      assert.match(r.reason, /e\.g\. v1\.4\.0/, 'every rejection shows the accepted form');
    }
  });
}

test('a prerelease tag lands on the prerelease channel and keeps its identifiers', () => {
  const r = parseTag('v3.1.4-rc.2');
  assert.ok(r.ok);
  assert.equal(r.value.channel, 'prerelease');
  assert.equal(r.value.prerelease, 'rc.2');
});

test('a project may tag without the "v" (tag.prefix: ""), still strict semver', () => {
  const bare = parseTag('2.24.0', '');
  assert.ok(bare.ok);
  assert.deepEqual(bare.value, { tag: '2.24.0', version: '2.24.0', major: 2, minor: 24, patch: 0, prerelease: null, channel: 'stable' });
  const noV = parseTag('v2.24.0', '');
  assert.ok(!noV.ok);
  assert.match(noV.reason, /tags have no prefix .*must start with a digit; use the form MAJOR\.MINOR\.PATCH/);
  for (const bad of ['02.1.0', '2.1', '2.1.0;id', '2.1.0+build']) assert.ok(!parseTag(bad, '').ok, bad);
  // Before the project is known either form is taken; its tagship.yml then decides.
  assert.equal(parseReleaseTag('2.24.0').ok && parseReleaseTag('2.24.0').ok, true);
  assert.equal(parseReleaseTag('v2.24.0').ok, true);
  assert.equal(parseReleaseTag('V2.24.0').ok, false);
  assert.equal(tagPrefixProblem('2.24.0', ''), null);
  assert.equal(tagPrefixProblem('v2.24.0', 'v'), null);
  assert.match(tagPrefixProblem('2.24.0', 'v') ?? '', /start with "v" .*tag v2\.24\.0 instead, or set tag: \{ prefix: "" \}/);
  assert.match(tagPrefixProblem('v2.24.0', '') ?? '', /no prefix .*tag 2\.24\.0 instead, or set tag\.prefix: v/);
});
