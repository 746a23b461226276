// A forge release's notes (pipes/forge/notes.ts): the previous release by semver, commits grouped
// by conventional-commit type, the tag's message first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { previousReleaseTag, releaseNotes } from '../../pipes/forge/notes.ts';

test('the previous release: same prefix, lower version; a stable release skips prereleases', () => {
  const tags = ['v1.0.0', 'v1.1.0-rc.1', 'v1.1.0', 'v1.2.0-rc.1', 'v2.0.0', 'nightly', '1.1.5', 'v1.10.0'];
  assert.equal(previousReleaseTag(tags, 'v1.2.0', 'v'), 'v1.1.0');
  assert.equal(previousReleaseTag(tags, 'v1.2.0-rc.2', 'v'), 'v1.2.0-rc.1');
  assert.equal(previousReleaseTag(tags, 'v1.11.0', 'v'), 'v1.10.0', 'by version, not by text');
  assert.equal(previousReleaseTag(tags, 'v1.0.0', 'v'), null);
  assert.equal(previousReleaseTag(tags, '1.2.0', ''), '1.1.5', 'a bare-version project ignores v-tags');
  assert.equal(previousReleaseTag(tags, 'not-a-version', 'v'), null);
});

test('notes: the tag message, then commits grouped — breaking first, scopes shown, other last', () => {
  const notes = releaseNotes({
    tag: 'v1.2.0',
    tagMessage: 'Hello 1.2: faster sync',
    previousTag: 'v1.1.0',
    commits: [
      { sha: 'a'.repeat(40), subject: 'feat(sync): resume interrupted transfers' },
      { sha: 'b'.repeat(40), subject: 'fix: close sockets on error' },
      { sha: 'c'.repeat(40), subject: 'refactor!: drop the v1 wire format' },
      { sha: 'd'.repeat(40), subject: 'chore: bump deps', body: 'BREAKING CHANGE: needs Rust 1.85' },
      { sha: 'e'.repeat(40), subject: 'Merge branch main' },
      { sha: 'f'.repeat(40), subject: 'perf: fewer allocations' },
    ],
  });
  assert.equal(
    notes,
    [
      'Hello 1.2: faster sync',
      '',
      'Changes since v1.1.0:',
      '',
      '### Breaking changes',
      '',
      '- drop the v1 wire format (ccccccc)',
      '- bump deps (ddddddd)',
      '',
      '### Features',
      '',
      '- **sync:** resume interrupted transfers (aaaaaaa)',
      '',
      '### Fixes',
      '',
      '- close sockets on error (bbbbbbb)',
      '',
      '### Performance',
      '',
      '- fewer allocations (fffffff)',
      '',
      '### Other changes',
      '',
      '- Merge branch main (eeeeeee)',
      '',
    ].join('\n'),
  );
  assert.equal(releaseNotes({ tag: 'v1.0.0', tagMessage: 'v1.0.0', previousTag: null, commits: [] }), 'The first release, v1.0.0.\n');
});
