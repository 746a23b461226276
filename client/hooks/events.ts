// What a tag webhook asks for, decided from its headers and parsed body. Pure: the server
// (server.ts) handles HTTP, signatures and starting releases.
//   GitLab: X-Gitlab-Event "Tag Push Hook", object_kind "tag_push", ref "refs/tags/<tag>";
//           a deleted tag has after = 40 zeros.
//   GitHub: X-GitHub-Event "push" of refs/tags/*, "create" with ref_type "tag", "release"
//           with action "published"; "ping" when the hook is set up.
// The commit a hook names (GitLab checkout_sha, else after; GitHub push after, which for an
// annotated tag may be the tag object) is passed on, so the release can refuse a tag that
// names something else by the time it is fetched. create and release events name none.

export type HookDecision =
  | { kind: 'release'; tag: string; commit?: string }
  | { kind: 'ignore'; reason: string }
  | { kind: 'pong' }
  | { kind: 'bad'; reason: string };

const ZERO_SHA = /^0{40}$/;
const SHA = /^[0-9a-f]{40}$/;

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function withCommit(tag: string, commit: string | undefined, field: string): HookDecision {
  if (commit === undefined) return { kind: 'release', tag };
  if (!SHA.test(commit)) return { kind: 'bad', reason: `${field} is not a 40-digit object id` };
  return { kind: 'release', tag, commit };
}

export function gitlabDecision(event: string | undefined, body: Record<string, unknown>): HookDecision {
  const kind = str(body.object_kind);
  if (!kind) return { kind: 'bad', reason: 'object_kind is missing; this is not a GitLab push event' };
  if (kind !== 'tag_push') return { kind: 'ignore', reason: `object_kind ${kind} is not a tag push` };
  if (event && event !== 'Tag Push Hook') return { kind: 'bad', reason: `X-Gitlab-Event is "${event}" but the body is a tag push` };
  const ref = str(body.ref);
  if (!ref?.startsWith('refs/tags/')) return { kind: 'bad', reason: 'ref is missing or not refs/tags/<tag>' };
  if (ZERO_SHA.test(str(body.after) ?? '')) return { kind: 'ignore', reason: `tag ${ref.slice(10)} was deleted` };
  return withCommit(ref.slice('refs/tags/'.length), str(body.checkout_sha) ?? str(body.after), 'checkout_sha');
}

export function githubDecision(event: string | undefined, body: Record<string, unknown>): HookDecision {
  switch (event) {
    case 'ping':
      return { kind: 'pong' };
    case 'push': {
      const ref = str(body.ref);
      if (!ref) return { kind: 'bad', reason: 'ref is missing from the push event' };
      if (!ref.startsWith('refs/tags/')) return { kind: 'ignore', reason: `${ref} is not a tag` };
      if (body.deleted === true) return { kind: 'ignore', reason: `tag ${ref.slice(10)} was deleted` };
      return withCommit(ref.slice('refs/tags/'.length), str(body.after), 'after');
    }
    case 'create': {
      if (str(body.ref_type) !== 'tag') return { kind: 'ignore', reason: `a ${str(body.ref_type) ?? 'ref'} was created, not a tag` };
      const ref = str(body.ref);
      return ref ? { kind: 'release', tag: ref } : { kind: 'bad', reason: 'ref is missing from the create event' };
    }
    case 'release': {
      if (str(body.action) !== 'published') return { kind: 'ignore', reason: `release action ${str(body.action) ?? '?'} is not "published"` };
      const tag = str((body.release as Record<string, unknown> | undefined)?.tag_name);
      return tag ? { kind: 'release', tag } : { kind: 'bad', reason: 'release.tag_name is missing' };
    }
    case undefined:
      return { kind: 'bad', reason: 'X-GitHub-Event header is missing' };
    default:
      return { kind: 'ignore', reason: `event ${event} does not start releases` };
  }
}
