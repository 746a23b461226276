// What a branch push or a merge/pull-request webhook asks of CI, decided from its headers and
// parsed body (issue 12: one CI run per commit). Pure; the branch filter (tagship.yml's
// ci.branches) applies to pushes only — a merge or pull request is always checked.
//   GitLab: object_kind "push" of refs/heads/<branch> (after; 40 zeros = deleted);
//           object_kind "merge_request", object_attributes.action open|reopen|update, its
//           last_commit.id, iid and source_branch.
//   GitHub: X-GitHub-Event "push" of refs/heads/<branch> (after; deleted: true);
//           "pull_request" with action opened|reopened|synchronize, pull_request.head.sha,
//           number and head.ref.

export type CiDecision =
  | { kind: 'ci'; commit: string; branch: string; change?: { kind: 'merge-request' | 'pull-request'; id: number } }
  | { kind: 'ignore'; reason: string }
  | { kind: 'bad'; reason: string };

const ZERO_SHA = /^0{40}$/;
const SHA = /^[0-9a-f]{40}$/;

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function obj(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function run(commit: string | undefined, field: string, branch: string | undefined, change?: { kind: 'merge-request' | 'pull-request'; id: unknown }): CiDecision {
  if (!commit || !SHA.test(commit)) return { kind: 'bad', reason: `${field} is missing or not a 40-digit commit id` };
  if (!branch) return { kind: 'bad', reason: 'the branch is missing' };
  if (!change) return { kind: 'ci', commit, branch };
  if (typeof change.id !== 'number' || !Number.isInteger(change.id) || change.id <= 0) return { kind: 'bad', reason: `the ${change.kind} number is missing` };
  return { kind: 'ci', commit, branch, change: { kind: change.kind, id: change.id } };
}

/** A push to a branch: the branch and its new head, unless the branch was deleted. */
function branchPush(ref: string | undefined, after: string | undefined, deleted: boolean): CiDecision {
  if (!ref) return { kind: 'bad', reason: 'ref is missing from the push event' };
  if (!ref.startsWith('refs/heads/')) return { kind: 'ignore', reason: `${ref} is not a branch` };
  const branch = ref.slice('refs/heads/'.length);
  if (deleted || ZERO_SHA.test(after ?? '')) return { kind: 'ignore', reason: `branch ${branch} was deleted` };
  return run(after, 'after', branch);
}

const GITLAB_MR_ACTIONS = new Set(['open', 'reopen', 'update']);
const GITHUB_PR_ACTIONS = new Set(['opened', 'reopened', 'synchronize']);

export function gitlabCiDecision(body: Record<string, unknown>): CiDecision {
  const kind = str(body.object_kind);
  if (kind === 'push') return branchPush(str(body.ref), str(body.checkout_sha) ?? str(body.after), false);
  if (kind === 'merge_request') {
    const mr = obj(body.object_attributes);
    const action = str(mr.action);
    if (!action || !GITLAB_MR_ACTIONS.has(action)) return { kind: 'ignore', reason: `merge request action ${action ?? '?'} changes no code` };
    return run(str(obj(mr.last_commit).id), 'object_attributes.last_commit.id', str(mr.source_branch), { kind: 'merge-request', id: mr.iid });
  }
  return kind ? { kind: 'ignore', reason: `object_kind ${kind} does not start CI` } : { kind: 'bad', reason: 'object_kind is missing; this is not a GitLab event' };
}

export function githubCiDecision(event: string | undefined, body: Record<string, unknown>): CiDecision {
  if (event === 'push') return branchPush(str(body.ref), str(body.after), body.deleted === true);
  if (event === 'pull_request') {
    const action = str(body.action);
    if (!action || !GITHUB_PR_ACTIONS.has(action)) return { kind: 'ignore', reason: `pull request action ${action ?? '?'} changes no code` };
    const head = obj(obj(body.pull_request).head);
    return run(str(head.sha), 'pull_request.head.sha', str(head.ref), { kind: 'pull-request', id: body.number });
  }
  return event ? { kind: 'ignore', reason: `event ${event} does not start CI` } : { kind: 'bad', reason: 'X-GitHub-Event header is missing' };
}
