import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gitlabDecision, githubDecision } from '../../client/hooks/events.ts';

const ZERO = '0'.repeat(40);

test('GitLab tag pushes release the tag; deletions and branch pushes are ignored; junk is bad', () => {
  assert.deepEqual(gitlabDecision('Tag Push Hook', { object_kind: 'tag_push', ref: 'refs/tags/v1.4.0', after: 'a'.repeat(40) }), { kind: 'release', tag: 'v1.4.0', commit: 'a'.repeat(40) });
  // An annotated tag: after is the tag object, checkout_sha the commit; the commit is passed on.
  assert.deepEqual(gitlabDecision('Tag Push Hook', { object_kind: 'tag_push', ref: 'refs/tags/v1.4.0', after: 'a'.repeat(40), checkout_sha: 'b'.repeat(40) }), { kind: 'release', tag: 'v1.4.0', commit: 'b'.repeat(40) });
  assert.equal(gitlabDecision('Tag Push Hook', { object_kind: 'tag_push', ref: 'refs/tags/v1.4.0', after: 'a'.repeat(40), checkout_sha: 'HEAD~1' }).kind, 'bad', 'a commit that is not an object id');
  assert.equal(gitlabDecision('Tag Push Hook', { object_kind: 'tag_push', ref: 'refs/tags/v1.4.0', after: ZERO }).kind, 'ignore');
  assert.equal(gitlabDecision('Push Hook', { object_kind: 'push', ref: 'refs/heads/main' }).kind, 'ignore');
  assert.equal(gitlabDecision('Tag Push Hook', {}).kind, 'bad');
  assert.equal(gitlabDecision('Tag Push Hook', { object_kind: 'tag_push', ref: 'refs/heads/x' }).kind, 'bad');
});

test('GitHub push of a tag, create of a tag and a published release start releases; the rest is ignored', () => {
  assert.deepEqual(githubDecision('push', { ref: 'refs/tags/v2.0.0', deleted: false }), { kind: 'release', tag: 'v2.0.0' });
  assert.deepEqual(githubDecision('push', { ref: 'refs/tags/v2.0.0', deleted: false, after: 'c'.repeat(40) }), { kind: 'release', tag: 'v2.0.0', commit: 'c'.repeat(40) });
  assert.equal(githubDecision('push', { ref: 'refs/tags/v2.0.0', deleted: true }).kind, 'ignore');
  assert.equal(githubDecision('push', { ref: 'refs/heads/main' }).kind, 'ignore');
  assert.deepEqual(githubDecision('create', { ref_type: 'tag', ref: 'v2.0.1' }), { kind: 'release', tag: 'v2.0.1' });
  assert.equal(githubDecision('create', { ref_type: 'branch', ref: 'feature' }).kind, 'ignore');
  assert.deepEqual(githubDecision('release', { action: 'published', release: { tag_name: 'v2.1.0' } }), { kind: 'release', tag: 'v2.1.0' });
  assert.equal(githubDecision('release', { action: 'created', release: { tag_name: 'v2.1.0' } }).kind, 'ignore');
  assert.equal(githubDecision('ping', {}).kind, 'pong');
  assert.equal(githubDecision(undefined, {}).kind, 'bad');
  assert.equal(githubDecision('push', {}).kind, 'bad');
});

test('watch renders a bar per target from its stage', async () => {
  const { renderProgress } = await import('../../client/progress.ts');
  const lines = renderProgress({ stage: 'building', targets: { 'amd64-deb': 'building', 'arm64-rpm': 'done', x: 'failed', y: 'pending' } }, 12);
  assert.deepEqual(lines, [
    'release: building',
    '  amd64-deb [######......] building',
    '  arm64-rpm [############] done',
    '  x         [xxxxxxxxxxxx] failed',
    '  y         [............] pending',
  ]);
});
