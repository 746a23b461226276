// Branch pushes and merge/pull requests, as GitLab and GitHub send them, decided for CI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { githubCiDecision, gitlabCiDecision } from '../../client/hooks/ci-events.ts';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const ZERO = '0'.repeat(40);

test('GitLab: a branch push runs CI for its new head; a merge request for its last commit', () => {
  assert.deepEqual(gitlabCiDecision({ object_kind: 'push', ref: 'refs/heads/main', before: A, after: B, checkout_sha: B }), { kind: 'ci', commit: B, branch: 'main' });
  assert.deepEqual(gitlabCiDecision({ object_kind: 'push', ref: 'refs/heads/release/v1.0', after: A }), { kind: 'ci', commit: A, branch: 'release/v1.0' });
  assert.deepEqual(
    gitlabCiDecision({ object_kind: 'merge_request', object_attributes: { action: 'update', iid: 42, source_branch: 'feature/x', last_commit: { id: A } } }),
    { kind: 'ci', commit: A, branch: 'feature/x', change: { kind: 'merge-request', id: 42 } },
  );
});

test('GitLab: deletions, tag pushes, closed or merged requests are ignored; junk is bad', () => {
  assert.equal(gitlabCiDecision({ object_kind: 'push', ref: 'refs/heads/main', after: ZERO }).kind, 'ignore');
  assert.equal(gitlabCiDecision({ object_kind: 'push', ref: 'refs/tags/v1.0.0', after: A }).kind, 'ignore');
  for (const action of ['close', 'merge', 'approved']) {
    assert.equal(gitlabCiDecision({ object_kind: 'merge_request', object_attributes: { action, iid: 1, source_branch: 'x', last_commit: { id: A } } }).kind, 'ignore', action);
  }
  assert.equal(gitlabCiDecision({ object_kind: 'note' }).kind, 'ignore');
  assert.deepEqual(gitlabCiDecision({ object_kind: 'push', ref: 'refs/heads/main', after: 'HEAD; rm -rf /' }), { kind: 'bad', reason: 'after is missing or not a 40-digit commit id' });
  assert.deepEqual(gitlabCiDecision({ object_kind: 'merge_request', object_attributes: { action: 'open', source_branch: 'x', last_commit: { id: A } } }), { kind: 'bad', reason: 'the merge-request number is missing' });
  assert.equal(gitlabCiDecision({}).kind, 'bad');
});

test('GitHub: a branch push and an opened or synchronized pull request run CI; the rest does not', () => {
  assert.deepEqual(githubCiDecision('push', { ref: 'refs/heads/main', after: B, deleted: false }), { kind: 'ci', commit: B, branch: 'main' });
  assert.deepEqual(
    githubCiDecision('pull_request', { action: 'synchronize', number: 7, pull_request: { head: { sha: A, ref: 'feature/y' } } }),
    { kind: 'ci', commit: A, branch: 'feature/y', change: { kind: 'pull-request', id: 7 } },
  );
  assert.equal(githubCiDecision('push', { ref: 'refs/heads/main', after: ZERO, deleted: true }).kind, 'ignore');
  assert.equal(githubCiDecision('pull_request', { action: 'closed', number: 7, pull_request: { head: { sha: A, ref: 'y' } } }).kind, 'ignore');
  assert.equal(githubCiDecision('issues', {}).kind, 'ignore');
  assert.equal(githubCiDecision(undefined, {}).kind, 'bad');
  assert.equal(githubCiDecision('pull_request', { action: 'opened', number: 7, pull_request: { head: { ref: 'y' } } }).kind, 'bad');
});
